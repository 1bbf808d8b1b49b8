// F.interpolate / nn.Upsample: nearest and (bi)linear with PyTorch's source-index rules.
import { at, shapeString, tensor, type Tensor } from '../tensor';

export interface InterpolateOptions {
  size: number[] | null;
  scaleFactor: number[] | null;
  mode: 'nearest' | 'nearest-exact' | 'bilinear' | 'linear';
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;
}

/** PyTorch's area_pixel_compute_scale. */
export function pixelScale(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return scale !== null && scale > 0 ? 1 / scale : inSize / outSize;
}

/** The source index of each output position for 'nearest' (PyTorch's floor(dst * scale)) or 'nearest-exact'. */
export function nearestIndices(inSize: number, outSize: number, scale: number | null, exact: boolean): number[] {
  const s = pixelScale(inSize, outSize, false, scale);
  return Array.from({ length: outSize }, (_, d) => Math.min(exact ? Math.floor((d + 0.5) * s) : Math.floor(d * s), inSize - 1));
}

/** Two source indices and their weights per output position: [i0, i1, w0, w1]. */
export type LinearTap = [number, number, number, number];

/** PyTorch's linear source index along one dimension (area_pixel_compute_source_index), clamped at the edges. */
export function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): LinearTap[] {
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  return Array.from({ length: outSize }, (_, d) => {
    const src = alignCorners ? s * d : Math.max(s * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = Math.min(src - i0, 1);
    return [i0, i1, 1 - l1, l1];
  });
}

export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const spatial = x.shape.length - 2;
  if (spatial < 1 || spatial > 2) throw new Error(`interpolate supports 3-d and 4-d inputs here, got ${shapeString(x.shape)}`);
  const inSizes = x.shape.slice(2);
  let outSizes: number[];
  let scales: Array<number | null> = inSizes.map(() => null);
  if (o.size !== null) {
    outSizes = o.size.length === 1 ? inSizes.map(() => at(o.size as number[], 0)) : o.size;
  } else if (o.scaleFactor !== null) {
    const sf = o.scaleFactor.length === 1 ? inSizes.map(() => at(o.scaleFactor as number[], 0)) : o.scaleFactor;
    outSizes = inSizes.map((s, i) => Math.floor(s * at(sf, i)));
    if (o.recomputeScaleFactor !== true) scales = sf;
  } else {
    throw new Error('interpolate needs either size or scale_factor');
  }
  if (outSizes.length !== spatial) throw new Error(`interpolate: size (${outSizes.join(', ')}) has ${outSizes.length} values for ${spatial} spatial dimensions`);
  const [N, C] = x.shape as [number, number];
  const H = spatial === 2 ? at(inSizes, 0) : 1, W = at(inSizes, spatial - 1);
  const Ho = spatial === 2 ? at(outSizes, 0) : 1, Wo = at(outSizes, spatial - 1);
  const sH = spatial === 2 ? (scales[0] ?? null) : null, sW = scales[spatial - 1] ?? null;
  const out = tensor([N, C, ...outSizes]);
  const linear = o.mode === 'bilinear' || o.mode === 'linear';
  if (linear && spatial === 2 && o.mode !== 'bilinear') throw new Error(`interpolate: mode '${o.mode}' expects a 3-d input`);
  if (!linear) {
    const exact = o.mode === 'nearest-exact';
    const ry = nearestIndices(H, Ho, sH, exact);
    const rx = nearestIndices(W, Wo, sW, exact);
    for (let nc = 0; nc < N * C; nc++) {
      for (let y = 0; y < Ho; y++) for (let xx = 0; xx < Wo; xx++) {
        out.data[(nc * Ho + y) * Wo + xx] = at(x.data, (nc * H + at(ry, y)) * W + at(rx, xx));
      }
    }
    return out;
  }
  const ac = o.alignCorners ?? false;
  const wy = spatial === 2 ? linearTaps(H, Ho, ac, sH) : [[0, 0, 1, 0] as LinearTap];
  const wx = linearTaps(W, Wo, ac, sW);
  for (let nc = 0; nc < N * C; nc++) {
    const b = nc * H * W;
    for (let y = 0; y < Ho; y++) {
      const [y0, y1, a0, a1] = wy[y] as LinearTap;
      for (let xx = 0; xx < Wo; xx++) {
        const [x0, x1, b0, b1] = wx[xx] as LinearTap;
        const v = a0 * (b0 * at(x.data, b + y0 * W + x0) + b1 * at(x.data, b + y0 * W + x1)) +
          a1 * (b0 * at(x.data, b + y1 * W + x0) + b1 * at(x.data, b + y1 * W + x1));
        out.data[(nc * Ho + y) * Wo + xx] = v;
      }
    }
  }
  return out;
}
