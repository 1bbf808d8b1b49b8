// Convolution drivers: choose a path, pack weights once, lay out the input, call the kernels.
//
// Every path is an indirect GEMM over "phase planes": the input is padded (any padding_mode) and split
// by stride phase, so that for each kernel tap the inputs of consecutive outputs are contiguous. The
// GEMM's B operand is then just a table of row addresses (no im2col). Outputs are computed on strips
// of the plane width and the few padding columns are dropped by `compact`.
import { runtime, type WasmRuntime } from '../runtime';
import { packBias, packGemmA, packedGemmAFloats, roundUp, spreadRows, MR } from '../packing';
import { numel, shapeString, tensor, type Tensor } from '../tensor';
import { SeededTensor } from '../weights/init';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv2dOptions {
  stride: [number, number];
  /** top, bottom, left, right */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
  paddingMode: PaddingMode;
  /** Output clamp fused into the store (relu: [0, Infinity], relu6: [0, 6]). */
  clamp?: [number, number];
  /** Weights and bias packed already (packConv2d), e.g. with a BatchNorm folded in; `w` then gives the shape. */
  packed?: { wp: number; bp: number };
}

/** Index of padded coordinate `i` (in [-before, n + after)) in the source, or -1 for a zero. */
export function padIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'zeros':
      return -1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let r = ((i % period) + period) % period;
      if (r >= n) r = period - r;
      return r;
    }
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'circular':
      return ((i % n) + n) % n;
  }
}

export function checkPadding(mode: PaddingMode, pad: [number, number, number, number], H: number, W: number): void {
  const [t, b, l, r] = pad;
  if (mode === 'reflect' && (t >= H || b >= H || l >= W || r >= W)) {
    throw new Error(`reflect padding (${pad.join(', ')}) must be smaller than the input size ${H}x${W}`);
  }
  if (mode === 'circular' && (t > H || b > H || l > W || r > W)) {
    throw new Error(`circular padding (${pad.join(', ')}) can wrap at most once around the input size ${H}x${W}`);
  }
}

export interface PhaseLayout {
  sh: number; sw: number; Hq: number; Wq: number; Ho: number; Wo: number;
  /** floats per channel (all phases) */
  chan: number;
}

/** The geometry that every op over phase planes needs: the stride, padding and dilation of `Conv2dOptions`. */
export type PhaseOptions = Pick<Conv2dOptions, 'stride' | 'padding' | 'dilation' | 'paddingMode'>;

export function phaseLayout(H: number, W: number, kh: number, kw: number, o: PhaseOptions): PhaseLayout {
  const [sh, sw] = o.stride;
  const [pt, pb, pl, pr] = o.padding;
  const [dh, dw] = o.dilation;
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const Ho = Math.floor((Hp - dh * (kh - 1) - 1) / sh) + 1;
  const Wo = Math.floor((Wp - dw * (kw - 1) - 1) / sw) + 1;
  if (Ho < 1 || Wo < 1) {
    throw new Error(`input ${H}x${W} padded to ${Hp}x${Wp} is smaller than the dilated kernel ${dh * (kh - 1) + 1}x${dw * (kw - 1) + 1}`);
  }
  const Hq = Math.ceil(Hp / sh);
  const Wq = Math.ceil(Wp / sw);
  return { sh, sw, Hq, Wq, Ho, Wo, chan: sh * sw * Hq * Wq };
}

/** Byte offset, inside one channel's phase planes, of tap (ky, kx) for output (0, 0). */
export function tapOffset(L: PhaseLayout, ky: number, kx: number, o: PhaseOptions): number {
  const ey = ky * o.dilation[0];
  const ex = kx * o.dilation[1];
  const py = ey % L.sh, qy = Math.floor(ey / L.sh);
  const px = ex % L.sw, qx = Math.floor(ex / L.sw);
  return (((py * L.sw + px) * L.Hq + qy) * L.Wq + qx) * 4;
}

