// ConvTranspose3d as PyTorch's CPU path does it: per group, one GEMM (the kernel's packed A = the weight as
// [(out channel, kd, kh, kw), in channel], B = the input planes) gives every tap's contribution for every input
// voxel; col2im then adds each into the output voxel it lands on.
import { gemmMatrix } from './matmul';
import { at, shapeString, tensor, type Tensor } from '../tensor';

export interface ConvTranspose3dOptions {
  stride: [number, number, number];
  padding: [number, number, number];
  outputPadding: [number, number, number];
  dilation: [number, number, number];
  groups: number;
}

const transposed = new WeakMap<Float32Array, Float32Array[]>();

/** Per group: A[(co, t)][ci] = weight[g·Cg + ci][co][t], cached per weight so its packing is cached too. */
function groupMatrices(w: Tensor, G: number): Float32Array[] {
  const hit = transposed.get(w.data);
  if (hit !== undefined && hit.length === G) return hit;
  const Cg = (w.shape[0] as number) / G;
  const M = w.data.length / (w.shape[0] as number);
  const mats: Float32Array[] = [];
  for (let g = 0; g < G; g++) {
    const a = new Float32Array(M * Cg);
    for (let ci = 0; ci < Cg; ci++) {
      const src = (g * Cg + ci) * M;
      for (let m = 0; m < M; m++) a[m * Cg + ci] = at(w.data, src + m);
    }
    mats.push(a);
  }
  transposed.set(w.data, mats);
  return mats;
}

/** output_padding that gives output_size (the trailing 3 values), checked as PyTorch's _output_padding does. */
export function outputPaddingFor(inSizes: number[], outputSize: number[], kernel: number[], o: { stride: number[]; padding: number[]; dilation: number[] }): number[] {
  const k = inSizes.length;
  const want = outputSize.slice(outputSize.length - k);
  if (outputSize.length !== k && outputSize.length !== k + 2) throw new Error(`output_size must have ${k} or ${k + 2} elements (got ${outputSize.length})`);
  return inSizes.map((n, i) => {
    const min = (n - 1) * (o.stride[i] as number) - 2 * (o.padding[i] as number) + (o.dilation[i] as number) * ((kernel[i] as number) - 1) + 1;
    const max = min + (o.stride[i] as number) - 1;
    const s = want[i] as number;
    if (s < min || s > max) throw new Error(`requested an output size of [${want.join(', ')}], but valid sizes range from [${min}] to [${max}] in dimension ${i}`);
    return s - min;
  });
}

export function convTranspose3d(x: Tensor, w: Tensor, bias: Tensor | null, o: ConvTranspose3dOptions): Tensor {
  if (x.shape.length !== 5 || w.shape.length !== 5) throw new Error(`conv_transpose3d expects a 5-d input and weight, got ${shapeString(x.shape)} and ${shapeString(w.shape)}`);
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const [Cw, Cog, kd, kh, kw] = w.shape as [number, number, number, number, number];
  const G = o.groups;
  if (Cw !== C || C % G !== 0) throw new Error(`conv_transpose3d: input has ${C} channels but the weight ${shapeString(w.shape)} with groups=${G} expects ${Cw}`);
  const [sd, sh, sw] = o.stride, [pd, ph, pw] = o.padding, [od, oh, ow] = o.outputPadding, [dd, dh, dw] = o.dilation;
  for (let i = 0; i < 3; i++) {
    if ((o.outputPadding[i] as number) >= Math.max(o.stride[i] as number, o.dilation[i] as number)) {
      throw new Error(`conv_transpose3d: output_padding (${o.outputPadding.join(', ')}) must be smaller than either stride or dilation`);
    }
  }
  const Do = (D - 1) * sd - 2 * pd + dd * (kd - 1) + od + 1;
  const Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1;
  const Wo = (W - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1;
  if (Do < 1 || Ho < 1 || Wo < 1) throw new Error(`conv_transpose3d: the output ${Do}x${Ho}x${Wo} is empty`);
  const Cg = C / G, Co = Cog * G, T = kd * kh * kw, M = Cog * T, V = D * H * W;
  const mats = groupMatrices(w, G);
  const out = tensor([N, Co, Do, Ho, Wo]);
  const y = out.data;
  const what = `conv_transpose3d ${shapeString(w.shape)}`;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const xs = x.data.subarray((n * C + g * Cg) * V, (n * C + (g + 1) * Cg) * V);
      const cols = gemmMatrix(mats[g] as Float32Array, M, Cg, xs, V, false, null, true, what);
      for (let col = 0; col < Cog; col++) {
        const co = g * Cog + col;
        const ob = (n * Co + co) * Do * Ho * Wo;
        y.fill(bias === null ? 0 : at(bias.data, co), ob, ob + Do * Ho * Wo);
        for (let t = 0; t < T; t++) {
          const a = Math.floor(t / (kh * kw)), r = t - a * kh * kw, b = Math.floor(r / kw), c = r - b * kw;
          const row = (col * T + t) * V;
          for (let iz = 0; iz < D; iz++) {
            const oz = iz * sd - pd + a * dd;
            if (oz < 0 || oz >= Do) continue;
            for (let iy = 0; iy < H; iy++) {
              const oy = iy * sh - ph + b * dh;
              if (oy < 0 || oy >= Ho) continue;
              const orow = ob + (oz * Ho + oy) * Wo, crow = row + (iz * H + iy) * W;
              for (let ix = 0; ix < W; ix++) {
                const ox = ix * sw - pw + c * dw;
                if (ox >= 0 && ox < Wo) y[orow + ox] = at(y, orow + ox) + at(cols, crow + ix);
              }
            }
          }
        }
      }
    }
  }
  return out;
}
