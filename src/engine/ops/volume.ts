// 3-D (volume) operators built on the 2-D ones: Conv3d as the SIMD GEMM kernel over the 2-D convolution's phase planes
// (one per channel and depth), max pooling as 2-D max pools per depth tap, avg and adaptive pooling as plain loops.
import { checkPadding, gatherPhases, gemm, padIndex, phaseLayout, tapOffset, type PaddingMode, type PhaseOptions } from './conv';
import { runtime } from '../runtime';
import { packBias, packGemmA, packedGemmAFloats, roundUp, MR } from '../packing';
import { maxPool2d, poolOutputSize } from './pool';
import { at, shapeString, tensor, type Tensor } from '../tensor';

export interface Conv3dOptions {
  stride: [number, number, number];
  /** (before, after) per dim: depth, height, width. */
  padding: [[number, number], [number, number], [number, number]];
  dilation: [number, number, number];
  groups: number;
  paddingMode: PaddingMode;
  clamp?: [number, number];
}

function check5d(x: Tensor, op: string): [number, number, number, number, number] {
  if (x.shape.length !== 5) throw new Error(`${op} expects a 5-d input (N, C, D, H, W), got ${shapeString(x.shape)}`);
  return x.shape as [number, number, number, number, number];
}

/**
 * The 3-D convolution as one indirect GEMM per output depth, straight over the input: every depth slice of every
 * channel is padded and split by stride phase once (the 2-D convolution's phase planes, one per (channel, depth)),
 * and the GEMM's B table points, for each K index (input channel, kernel depth, tap), at the plane of the input depth
 * that tap reads (a zero plane for depth padding). K runs in the weight's own order [Cg, KD, kh, kw], so the packed A is
 * the weight as it is; nothing is gathered per output depth.
 */
export function conv3d(x: Tensor, w: Tensor, bias: Tensor | null, o: Conv3dOptions): Tensor {
  const [N, C, D, H, W] = check5d(x, 'conv3d');
  if (w.shape.length !== 5) throw new Error(`conv3d expects a 5-d weight, got ${shapeString(w.shape)}`);
  const [Co, Cg, KD, kh, kw] = w.shape as [number, number, number, number, number];
  const G = o.groups;
  if (C !== Cg * G) throw new Error(`conv3d: input has ${C} channels but the weight ${shapeString(w.shape)} with groups=${G} expects ${Cg * G}`);
  if (Co % G !== 0) throw new Error(`conv3d: out_channels ${Co} is not divisible by groups ${G}`);
  if (bias !== null && bias.data.length !== Co) throw new Error(`conv3d: bias has ${bias.data.length} values, expected ${Co}`);
  const [pb, pa] = o.padding[0];
  const [sd] = o.stride;
  const [dd] = o.dilation;
  const Do = Math.floor((D + pb + pa - dd * (KD - 1) - 1) / sd) + 1;
  if (Do < 1) throw new Error(`conv3d: input depth ${D} is too small for kernel depth ${KD}`);
  if (o.paddingMode === 'reflect' && (pb >= D || pa >= D)) throw new Error(`conv3d: reflect padding (${pb}, ${pa}) must be smaller than the depth ${D}`);
  const [, ph, pw] = o.padding;
  const o2: PhaseOptions = { stride: [o.stride[1], o.stride[2]], padding: [ph[0], ph[1], pw[0], pw[1]], dilation: [o.dilation[1], o.dilation[2]], paddingMode: o.paddingMode };
  checkPadding(o.paddingMode, o2.padding, H, W);
  const L = phaseLayout(H, W, kh, kw, o2);
  const { Ho, Wo } = L;
  const Mg = Co / G, T = kh * kw, Kg = Cg * KD * T, HWo = Ho * Wo;
  const [lo, hi] = o.clamp ?? [-Infinity, Infinity];
  const rt = runtime();
  const what = `conv3d ${shapeString(w.shape)}`;
  const bdata = bias?.data ?? null;
  const aFloats = packedGemmAFloats(Mg, Kg);
  const wp = rt.packedWeights(w.data, bdata, 'gemm3d', G * aFloats + G * roundUp(Mg, MR), (dst, at) => {
    for (let g = 0; g < G; g++) packGemmA(w.data, g * Mg, Mg, Kg, dst, at + g * aFloats);
    packBias(bdata, G, Mg, dst, at + G * aFloats);
  }, what);
  const bp = wp + G * aFloats * 4;
  const Np = (Ho - 1) * L.Wq + Wo;
  const Nc = roundUp(Math.max(Np, 8), 8);
  const out = tensor([N, Co, Do, Ho, Wo]);
  let xin = 0, planes = 0, zplane = 0, cbuf = 0, obuf = 0, idx = 0, ptrs = 0;
  const offs = new Int32Array(T);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) offs[ky * kw + kx] = tapOffset(L, ky, kx, o2);
  rt.withScratch(what, (s) => {
    xin = s.alloc(C * D * H * W * 4);
    planes = s.alloc((C * D * L.chan + Nc + 16) * 4);
    zplane = s.alloc((L.chan + Nc + 16) * 4);
    cbuf = s.alloc(Co * Nc * 4);
    obuf = s.alloc(Co * HWo * 4);
    idx = s.alloc((L.Hq + L.Wq) * 4);
    ptrs = s.alloc(G * Kg * 4);
  }, () => {
    rt.f32.fill(0, zplane >> 2, (zplane >> 2) + L.chan + Nc + 16);
    for (let n = 0; n < N; n++) {
      rt.f32.set(x.data.subarray(n * C * D * H * W, (n + 1) * C * D * H * W), xin >> 2);
      gatherPhases(rt, xin, C * D, H, W, planes, L, o2, idx);
      for (let t = 0; t < Do; t++) {
        const i32 = rt.i32;
        for (let g = 0; g < G; g++) {
          let k = (ptrs >> 2) + g * Kg;
          for (let ci = 0; ci < Cg; ci++) {
            for (let kd = 0; kd < KD; kd++) {
              const d = padIndex(t * sd - pb + kd * dd, D, o.paddingMode);
              const base = d < 0 ? zplane : planes + ((g * Cg + ci) * D + d) * L.chan * 4;
              for (let tap = 0; tap < T; tap++) i32[k++] = base + (offs[tap] as number);
            }
          }
          gemm(rt, Mg, Nc, Kg, wp + g * aFloats * 4, ptrs + g * Kg * 4, cbuf + g * Mg * Nc * 4, Nc, bp + g * roundUp(Mg, MR) * 4, lo, hi);
        }
        rt.k.compact(Co, Ho, Wo, cbuf, Nc, L.Wq, obuf);
        const f32 = rt.f32, ob = obuf >> 2;
        for (let c = 0; c < Co; c++) out.data.set(f32.subarray(ob + c * HWo, ob + (c + 1) * HWo), ((n * Co + c) * Do + t) * HWo);
      }
    }
  });
  return out;
}