/** Fills the phase planes of C channels at `dst` from NCHW channels at `src` (both byte addresses); zero padding holds `fill`. */
export function gatherPhases(rt: WasmRuntime, src: number, C: number, H: number, W: number, dst: number, L: PhaseLayout, o: PhaseOptions, idx: number, fill = 0): void {
  const i32 = rt.i32;
  const [pt, , pl] = o.padding;
  const Hp = H + o.padding[0] + o.padding[1];
  const Wp = W + o.padding[2] + o.padding[3];
  for (let py = 0; py < L.sh; py++) {
    const rows = idx;
    for (let i = 0; i < L.Hq; i++) {
      const pi = i * L.sh + py;
      i32[(rows >> 2) + i] = pi < Hp ? padIndex(pi - pt, H, o.paddingMode) : -1;
    }
    for (let px = 0; px < L.sw; px++) {
      const cols = idx + L.Hq * 4;
      const c0 = cols >> 2;
      for (let j = 0; j < L.Wq; j++) {
        const pj = j * L.sw + px;
        i32[c0 + j] = pj < Wp ? padIndex(pj - pl, W, o.paddingMode) : -1;
      }
      // Longest run of consecutive source columns: copied in bulk.
      let bestQ0 = 0, bestQ1 = 0;
      for (let j = 0; j < L.Wq;) {
        const s = i32[c0 + j] as number;
        if (s < 0) { j++; continue; }
        let e = j + 1;
        while (e < L.Wq && i32[c0 + e] === s + (e - j)) e++;
        if (e - j > bestQ1 - bestQ0) { bestQ0 = j; bestQ1 = e; }
        j = e;
      }
      const sc0 = bestQ1 > bestQ0 ? (i32[c0 + bestQ0] as number) : 0;
      rt.k.gather2d(src, C, H * W * 4, W, rows, L.Hq, cols, L.Wq, bestQ0, bestQ1, sc0,
        dst + (py * L.sw + px) * L.Hq * L.Wq * 4, L.chan * 4, fill);
    }
  }
}

/** Depth of a K block: keeps the A block (M x kc floats) within about half a MiB of cache. */
function kBlock(M: number, K: number): number {
  const kc = Math.max(64, Math.floor(131072 / roundUp(M, MR) / 8) * 8);
  return kc >= K ? K : kc;
}

/** C = A B + bias (clamped), or C += A B with `accumulate`, with K split in cache-sized blocks accumulated in C. */
export function gemm(rt: WasmRuntime, M: number, N: number, K: number, a: number, bptr: number, c: number, ldc: number, bias: number, lo: number, hi: number, accumulate = false): void {
  const kc = kBlock(M, K);
  for (let k0 = 0; k0 < K; k0 += kc) {
    const kk = Math.min(kc, K - k0);
    const last = k0 + kk >= K;
    rt.k.gemm_4x8(M, N, kk, a + k0 * MR * 4, bptr + k0 * 4, c, ldc, bias, last ? lo : -Infinity, last ? hi : Infinity, K * MR * 4, k0 > 0 || accumulate ? 1 : 0);
  }
}

/**
 * The packed weights and bias of a conv (byte addresses), packed on first use and cached per weight array:
 * depthwise as given plus the bias, otherwise 4-row GEMM panels per group plus the padded bias. With
 * `scale`, output channel c's weights are multiplied by scale[c] while packing (a folded BatchNorm; the
 * same float32 values as a folded copy of the weight would hold).
 */
