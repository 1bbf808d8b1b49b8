// Matrix products on the GEMM kernel (gemm_4x8): Linear-style products with a weight packed once and cached
// (recurrent input projections, attention projections), products of two activations (attention scores,
// torch.matmul/bmm) packed per call, and einsum by reduction to them where it can, plain loops where not.
import { gemm } from './conv';
import { runtime, type WasmRuntime } from '../runtime';
import { packGemmA, packedGemmAFloats, roundUp, spreadRows, MR } from '../packing';
import { at, shapeString, tensor, type Tensor } from '../tensor';
import { SeededTensor } from '../weights/init';

/** Columns of B and C padded to the kernel's 8-wide block, so every block is whole (and K blocks can accumulate). */
const NR = 8;

/**
 * C[M, N] = A[M, K] · B[K, N] (+ rowBias[m]) with B given row-major (bT false) or as its transpose [N, K] (bT true).
 * `cacheA`: A is a weight (packed once, kept with the runtime's packed weights); otherwise it is packed in scratch.
 */
export function gemmMatrix(a: Float32Array, M: number, K: number, b: Float32Array, N: number, bT: boolean, rowBias: Float32Array | null, cacheA: boolean, what: string): Float32Array {
  const out = new Float32Array(M * N);
  if (M === 0 || N === 0) return out;
  if (K === 0) {
    if (rowBias !== null) for (let m = 0; m < M; m++) out.fill(at(rowBias, m), m * N, (m + 1) * N);
    return out;
  }
  const rt = runtime();
  // The address first: packing and the scratch may grow the memory, which detaches a view of a resident B.
  const bAt = rt.addressOf(b), bLength = b.length;
  const Np = roundUp(N, NR);
  const aFloats = packedGemmAFloats(M, K);
  const Mp = roundUp(M, MR);
  let ap = 0, bp = 0, ptrs = 0, cp = 0, biasp = 0;
  if (cacheA) {
    ap = rt.packedWeights(a, rowBias, 'matmul', aFloats + Mp, (dst, o) => {
      packGemmA(a, 0, M, K, dst, o);
      for (let m = 0; m < Mp; m++) dst[o + aFloats + m] = rowBias !== null && m < M ? at(rowBias, m) : 0;
    }, what);
    biasp = ap + aFloats * 4;
  }
  rt.withScratch(what, (s) => {
    if (!cacheA) {
      ap = s.alloc(aFloats * 4);
      biasp = s.alloc(Mp * 4);
    }
    bp = s.alloc(K * Np * 4);
    ptrs = s.alloc(K * 4);
    cp = s.alloc(M * Np * 4);
  }, () => {
    const f32 = rt.f32, i32 = rt.i32;
    b = bAt === null ? b : rt.view(bAt, bLength);
    if (!cacheA) {
      packGemmA(a, 0, M, K, f32, ap >> 2);
      for (let m = 0; m < Mp; m++) f32[(biasp >> 2) + m] = rowBias !== null && m < M ? at(rowBias, m) : 0;
    }
    const b0 = bp >> 2;
    if (bT) {
      for (let k = 0; k < K; k++) {
        const row = b0 + k * Np;
        for (let n = 0; n < N; n++) f32[row + n] = at(b, n * K + k);
        f32.fill(0, row + N, row + Np);
      }
    } else if (Np === N) {
      f32.set(b.subarray(0, K * N), b0);
    } else {
      for (let k = 0; k < K; k++) {
        f32.set(b.subarray(k * N, (k + 1) * N), b0 + k * Np);
        f32.fill(0, b0 + k * Np + N, b0 + (k + 1) * Np);
      }
    }
    for (let k = 0; k < K; k++) i32[(ptrs >> 2) + k] = bp + k * Np * 4;
    gemm(rt, M, Np, K, ap, ptrs, cp, Np, biasp, -Infinity, Infinity);
    const c0 = cp >> 2;
    if (Np === N) out.set(f32.subarray(c0, c0 + M * N));
    else for (let m = 0; m < M; m++) out.set(f32.subarray(c0 + m * Np, c0 + m * Np + N), m * N);
  });
  return out;
}

/**
 * y[r, o] = sum_i x[r, i] w[o, i] + bias[o] for `rows` rows of x, as one GEMM whose A is x itself (packed per call)
 * and whose B is the weight transposed, [I, O] padded to the kernel's 8 columns (cached with the packed weights).
 * C starts as the bias in every row and the product is accumulated onto it: y comes out row-major, as linear
 * returns it, with no transposition on the way in or out (ConvNeXt's 96 -> 384 at 56x56: about 40 ms that way).
 */
