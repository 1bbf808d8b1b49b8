// Max/avg pooling (fixed and adaptive) with PyTorch's output sizes, ceil_mode and padding rules.
import { gatherPhases, phaseLayout, tapOffset, type PhaseOptions } from './conv';
import { runtime } from '../runtime';
import { at, shapeString, tensor, type Tensor } from '../tensor';

export interface Pool2dOptions {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

/** PyTorch's pooling_output_shape. */
export function poolOutputSize(n: number, k: number, pad: number, stride: number, dil: number, ceil: boolean): number {
  const num = n + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  if (ceil && (out - 1) * stride >= n + pad) out--;
  return out;
}

function check4d(x: Tensor, op: string): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${op} expects a 4-d input (N, C, H, W), got ${shapeString(x.shape)}`);
  return x.shape as [number, number, number, number];
}

function checkPool(o: Pool2dOptions, H: number, W: number, op: string): [number, number] {
  const [kh, kw] = o.kernel;
  if (o.padding[0] * 2 > kh || o.padding[1] * 2 > kw) {
    throw new Error(`${op}: padding (${o.padding.join(', ')}) must be at most half the kernel size (${kh}, ${kw})`);
  }
  const Ho = poolOutputSize(H, kh, o.padding[0], o.stride[0], o.dilation[0], o.ceilMode);
  const Wo = poolOutputSize(W, kw, o.padding[1], o.stride[1], o.dilation[1], o.ceilMode);
  if (Ho < 1 || Wo < 1) throw new Error(`${op}: input ${H}x${W} is too small for kernel ${kh}x${kw}; the output would be ${Ho}x${Wo}`);
  return [Ho, Wo];
}

/**
 * Max pooling over phase planes in wasm (f32x4.max: NaN-propagating and branch-free; a JavaScript loop over
 * real activations mispredicts its comparisons). The padding holds -inf; the bottom/right padding grows to
 * cover ceil_mode's last windows, which PyTorch clips to the input.
 */
export function maxPool2d(x: Tensor, o: Pool2dOptions): Tensor {
  const [N, C, H, W] = check4d(x, 'max_pool2d');
  const [Ho, Wo] = checkPool(o, H, W, 'max_pool2d');
  const [kh, kw] = o.kernel, [sh, sw] = o.stride, [ph, pw] = o.padding, [dh, dw] = o.dilation;
  const pb = Math.max(ph, (Ho - 1) * sh + dh * (kh - 1) + 1 - H - ph);
  const pr = Math.max(pw, (Wo - 1) * sw + dw * (kw - 1) + 1 - W - pw);
  const po: PhaseOptions = { stride: [sh, sw], padding: [ph, pb, pw, pr], dilation: [dh, dw], paddingMode: 'zeros' };
  const L = phaseLayout(H, W, kh, kw, po);
  const T = kh * kw;
  const Nc = Math.ceil(Math.max((Ho - 1) * L.Wq + Wo, 8) / 8) * 8;
  const rt = runtime();
  const floats = N * C * Ho * Wo;
  // A resident input is read where it is; a placed output is written where the executor planned it.
  const xAt = rt.addressOf(x.data), outAt = rt.takeOutput(floats);
  const out = outAt === null ? tensor([N, C, Ho, Wo]) : null;
  // ResNet's 3x3 stride 2 padding 1: one pass straight from the input, no phase planes.
  if (kh === 3 && kw === 3 && sh === 2 && sw === 2 && ph === 1 && pw === 1 && dh === 1 && dw === 1 && !o.ceilMode && W % 4 === 0 && Wo >= 4) {
    let xin = xAt ?? 0, obuf = outAt ?? 0, row = 0;
    rt.withScratch(`max_pool2d ${shapeString(x.shape)}`, (s) => {
      if (xAt === null) xin = s.alloc(N * C * H * W * 4);
      if (outAt === null) obuf = s.alloc(floats * 4);
      row = s.alloc((W + 16) * 4);
    }, () => {
      if (xAt === null) rt.f32.set(x.data, xin >> 2);
      rt.k.maxpool3x3s2p1(N * C, H, W, xin, obuf, Ho, Wo, row);
      out?.data.set(rt.f32.subarray(obuf >> 2, (obuf >> 2) + floats));
    });
    return out ?? { shape: [N, C, Ho, Wo], data: rt.view(obuf, floats) };
  }
  let xin = xAt ?? 0, planes = 0, cbuf = 0, idx = 0, offs = 0, obuf = outAt ?? 0;
  rt.withScratch(`max_pool2d ${shapeString(x.shape)}`, (s) => {
    if (xAt === null) xin = s.alloc(N * C * H * W * 4);
    planes = s.alloc((C * L.chan + 16) * 4);
    cbuf = s.alloc(C * Nc * 4);
    idx = s.alloc((L.Hq + L.Wq) * 4);
    offs = s.alloc(T * 4);
    if (outAt === null) obuf = s.alloc(floats * 4);
  }, () => {
    if (xAt === null) rt.f32.set(x.data, xin >> 2);
    const i32 = rt.i32;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) i32[(offs >> 2) + ky * kw + kx] = tapOffset(L, ky, kx, po);
    for (let n = 0; n < N; n++) {
      gatherPhases(rt, xin + n * C * H * W * 4, C, H, W, planes, L, po, idx, -Infinity);
      rt.k.max_taps(C, Nc, T, planes, L.chan * 4, offs, cbuf, Nc * 4);
      rt.k.compact(C, Ho, Wo, cbuf, Nc, L.Wq, obuf + n * C * Ho * Wo * 4);
    }
    out?.data.set(rt.f32.subarray(obuf >> 2, (obuf >> 2) + floats));
  });
  return out ?? { shape: [N, C, Ho, Wo], data: rt.view(obuf, floats) };
}

export function avgPool2d(x: Tensor, o: Pool2dOptions & { countIncludePad: boolean; divisorOverride: number | null }): Tensor {
  const [N, C, H, W] = check4d(x, 'avg_pool2d');
  const [Ho, Wo] = checkPool(o, H, W, 'avg_pool2d');
  const [kh, kw] = o.kernel, [sh, sw] = o.stride, [ph, pw] = o.padding;
  const out = tensor([N, C, Ho, Wo]);
  const xd = x.data, y = out.data;
  for (let nc = 0; nc < N * C; nc++) {
    const xb = nc * H * W, yb = nc * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let h0 = oy * sh - ph, w0 = ox * sw - pw;
        let h1 = Math.min(h0 + kh, H + ph), w1 = Math.min(w0 + kw, W + pw);
        const poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0); w0 = Math.max(w0, 0); h1 = Math.min(h1, H); w1 = Math.min(w1, W);
        if (h0 >= h1 || w0 >= w1) { y[yb + oy * Wo + ox] = 0; continue; }
        let s = 0;
        for (let iy = h0; iy < h1; iy++) for (let ix = w0; ix < w1; ix++) s += at(xd, xb + iy * W + ix);
        const div = o.divisorOverride ?? (o.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
        y[yb + oy * Wo + ox] = s / div;
      }
    }
  }
  return out;
}

function adaptiveStart(o: number, inSize: number, outSize: number): number {
  return Math.floor((o * inSize) / outSize);
}
function adaptiveEnd(o: number, inSize: number, outSize: number): number {
  return Math.ceil(((o + 1) * inSize) / outSize);
}

export function adaptivePool2d(x: Tensor, size: [number | null, number | null], kind: 'avg' | 'max'): Tensor {
  const [N, C, H, W] = check4d(x, `adaptive_${kind}_pool2d`);
  const Ho = size[0] ?? H, Wo = size[1] ?? W;
  if (Ho < 1 || Wo < 1) throw new Error(`adaptive_${kind}_pool2d: output size (${Ho}, ${Wo}) must be positive`);
  const out = tensor([N, C, Ho, Wo]);
  if (kind === 'avg' && Ho === 1 && Wo === 1) {
    // Global average (a squeeze-excitation's, a classifier's): each plane summed in order, as below, in one tight loop.
    const xd = x.data, y = out.data, n = H * W;
    for (let nc = 0, i = 0; nc < N * C; nc++) {
      let acc = 0;
      for (const e = i + n; i < e; i++) acc += xd[i] as number;
      y[nc] = acc / n;
    }
    return out;
  }
  for (let nc = 0; nc < N * C; nc++) {
    const xb = nc * H * W, yb = nc * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      const h0 = adaptiveStart(oy, H, Ho), h1 = adaptiveEnd(oy, H, Ho);
      for (let ox = 0; ox < Wo; ox++) {
        const w0 = adaptiveStart(ox, W, Wo), w1 = adaptiveEnd(ox, W, Wo);
        let acc = kind === 'avg' ? 0 : -Infinity;
        for (let iy = h0; iy < h1; iy++) {
          for (let ix = w0; ix < w1; ix++) {
            const v = at(x.data, xb + iy * W + ix);
            if (kind === 'avg') acc += v;
            else if (v > acc || Number.isNaN(v)) acc = v;
          }
        }
        out.data[yb + oy * Wo + ox] = kind === 'avg' ? acc / ((h1 - h0) * (w1 - w0)) : acc;
      }
    }
  }
  return out;
}

/** Runs a 2-d pool on an (N, C, L) input as (N, C, 1, L). */
export function as1d(x: Tensor, f: (x4: Tensor) => Tensor, op: string): Tensor {
  if (x.shape.length !== 3) throw new Error(`${op} expects a 3-d input (N, C, L), got ${shapeString(x.shape)}`);
  const [N, C, L] = x.shape as [number, number, number];
  const y = f({ shape: [N, C, 1, L], data: x.data });
  return { shape: [N, C, y.shape[3] as number], data: y.data };
}