export function packConv2d(rt: WasmRuntime, w: Tensor, bias: Tensor | null, G: number, scale: Float32Array | null = null): { wp: number; bp: number } {
  const [Cout, Cg, kh, kw] = w.shape as [number, number, number, number];
  const Mg = Cout / G, T = kh * kw;
  const bdata = bias?.data ?? null;
  const what = `conv2d ${shapeString(w.shape)}`;
  if (Cg === 1 && Mg === 1) {
    const src = w.data;
    const wp = rt.packedWeights(src, bdata, scale === null ? 'dw' : 'dw-scaled', Cout * T + Cout, (dst, at) => {
      if (scale === null) dst.set(src, at);
      else for (let c = 0; c < Cout; c++) for (let t = 0; t < T; t++) dst[at + c * T + t] = (src[c * T + t] as number) * (scale[c] as number);
      for (let c = 0; c < Cout; c++) dst[at + Cout * T + c] = bdata?.[c] ?? 0;
    }, what);
    return { wp, bp: wp + Cout * T * 4 };
  }
  const Kg = Cg * T;
  const aFloats = packedGemmAFloats(Mg, Kg);
  const floats = G * aFloats + G * roundUp(Mg, MR);
  const kind = scale === null ? 'gemm' : 'gemm-scaled';
  const seeded = w instanceof SeededTensor ? w.uniform : null;
  if (w instanceof SeededTensor && seeded !== null) {
    // The seeded default init drawn straight into the panels (the values packGemmA gives for w.data).
    const wp = rt.packedWeights(w, bdata, kind, floats, (_dst, at) => {
      const ptr = at * 4, Mp = roundUp(Mg, MR);
      let sp = 0;
      rt.withScratch(what, (s) => { if (scale !== null) sp = s.alloc(Mp * 4); }, () => {
        for (let g = 0; g < G; g++) {
          if (scale !== null) rt.view(sp, Mp).fill(1).set(scale.subarray(g * Mg, g * Mg + Mg));
          rt.k.uniform_pack(ptr + g * aFloats * 4, Mg, Kg, (seeded.state + Math.imul(g * Mg * Kg, 0x6d2b79f5)) | 0, seeded.bound, sp, 16, Kg * 16);
        }
      });
      packBias(bdata, G, Mg, rt.f32, at + G * aFloats);
    }, what);
    return { wp, bp: wp + G * aFloats * 4 };
  }
  const src = w.data;
  const wp = rt.packedWeights(src, bdata, kind, floats, (dst, at) => {
    for (let g = 0; g < G; g++) packGemmA(src, g * Mg, Mg, Kg, dst, at + g * aFloats, scale === null ? null : scale.subarray(g * Mg, g * Mg + Mg));
    packBias(bdata, G, Mg, dst, at + G * aFloats);
  }, what);
  return { wp, bp: wp + G * aFloats * 4 };
}