export interface Pool3dOptions {
  kernel: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  dilation: [number, number, number];
  ceilMode: boolean;
}

function outSizes(x: [number, number, number], o: Pool3dOptions, op: string): [number, number, number] {
  const sizes = x.map((n, i) => {
    const k = o.kernel[i] as number;
    if ((o.padding[i] as number) * 2 > k) throw new Error(`${op}: padding (${o.padding.join(', ')}) must be at most half the kernel size (${o.kernel.join(', ')})`);
    return poolOutputSize(n, k, o.padding[i] as number, o.stride[i] as number, o.dilation[i] as number, o.ceilMode);
  }) as [number, number, number];
  if (sizes.some((s) => s < 1)) throw new Error(`${op}: input ${x.join('x')} is too small for kernel ${o.kernel.join('x')}`);
  return sizes;
}

/** Max over the valid depth taps of 2-D max pools of the slices (padded depths hold -inf and never win). */
export function maxPool3d(x: Tensor, o: Pool3dOptions): Tensor {
  const [N, C, D, H, W] = check5d(x, 'max_pool3d');
  const [Do] = outSizes([D, H, W], o, 'max_pool3d');
  const plane = H * W;
  const slice = (d: number): Tensor => {
    const s = new Float32Array(N * C * plane);
    for (let nc = 0; nc < N * C; nc++) s.set(x.data.subarray((nc * D + d) * plane, (nc * D + d + 1) * plane), nc * plane);
    return { shape: [N, C, H, W], data: s };
  };
  const o2 = { kernel: [o.kernel[1], o.kernel[2]] as [number, number], stride: [o.stride[1], o.stride[2]] as [number, number], padding: [o.padding[1], o.padding[2]] as [number, number], dilation: [o.dilation[1], o.dilation[2]] as [number, number], ceilMode: o.ceilMode };
  const pooled = new Map<number, Tensor>();
  let out: Tensor | null = null;
  for (let t = 0; t < Do; t++) {
    let acc: Float32Array | null = null;
    let Ho = 0, Wo = 0;
    for (let kd = 0; kd < o.kernel[0]; kd++) {
      const d = t * o.stride[0] - o.padding[0] + kd * o.dilation[0];
      if (d < 0 || d >= D) continue;
      let p = pooled.get(d);
      if (p === undefined) {
        p = maxPool2d(slice(d), o2);
        pooled.set(d, p);
      }
      Ho = p.shape[2] as number;
      Wo = p.shape[3] as number;
      if (acc === null) acc = Float32Array.from(p.data);
      else for (let i = 0; i < acc.length; i++) {
        const v = at(p.data, i);
        if (v > (acc[i] as number) || Number.isNaN(v)) acc[i] = v;
      }
    }
    if (acc === null) throw new Error('max_pool3d: a window holds only padding');
    out ??= tensor([N, C, Do, Ho, Wo]);
    const op = Ho * Wo;
    for (let nc = 0; nc < N * C; nc++) out.data.set(acc.subarray(nc * op, (nc + 1) * op), (nc * Do + t) * op);
  }
  return out as Tensor;
}