export function linearRows(x: Float32Array, rows: number, w: Tensor, bias: Float32Array | null): Float32Array {
  const [O, I] = w.shape as [number, number];
  if (rows === 0 || O === 0 || I === 0) {
    const y = new Float32Array(rows * O);
    if (bias !== null) for (let r = 0; r < rows; r++) y.set(bias.subarray(0, O), r * O);
    return y;
  }
  const rt = runtime();
  const what = `linear ${shapeString(w.shape)}`;
  const Op = roundUp(O, NR);
  // Where the executor planned this output, when it did (and the 8-column padding needs no room): C is written there.
  const placed = Op === O ? rt.takeOutput(rows * O) : null;
  const out = placed === null ? new Float32Array(rows * O) : null;
  // The address first: packing and the scratch may grow the memory, which detaches a view of a resident x.
  const xAt = rt.addressOf(x), xLength = x.length;
  // B's rows spread over the cache sets, as conv's copied rows are.
  const ldb = spreadRows(Op);
  const bp = packLinearT(rt, w, ldb, what);
  let ap = 0, ptrs = 0, cp = 0, xp = xAt ?? 0;
  rt.withScratch(what, (s) => {
    ap = s.alloc(packedGemmAFloats(rows, I) * 4);
    ptrs = s.alloc(I * 4);
    cp = placed ?? s.alloc(rows * Op * 4);
    if (xAt === null) xp = s.alloc(xLength * 4);
  }, () => {
    const f32 = rt.f32, i32 = rt.i32;
    if (xAt === null) f32.set(x, xp >> 2);
    // Whole panels in wasm, the last rows (fewer than 4) as packGemmA pads them.
    const whole = rows - (rows % MR);
    rt.k.pack_a4(xp, whole, I, ap);
    if (whole < rows) packGemmA(rt.view(xp, xLength), whole, rows - whole, I, f32, (ap >> 2) + whole * I);
    for (let i = 0; i < I; i++) i32[(ptrs >> 2) + i] = bp + i * ldb * 4;
    const c0 = cp >> 2;
    if (bias === null) f32.fill(0, c0, c0 + rows * Op);
    else {
      const row = new Float32Array(Op);
      row.set(bias.subarray(0, O));
      for (let r = 0; r < rows; r++) f32.set(row, c0 + r * Op);
    }
    // Rows in chunks whose packed A stays within about half a MiB of cache: the kernel reads A once per 8 output
    // columns (3136 rows of 384 at once went through memory 12 times: 20 GFLOP/s against 36).
    const chunk = Math.max(MR, Math.floor(131072 / I / MR) * MR);
    for (let m0 = 0; m0 < rows; m0 += chunk) {
      gemm(rt, Math.min(chunk, rows - m0), Op, I, ap + m0 * I * 4, ptrs, cp + m0 * Op * 4, Op, 0, -Infinity, Infinity, true);
    }
    if (out === null) return;
    if (Op === O) out.set(f32.subarray(c0, c0 + rows * O));
    else for (let r = 0; r < rows; r++) out.set(f32.subarray(c0 + r * Op, c0 + r * Op + O), r * O);
  });
  return out ?? rt.view(placed as number, rows * O);
}

/**
 * A Linear's weight [O, I] transposed to the GEMM's B: I rows `ldb` floats apart, zeros past O; cached with the
 * packed weights. A seeded weight is drawn straight into it.
 */
function packLinearT(rt: WasmRuntime, w: Tensor, ldb: number, what: string): number {
  const [O, I] = w.shape as [number, number];
  const seeded = w instanceof SeededTensor ? w.uniform : null;
  if (seeded !== null) {
    return rt.packedWeights(w, null, 'linear-t', I * ldb, (dst, o) => {
      // Four outputs per vector: the kernel writes columns up to O rounded to 4, zeros past O.
      for (let i = 0; i < I; i++) dst.fill(0, o + i * ldb + roundUp(O, MR), o + (i + 1) * ldb);
      rt.k.uniform_pack(o * 4, O, I, seeded.state, seeded.bound, 0, ldb * 4, MR * 4);
    }, what);
  }
  const wd = w.data;
  return rt.packedWeights(wd, null, 'linear-t', I * ldb, (dst, o) => {
    for (let i = 0; i < I; i++) {
      const row = o + i * ldb;
      for (let c = 0; c < O; c++) dst[row + c] = at(wd, c * I + i);
      dst.fill(0, row + O, row + ldb);
    }
  }, what);
}

/** linear() through the GEMM kernel: x [..., I] -> [..., O]. */
export function linearGemm(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  if (w.shape.length !== 2) throw new Error(`linear expects a 2-d weight, got ${shapeString(w.shape)}`);
  const I = w.shape[1] as number;
  const last = x.shape[x.shape.length - 1];
  if (last !== I) throw new Error(`linear: input ${shapeString(x.shape)} has ${last ?? 0} features in its last dimension, the weight ${shapeString(w.shape)} expects ${I}`);
  const rows = I === 0 ? 0 : x.data.length / I;
  return { shape: [...x.shape.slice(0, -1), w.shape[0] as number], data: linearRows(x.data, rows, w, bias?.data ?? null) };
}

/** One [M, K] x [K, N] product of activations (B transposed when bT: [N, K]). */
export function mm(a: Float32Array, M: number, K: number, b: Float32Array, N: number, bT: boolean): Float32Array {
  return gemmMatrix(a, M, K, b, N, bT, null, false, `matmul [${M}, ${K}] x [${K}, ${N}]`);
}

