// F.interpolate / nn.Upsample on volumes [N, C, D, H, W]: nearest, nearest-exact and trilinear, with the same
// source-index rules as the 2-D resize (PyTorch's area_pixel_compute_scale and linear source index).
import { at, shapeString, tensor, type Tensor } from '../tensor';
import { linearTaps, nearestIndices, type LinearTap as Tap } from './resize';

export interface Interpolate3dOptions {
  size: number[] | null;
  scaleFactor: number[] | null;
  mode: 'nearest' | 'nearest-exact' | 'trilinear';
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;
}

export function interpolate3d(x: Tensor, o: Interpolate3dOptions): Tensor {
  if (x.shape.length !== 5) throw new Error(`interpolate: mode '${o.mode}' here expects a 5-d input, got ${shapeString(x.shape)}`);
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const inSizes = [D, H, W];
  let outSizes: number[];
  let scales: Array<number | null> = [null, null, null];
  if (o.size !== null) {
    outSizes = o.size.length === 1 ? inSizes.map(() => at(o.size as number[], 0)) : o.size;
  } else if (o.scaleFactor !== null) {
    const sf = o.scaleFactor.length === 1 ? inSizes.map(() => at(o.scaleFactor as number[], 0)) : o.scaleFactor;
    if (sf.length !== 3) throw new Error(`interpolate: scale_factor has ${sf.length} values for 3 spatial dimensions`);
    outSizes = inSizes.map((s, i) => Math.floor(s * at(sf, i)));
    if (o.recomputeScaleFactor !== true) scales = sf;
  } else {
    throw new Error('interpolate needs either size or scale_factor');
  }
  if (outSizes.length !== 3) throw new Error(`interpolate: size (${outSizes.join(', ')}) has ${outSizes.length} values for 3 spatial dimensions`);
  const [Do, Ho, Wo] = outSizes as [number, number, number];
  const out = tensor([N, C, Do, Ho, Wo]);
  const taps = (i: number): Tap[] => {
    const inSize = inSizes[i] as number, outSize = outSizes[i] as number, scale = scales[i] ?? null;
    if (o.mode !== 'trilinear') return nearestIndices(inSize, outSize, scale, o.mode === 'nearest-exact').map((v): Tap => [v, v, 1, 0]);
    return linearTaps(inSize, outSize, o.alignCorners ?? false, scale);
  };
  const td = taps(0), th = taps(1), tw = taps(2);
  const xd = x.data;
  for (let nc = 0; nc < N * C; nc++) {
    const b = nc * D * H * W;
    for (let z = 0; z < Do; z++) {
      const [z0, z1, c0, c1] = td[z] as Tap;
      for (let y = 0; y < Ho; y++) {
        const [y0, y1, a0, a1] = th[y] as Tap;
        for (let xx = 0; xx < Wo; xx++) {
          const [x0, x1, b0, b1] = tw[xx] as Tap;
          const plane = (zz: number): number => {
            const p = b + zz * H * W;
            return a0 * (b0 * at(xd, p + y0 * W + x0) + b1 * at(xd, p + y0 * W + x1)) + a1 * (b0 * at(xd, p + y1 * W + x0) + b1 * at(xd, p + y1 * W + x1));
          };
          out.data[((nc * Do + z) * Ho + y) * Wo + xx] = c1 === 0 ? c0 * plane(z0) : c0 * plane(z0) + c1 * plane(z1);
        }
      }
    }
  }
  return out;
}