export function avgPool3d(x: Tensor, o: Pool3dOptions & { countIncludePad: boolean; divisorOverride: number | null }): Tensor {
  const [N, C, D, H, W] = check5d(x, 'avg_pool3d');
  const [Do, Ho, Wo] = outSizes([D, H, W], o, 'avg_pool3d');
  const [kd, kh, kw] = o.kernel, [sd, sh, sw] = o.stride, [pd, ph, pw] = o.padding;
  const out = tensor([N, C, Do, Ho, Wo]);
  const xd = x.data, y = out.data;
  for (let nc = 0; nc < N * C; nc++) {
    const xb = nc * D * H * W;
    for (let ot = 0; ot < Do; ot++) {
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let d0 = ot * sd - pd, h0 = oy * sh - ph, w0 = ox * sw - pw;
          let d1 = Math.min(d0 + kd, D + pd), h1 = Math.min(h0 + kh, H + ph), w1 = Math.min(w0 + kw, W + pw);
          const poolSize = (d1 - d0) * (h1 - h0) * (w1 - w0);
          d0 = Math.max(d0, 0); h0 = Math.max(h0, 0); w0 = Math.max(w0, 0);
          d1 = Math.min(d1, D); h1 = Math.min(h1, H); w1 = Math.min(w1, W);
          const yi = ((nc * Do + ot) * Ho + oy) * Wo + ox;
          if (d0 >= d1 || h0 >= h1 || w0 >= w1) { y[yi] = 0; continue; }
          let s = 0;
          for (let iz = d0; iz < d1; iz++) for (let iy = h0; iy < h1; iy++) for (let ix = w0; ix < w1; ix++) s += at(xd, xb + (iz * H + iy) * W + ix);
          y[yi] = s / (o.divisorOverride ?? (o.countIncludePad ? poolSize : (d1 - d0) * (h1 - h0) * (w1 - w0)));
        }
      }
    }
  }
  return out;
}

export function adaptivePool3d(x: Tensor, size: [number | null, number | null, number | null], kind: 'avg' | 'max'): Tensor {
  const [N, C, D, H, W] = check5d(x, `adaptive_${kind}_pool3d`);
  const Do = size[0] ?? D, Ho = size[1] ?? H, Wo = size[2] ?? W;
  if (Do < 1 || Ho < 1 || Wo < 1) throw new Error(`adaptive_${kind}_pool3d: output size (${Do}, ${Ho}, ${Wo}) must be positive`);
  const start = (o: number, n: number, m: number): number => Math.floor((o * n) / m);
  const end = (o: number, n: number, m: number): number => Math.ceil(((o + 1) * n) / m);
  const out = tensor([N, C, Do, Ho, Wo]);
  for (let nc = 0; nc < N * C; nc++) {
    const xb = nc * D * H * W;
    for (let ot = 0; ot < Do; ot++) {
      const d0 = start(ot, D, Do), d1 = end(ot, D, Do);
      for (let oy = 0; oy < Ho; oy++) {
        const h0 = start(oy, H, Ho), h1 = end(oy, H, Ho);
        for (let ox = 0; ox < Wo; ox++) {
          const w0 = start(ox, W, Wo), w1 = end(ox, W, Wo);
          let acc = kind === 'avg' ? 0 : -Infinity;
          for (let iz = d0; iz < d1; iz++) {
            for (let iy = h0; iy < h1; iy++) {
              for (let ix = w0; ix < w1; ix++) {
                const v = at(x.data, xb + (iz * H + iy) * W + ix);
                if (kind === 'avg') acc += v;
                else if (v > acc || Number.isNaN(v)) acc = v;
              }
            }
          }
          out.data[((nc * Do + ot) * Ho + oy) * Wo + ox] = kind === 'avg' ? acc / ((d1 - d0) * (h1 - h0) * (w1 - w0)) : acc;
        }
      }
    }
  }
  return out;
}