/** torch.matmul (and @, mm, bmm): 1-d operands promoted and squeezed, batch dimensions broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length === 0 || b.shape.length === 0) throw new Error('matmul: both arguments need at least 1 dimension');
  const a2 = a.shape.length === 1 ? [1, a.shape[0] as number] : [...a.shape];
  const b2 = b.shape.length === 1 ? [b.shape[0] as number, 1] : [...b.shape];
  const M = a2[a2.length - 2] as number, K = a2[a2.length - 1] as number;
  const K2 = b2[b2.length -2] as number, N = b2[b2.length - 1] as number;
  if (K !== K2) throw new Error(`matmul: ${shapeString(a.shape)} and ${shapeString(b.shape)} cannot be multiplied (${K} vs ${K2})`);
  const ba = a2.slice(0, -2), bb = b2.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = ba[ba.length - r + i] ?? 1, y = bb[bb.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`matmul: batch dimensions of ${shapeString(a.shape)} and ${shapeString(b.shape)} do not broadcast`);
    batch.push(x === 1 ? y : x);
  }
  const count = batch.reduce((p, q) => p * q, 1);
  const out = new Float32Array(count * M * N);
  const offset = (dims: number[], idx: number[], size: number): number => {
    let o = 0;
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i] as number;
      o = o * d + (d === 1 ? 0 : (idx[r - dims.length + i] as number));
    }
    return o * size;
  };
  const idx = new Array<number>(r).fill(0);
  for (let t = 0; t < count; t++) {
    let q = t;
    for (let i = r - 1; i >= 0; i--) {
      idx[i] = q % (batch[i] as number);
      q = Math.floor(q / (batch[i] as number));
    }
    const ao = offset(ba, idx, M * K), bo = offset(bb, idx, K * N);
    out.set(mm(a.data.subarray(ao, ao + M * K), M, K, b.data.subarray(bo, bo + K * N), N, false), t * M * N);
  }
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  return tensor(shape, out);
}

/**
 * torch.einsum over explicit or implicit ('ij,jk') equations, without ellipsis: the sum of products over every
 * letter that leaves the output, in float64 per output value then stored as float32.
 */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) throw new Error('einsum with an ellipsis (...) is not supported by the engine');
  const [lhs, rhsGiven] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== operands.length) throw new Error(`einsum: the equation has ${terms.length} operands, ${operands.length} were given`);
  const size = new Map<string, number>();
  terms.forEach((t, i) => {
    const op = operands[i] as Tensor;
    if (t.length !== op.shape.length) throw new Error(`einsum: operand ${i} has ${op.shape.length} dimensions but '${t}' names ${t.length}`);
    [...t].forEach((ch, j) => {
      const d = op.shape[j] as number;
      const known = size.get(ch);
      if (known !== undefined && known !== d && known !== 1 && d !== 1) throw new Error(`einsum: '${ch}' is ${known} in one operand and ${d} in another`);
      size.set(ch, known === undefined || known === 1 ? d : known);
    });
  });
  const counts = new Map<string, number>();
  for (const ch of terms.join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const rhs = rhsGiven ?? [...counts.keys()].filter((ch) => counts.get(ch) === 1).sort().join('');
  const summed = [...size.keys()].filter((ch) => !rhs.includes(ch));
  const letters = [...rhs, ...summed];
  const dims = letters.map((ch) => size.get(ch) as number);
  // Per operand: the stride of each letter of `letters` (0 where it does not occur or broadcasts).
  const strides = terms.map((t, i) => {
    const shape = (operands[i] as Tensor).shape;
    const own = new Array<number>(t.length);
    let s = 1;
    for (let j = t.length - 1; j >= 0; j--) {
      own[j] = (shape[j] as number) === 1 ? 0 : s;
      s *= shape[j] as number;
    }
    return letters.map((ch) => {
      let total = 0;
      [...t].forEach((c, j) => { if (c === ch) total += own[j] as number; });
      return total;
    });
  });
  const outShape = dims.slice(0, rhs.length);
  const nOut = outShape.reduce((p, q) => p * q, 1);
  const nSum = dims.slice(rhs.length).reduce((p, q) => p * q, 1);
  const out = new Float32Array(nOut);
  const idx = new Array<number>(letters.length).fill(0);
  for (let o = 0; o < nOut; o++) {
    let q = o;
    for (let j = rhs.length - 1; j >= 0; j--) {
      idx[j] = q % (dims[j] as number);
      q = Math.floor(q / (dims[j] as number));
    }
    let acc = 0;
    for (let s = 0; s < nSum; s++) {
      let r = s;
      for (let j = letters.length - 1; j >= rhs.length; j--) {
        idx[j] = r % (dims[j] as number);
        r = Math.floor(r / (dims[j] as number));
      }
      let p = 1;
      for (let i = 0; i < operands.length; i++) {
        const st = strides[i] as number[];
        let off = 0;
        for (let j = 0; j < letters.length; j++) off += (idx[j] as number) * (st[j] as number);
        p *= at((operands[i] as Tensor).data, off);
      }
      acc += p;
    }
    out[o] = acc;
  }
  return tensor(outShape, out);
}