export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null, o: Conv2dOptions): Tensor {
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new Error(`conv2d expects a 4-d input and weight, got ${shapeString(x.shape)} and ${shapeString(w.shape)}`);
  }
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Cout, Cg, kh, kw] = w.shape as [number, number, number, number];
  const G = o.groups;
  if (C !== Cg * G) {
    throw new Error(`conv2d: input has ${C} channels but the weight ${shapeString(w.shape)} with groups=${G} expects ${Cg * G}`);
  }
  if (Cout % G !== 0) throw new Error(`conv2d: out_channels ${Cout} is not divisible by groups ${G}`);
  if (bias !== null && bias.data.length !== Cout) throw new Error(`conv2d: bias has ${bias.data.length} values, expected ${Cout}`);
  checkPadding(o.paddingMode, o.padding, H, W);
  const rt = runtime();
  const L = phaseLayout(H, W, kh, kw, o);
  const { Ho, Wo } = L;
  const Mg = Cout / G;
  const T = kh * kw;
  const [lo, hi] = o.clamp ?? [-Infinity, Infinity];
  const outShape = [N, Cout, Ho, Wo];
  let result: Float32Array | null = null;
  const depthwise = Cg === 1 && Mg === 1;
  const pointwise = kh === 1 && kw === 1 && o.stride[0] === 1 && o.stride[1] === 1 &&
    o.padding.every((p) => p === 0) && H * W >= 8 && (kBlock(Cout / G, Cg) >= Cg || (H * W) % 8 === 0);
  // MobileNet's depthwise 3x3 pad 1: one kernel straight from the unpadded input (no phase planes).
  const dwPad1 = depthwise && kh === 3 && kw === 3 && o.paddingMode === 'zeros' && o.padding.every((p) => p === 1) &&
    o.stride[0] === 1 && o.stride[1] === 1 && o.dilation[0] === 1 && o.dilation[1] === 1 && W >= 8 && H >= 2;
  // Their 3x3 stride 2 pad 1 downsampling: the same, even and odd columns picked by shuffles.
  const dwS2 = depthwise && kh === 3 && kw === 3 && o.paddingMode === 'zeros' && o.padding.every((p) => p === 1) &&
    o.stride[0] === 2 && o.stride[1] === 2 && o.dilation[0] === 1 && o.dilation[1] === 1 && W % 4 === 0 && Wo >= 4;
  const what = `conv2d ${shapeString(w.shape)}`;

  // Addresses first: packing may grow the memory, which detaches every view taken before.
  const xAt = rt.addressOf(x.data), outAt = rt.takeOutput(numel(outShape));
  const { wp, bp } = o.packed ?? packConv2d(rt, w, bias, G);

  const Np = (Ho - 1) * L.Wq + Wo;
  // Strips are padded to whole 8-column blocks (the planes have slack for the overrun).
  const Nc = roundUp(Math.max(Np, 8), 8);
  const Kg = Cg * T;
  // Small images (ResNet's 14x14 and 7x7 stages): strips of the plane width would compute 10-30% padding
  // columns, so the B rows are first copied contiguous (Ho*Wo columns, rounded up to the 8-column block).
  const HoWo = Ho * Wo, Nb = roundUp(HoWo, 8);
  const rowsB = !depthwise && !pointwise && Wo >= 4 && HoWo >= 8 && (Nc - Nb) / Nc > 0.05;
  // Copied B rows spread over the cache sets (a 32x32 image's rows are 4 KiB apart): 32->64 at 32x32 1.3 -> 0.8 ms.
  const ldb = spreadRows(Nb);
  // A 1x1 conv reads its B rows straight from the input planes, whose stride is the image's area: at 32x32 or 64x64
  // (4 or 16 KiB) they all fell in one cache set, and 128->128 at 32x32 ran at 1.6 times the time per pixel of
  // 28x28, 256->64 at 64x64 at twice that of 56x56. Such planes (of 32x32 and up: smaller ones stay in the cache)
  // are first copied one cache line apart.
  const planeCopy = pointwise && (H * W) % 128 === 0 && H * W >= 1024 ? H * W + 16 : 0;
  // A resident input is read where it is; a placed output is written where the executor planned it.
  let xin = xAt ?? 0, planes = 0, cbuf = 0, idx = 0, ptrs = 0, offs = 0, obuf = outAt ?? 0, zrow = 0, bbuf = 0;
  rt.withScratch(what, (s) => {
    if (xAt === null) xin = s.alloc(N * C * H * W * 4);
    if (outAt === null) obuf = s.alloc(N * Cout * Ho * Wo * 4);
    if (dwPad1) {
      zrow = s.alloc((W + 8) * 4);
    } else if (dwS2) {
      zrow = s.alloc((W + 16) * 4);
    } else if (pointwise) {
      if (planeCopy > 0) bbuf = s.alloc(C * planeCopy * 4);
    } else {
      planes = s.alloc((C * L.chan + 16) * 4);
      cbuf = s.alloc(Cout * Nc * 4);
      idx = s.alloc((L.Hq + L.Wq) * 4);
      if (rowsB) bbuf = s.alloc(Kg * ldb * 4);
    }
    ptrs = s.alloc(G * Kg * 4);
    offs = s.alloc(T * 4);
  }, () => {
    if (xAt === null) rt.f32.set(x.data, xin >> 2);
    const i32 = rt.i32;
    if (!pointwise) {
      for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) i32[(offs >> 2) + ky * kw + kx] = tapOffset(L, ky, kx, o);
    }
    if (dwPad1) rt.f32.fill(0, zrow >> 2, (zrow >> 2) + W + 8);
    if (dwS2) rt.f32.fill(0, zrow >> 2, (zrow >> 2) + W + 16);
    for (let n = 0; n < N; n++) {
      const xn = xin + n * C * H * W * 4;
      const on = obuf + n * Cout * Ho * Wo * 4;
      if (dwPad1) {
        const linear = lo === -Infinity && hi === Infinity;
        // Four output rows per pass where the image has them: each input row loaded once feeds three output rows
        // (two with two rows per pass), about 5% faster on MobileNet's 112x112.
        const k = H >= 4 ? (linear ? rt.k.dw3x3_s1p1_rows4_linear : rt.k.dw3x3_s1p1_rows4) : (linear ? rt.k.dw3x3_s1p1_rows2_linear : rt.k.dw3x3_s1p1_rows2);
        k(C, H, W, xn, wp, bp, on, zrow + 16, lo, hi);
        continue;
      }
      if (dwS2) {
        rt.k.dw3x3_s2p1(C, H, W, xn, wp, bp, on, Ho, Wo, zrow + 32, lo, hi);
        continue;
      }
      if (pointwise) {
        for (let ci = 0; ci < C; ci++) i32[(ptrs >> 2) + ci] = xn + ci * H * W * 4;
        if (planeCopy > 0) rt.k.pack_rows(C, ptrs, 1, H * W, H * W, bbuf, planeCopy);
        for (let g = 0; g < G; g++) {
          gemm(rt, Mg, H * W, Cg, wp + g * packedGemmAFloats(Mg, Cg) * 4, ptrs + g * Cg * 4,
            on + g * Mg * H * W * 4, H * W, bp + g * roundUp(Mg, MR) * 4, lo, hi);
        }
        continue;
      }
      gatherPhases(rt, xn, C, H, W, planes, L, o, idx);
      const unitStride = o.stride[0] === 1 && o.stride[1] === 1 && o.dilation[0] === 1 && o.dilation[1] === 1;
      if (depthwise && kh === 3 && kw === 3 && unitStride && Wo >= 8 && Ho >= 2) {
        rt.k.dw3x3_s1_rows2(C, Ho, Wo, L.Wq, planes, L.chan * 4, wp, bp, on, lo, hi);
        continue;
      }
      if (depthwise && T === 9 && Wo >= 8) {
        rt.k.dw3x3_rows(C, Ho, Wo, L.Wq, planes, L.chan * 4, offs, wp, bp, on, lo, hi);
        continue;
      }
      if (depthwise) {
        rt.k.dw_taps(C, Nc, T, planes, L.chan * 4, offs, wp, bp, cbuf, Nc * 4, lo, hi);
      } else {
        const i32b = rt.i32;
        for (let g = 0; g < G; g++) {
          for (let ci = 0; ci < Cg; ci++) {
            const base = planes + (g * Cg + ci) * L.chan * 4;
            for (let t = 0; t < T; t++) i32b[(ptrs >> 2) + g * Kg + ci * T + t] = base + (i32b[(offs >> 2) + t] as number);
          }
          if (rowsB) {
            // One group at a time through the same B buffer; straight into the output when no column is padding.
            rt.k.pack_rows(Kg, ptrs + g * Kg * 4, Ho, Wo, L.Wq, bbuf, ldb);
            const direct = Nb === HoWo;
            gemm(rt, Mg, Nb, Kg, wp + g * packedGemmAFloats(Mg, Kg) * 4, ptrs + g * Kg * 4,
              (direct ? on : cbuf) + g * Mg * Nb * 4, Nb, bp + g * roundUp(Mg, MR) * 4, lo, hi);
            continue;
          }
          gemm(rt, Mg, Nc, Kg, wp + g * packedGemmAFloats(Mg, Kg) * 4, ptrs + g * Kg * 4,
            cbuf + g * Mg * Nc * 4, Nc, bp + g * roundUp(Mg, MR) * 4, lo, hi);
        }
      }
      if (rowsB && Nb === HoWo) continue;
      if (rowsB) rt.k.compact(Cout, 1, HoWo, cbuf, Nb, Nb, on);
      else rt.k.compact(Cout, Ho, Wo, cbuf, Nc, L.Wq, on);
    }
    if (outAt !== null) return;
    // Not slice(): in V8 a large slice gets fresh, unpooled pages each call and its page faults cost
    // more than the convolution (0.7 ms of system time for 1.6 MB, against 0.06 ms for new + set).
    result = new Float32Array(numel(outShape));
    result.set(rt.f32.subarray(obuf >> 2, (obuf >> 2) + result.length));
  });
  return { shape: outShape, data: result ?? rt.view(obuf, numel(outShape)) };
}

/** PyTorch's padding='same': total d*(k-1), the odd pixel on the right/bottom. */
export function samePadding(k: number, d: number): [number, number] {
  const total = d * (k - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function conv1d(x: Tensor, w: Tensor, bias: Tensor | null, o: { stride: number; padding: [number, number]; dilation: number; groups: number; paddingMode: PaddingMode }): Tensor {
  if (x.shape.length !== 3 || w.shape.length !== 3) {
    throw new Error(`conv1d expects a 3-d input and weight, got ${shapeString(x.shape)} and ${shapeString(w.shape)}`);
  }
  const [N, C, Lin] = x.shape as [number, number, number];
  const [Co, Cg, k] = w.shape as [number, number, number];
  const y = conv2d({ shape: [N, C, 1, Lin], data: x.data }, { shape: [Co, Cg, 1, k], data: w.data }, bias, {
    stride: [1, o.stride], padding: [0, 0, o.padding[0], o.padding[1]], dilation: [1, o.dilation], groups: o.groups, paddingMode: o.paddingMode,
  });
  return { shape: [N, Co, y.shape[3] as number], data: y.data };
}

/** conv_transpose2d (scatter form). Weight [Cin, Cout/groups, kh, kw]. */
export function convTranspose2d(x: Tensor, w: Tensor, bias: Tensor | null, o: { stride: [number, number]; padding: [number, number]; outputPadding: [number, number]; dilation: [number, number]; groups: number }): Tensor {
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new Error(`conv_transpose2d expects a 4-d input and weight, got ${shapeString(x.shape)} and ${shapeString(w.shape)}`);
  }
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Cw, Cog, kh, kw] = w.shape as [number, number, number, number];
  const G = o.groups;
  if (Cw !== C) throw new Error(`conv_transpose2d: input has ${C} channels but the weight ${shapeString(w.shape)} expects ${Cw}`);
  const [sh, sw] = o.stride, [ph, pw] = o.padding, [oph, opw] = o.outputPadding, [dh, dw] = o.dilation;
  if (oph >= Math.max(sh, dh) || opw >= Math.max(sw, dw)) {
    throw new Error(`conv_transpose2d: output_padding (${oph}, ${opw}) must be smaller than stride or dilation`);
  }
  const Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const Wo = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  const Co = Cog * G;
  const Cg = C / G;
  const out = tensor([N, Co, Ho, Wo]);
  const y = out.data, xd = x.data, wd = w.data;
  const M = Cog * kh * kw;
  if (H * W >= 8 && (kBlock(M, Cg) >= Cg || (H * W) % 8 === 0)) {
    convTransposeGemm(x, w, bias, out, { N, C, H, W, G, Cg, Cog, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw });
    return out;
  }
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Co; co++) {
      const b = bias?.data[co] ?? 0;
      const base = (n * Co + co) * Ho * Wo;
      for (let i = 0; i < Ho * Wo; i++) y[base + i] = b;
    }
    for (let g = 0; g < G; g++) {
      for (let cil = 0; cil < Cg; cil++) {
        const ci = g * Cg + cil;
        const xb = (n * C + ci) * H * W;
        for (let col = 0; col < Cog; col++) {
          const co = g * Cog + col;
          const ob = (n * Co + co) * Ho * Wo;
          const wb = (ci * Cog + col) * kh * kw;
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const wv = wd[wb + ky * kw + kx] as number;
              for (let iy = 0; iy < H; iy++) {
                const oy = iy * sh - ph + ky * dh;
                if (oy < 0 || oy >= Ho) continue;
                const orow = ob + oy * Wo, xrow = xb + iy * W;
                for (let ix = 0; ix < W; ix++) {
                  const ox = ix * sw - pw + kx * dw;
                  if (ox < 0 || ox >= Wo) continue;
                  y[orow + ox] = (y[orow + ox] as number) + wv * (xd[xrow + ix] as number);
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

interface TransposeGeometry {
  N: number; C: number; H: number; W: number; G: number; Cg: number; Cog: number; kh: number; kw: number;
  Ho: number; Wo: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

/**
 * Transposed convolution as PyTorch's CPU path computes it: per group, a GEMM gives every (out channel, tap)
 * row for every input pixel (columns = input pixels, K = input channels), then col2im adds each tap's row into
 * the output positions it lands on. The GEMM is the wasm kernel over the input planes directly.
 */
function convTransposeGemm(x: Tensor, w: Tensor, bias: Tensor | null, out: Tensor, g: TransposeGeometry): void {
  const { N, C, H, W, G, Cg, Cog, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw } = g;
  const rt = runtime();
  const M = Cog * kh * kw, HW = H * W, T = kh * kw;
  const aFloats = packedGemmAFloats(M, Cg);
  const what = `conv_transpose2d ${shapeString(w.shape)}`;
  // The address first: packing may grow the memory, which detaches every view taken before.
  const xAt = rt.addressOf(x.data);
  // A[(co, ky, kx)][ci] = weight[ci][co][ky][kx] within the group; the bias is applied in col2im.
  const wp = rt.packedWeights(w.data, null, 'gemm-transposed', G * aFloats + roundUp(M, MR), (dst, at) => {
    const t = new Float32Array(M * Cg);
    for (let gi = 0; gi < G; gi++) {
      for (let ci = 0; ci < Cg; ci++) {
        const src = (gi * Cg + ci) * M;
        for (let m = 0; m < M; m++) t[m * Cg + ci] = w.data[src + m] as number;
      }
      packGemmA(t, 0, M, Cg, dst, at + gi * aFloats);
    }
    dst.fill(0, at + G * aFloats, at + G * aFloats + roundUp(M, MR));
  }, what);
  const zeroBias = wp + G * aFloats * 4;
  let xin = xAt ?? 0, cols = 0, ptrs = 0;
  rt.withScratch(what, (s) => {
    if (xAt === null) xin = s.alloc(N * C * HW * 4);
    cols = s.alloc(G * M * HW * 4);
    ptrs = s.alloc(C * 4);
  }, () => {
    if (xAt === null) rt.f32.set(x.data, xin >> 2);
    const y = out.data;
    for (let n = 0; n < N; n++) {
      const i32 = rt.i32;
      for (let ci = 0; ci < C; ci++) i32[(ptrs >> 2) + ci] = xin + (n * C + ci) * HW * 4;
      for (let gi = 0; gi < G; gi++) {
        gemm(rt, M, HW, Cg, wp + gi * aFloats * 4, ptrs + gi * Cg * 4, cols + gi * M * HW * 4, HW, zeroBias, -Infinity, Infinity);
      }
      const f32 = rt.f32;
      for (let co = 0; co < G * Cog; co++) {
        const ob = (n * G * Cog + co) * Ho * Wo;
        y.fill(bias?.data[co] ?? 0, ob, ob + Ho * Wo);
        const gi = Math.floor(co / Cog), col = co - gi * Cog;
        for (let t = 0; t < T; t++) {
          const ky = Math.floor(t / kw), kx = t - ky * kw;
          const row = (cols >> 2) + (gi * M + col * T + t) * HW;
          for (let iy = 0; iy < H; iy++) {
            const oy = iy * sh - ph + ky * dh;
            if (oy < 0 || oy >= Ho) continue;
            const orow = ob + oy * Wo, crow = row + iy * W;
            for (let ix = 0; ix < W; ix++) {
              const ox = ix * sw - pw + kx * dw;
              if (ox >= 0 && ox < Wo) y[orow + ox] = (y[orow + ox] as number) + (f32[crow + ix] as number);
            }
          }
        }
      }
    }
  });
}
