// The WebAssembly side of the engine: one module instance, its memory, and a two-level arena.
// Persistent allocations (packed weights, cached per layer; an executor's activation arena) sit at the
// bottom; each op's scratch sits above them and is released when the op ends. No DOM and no Node APIs:
// runs in Node and in workers.
//
// An executor keeps activations resident here: an op finds its input already in memory (`addressOf`) and
// writes its output where the executor planned it (`placeOutput` / `takeOutput`), so nothing is copied out
// to JavaScript and back between kernels.
import { relaxedKernels, relaxedProbe, simdKernels } from 'conv-lens-engine-kernels';

export interface KernelExports {
  memory: WebAssembly.Memory;
  gemm_4x8(M: number, N: number, K: number, a: number, bptr: number, c: number, ldc: number, bias: number, lo: number, hi: number, astride: number, accum: number): void;
  dw_taps(C: number, N: number, T: number, src: number, srcCS: number, offs: number, w: number, bias: number, dst: number, dstCS: number, lo: number, hi: number): void;
  dw3x3_rows(C: number, Ho: number, Wo: number, Wq: number, src: number, srcCS: number, offs: number, w: number, bias: number, dst: number, lo: number, hi: number): void;
  dw3x3_s1_rows2(C: number, Ho: number, Wo: number, Wq: number, src: number, srcCS: number, w: number, bias: number, dst: number, lo: number, hi: number): void;
  dw3x3_s1p1_rows2(C: number, H: number, W: number, src: number, w: number, bias: number, dst: number, zrow: number, lo: number, hi: number): void;
  dw3x3_s1p1_rows2_linear(C: number, H: number, W: number, src: number, w: number, bias: number, dst: number, zrow: number, lo: number, hi: number): void;
  dw3x3_s1p1_rows4(C: number, H: number, W: number, src: number, w: number, bias: number, dst: number, zrow: number, lo: number, hi: number): void;
  dw3x3_s1p1_rows4_linear(C: number, H: number, W: number, src: number, w: number, bias: number, dst: number, zrow: number, lo: number, hi: number): void;
  clamp_f32(src: number, dst: number, n: number, lo: number, hi: number): void;
  silu_f32(src: number, dst: number, n: number): void;
  gelu_f32(src: number, dst: number, n: number): void;
  sigmoid_f32(src: number, dst: number, n: number): void;
  add_f32(a: number, b: number, dst: number, n: number): void;
  sub_f32(a: number, b: number, dst: number, n: number): void;
  mul_f32(a: number, b: number, dst: number, n: number): void;
  div_f32(a: number, b: number, dst: number, n: number): void;
  add_runs_f32(a: number, b: number, dst: number, runs: number, length: number, swap: number): void;
  sub_runs_f32(a: number, b: number, dst: number, runs: number, length: number, swap: number): void;
  mul_runs_f32(a: number, b: number, dst: number, runs: number, length: number, swap: number): void;
  div_runs_f32(a: number, b: number, dst: number, runs: number, length: number, swap: number): void;
  gather2d(src: number, C: number, srcCS: number, W: number, rows: number, nr: number, cols: number, nc: number, q0: number, q1: number, sc0: number, dst: number, dstCS: number, fill: number): void;
  max_taps(C: number, N: number, T: number, src: number, srcCS: number, offs: number, dst: number, dstCS: number): void;
  pack_rows(K: number, ptrs: number, Ho: number, Wo: number, Wq: number, dst: number, ldb: number): void;
  maxpool3x3s2p1(C: number, H: number, W: number, src: number, dst: number, Ho: number, Wo: number, rowbuf: number): void;
  dw3x3_s2p1(C: number, H: number, W: number, src: number, w: number, bias: number, dst: number, Ho: number, Wo: number, zrow: number, lo: number, hi: number): void;
  stats_f32(src: number, n: number, out: number): void;
  scale_shift_runs(src: number, dst: number, runs: number, len: number, C: number, params: number): void;
  compact(M: number, Ho: number, Wo: number, src: number, ldm: number, ld: number, dst: number): void;
  pack_a4(src: number, M: number, K: number, dst: number): void;
  uniform_fill(dst: number, n: number, state: number, bound: number): void;
  uniform_pack(dst: number, M: number, K: number, state: number, bound: number, scale: number, kStride: number, pStride: number): void;
}

const PAGE = 65536;
const ALIGN = 64;
export const DEFAULT_MEMORY_LIMIT = 1024 * 1024 * 1024;

export class MemoryLimitError extends Error {}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export class Scratch {
  private top: number;
  constructor(private readonly rt: WasmRuntime, base: number) {
    this.top = base;
  }
  /** Reserves bytes and returns their address; call `rt.ready()` before touching memory. */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = alignUp(this.top + bytes);
    return p;
  }
  get end(): number {
    return this.top;
  }
}

export class WasmRuntime {
  readonly k: KernelExports;
  readonly relaxed: boolean;
  private persistentTop = ALIGN;
  private scratch: Scratch | null = null;
  private f32View: Float32Array;
  private i32View: Int32Array;
  /** Packed weights by source (its array, or a seeded parameter not drawn yet); the inner key describes the packing. */
  private packed = new WeakMap<object, Map<string, { ptr: number; bias: Float32Array | null }>>();
  /** Where the next op output goes (byte address and float count), as an executor planned it. */
  private slot: { ptr: number; floats: number } | null = null;
  /** While pinned (an executor run), persistent memory is never dropped: its arena stays valid. */
  private pins = 0;
  /** Counts the times persistent memory was dropped: arenas and packings of an older generation are gone. */
  generation = 0;
  /** Weight packings made so far (cache misses): what tests read to see that an edit re-packs only what changed. */
  packCount = 0;
  memoryLimit: number;

  constructor(options: { relaxed?: boolean; memoryLimit?: number } = {}) {
    const canRelax = WebAssembly.validate(relaxedProbe());
    this.relaxed = options.relaxed ?? canRelax;
    if (this.relaxed && !canRelax) throw new Error('this WebAssembly runtime has no relaxed SIMD');
    const mod = new WebAssembly.Module(this.relaxed ? relaxedKernels() : simdKernels());
    this.k = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.f32View = new Float32Array(this.k.memory.buffer);
    this.i32View = new Int32Array(this.k.memory.buffer);
  }

  get f32(): Float32Array {
    if (this.f32View.buffer !== this.k.memory.buffer) this.refreshViews();
    return this.f32View;
  }
  get i32(): Int32Array {
    if (this.i32View.buffer !== this.k.memory.buffer) this.refreshViews();
    return this.i32View;
  }
  private refreshViews(): void {
    this.f32View = new Float32Array(this.k.memory.buffer);
    this.i32View = new Int32Array(this.k.memory.buffer);
  }

  private ensure(bytes: number, what: string): void {
    if (bytes > this.memoryLimit || bytes > 4 * 1024 * 1024 * 1024 - PAGE) {
      throw new MemoryLimitError(
        `${what} needs ${(bytes / 2 ** 20).toFixed(1)} MiB of engine memory, over the limit of ${(this.memoryLimit / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  allocPersistent(bytes: number, what: string): number {
    if (this.scratch !== null) throw new Error('internal: persistent allocation while an op holds scratch memory');
    // Weights of models no longer in use are unreachable but still hold memory: past half the limit,
    // drop every cached packing and start over (live layers repack on their next call).
    if (this.persistentTop + bytes > this.memoryLimit / 2 && this.persistentTop > ALIGN && this.pins === 0) {
      this.packed = new WeakMap();
      this.persistentTop = ALIGN;
      this.generation++;
    }
    const p = this.persistentTop;
    this.ensure(alignUp(p + bytes), what);
    this.persistentTop = alignUp(p + bytes);
    return p;
  }

  /** Runs `body` with a scratch arena; `reserve` runs first so memory grows once, before any view is taken. */
  withScratch<T>(what: string, reserve: (s: Scratch) => void, body: () => T): T {
    if (this.scratch !== null) throw new Error('internal: nested scratch scopes');
    const s = new Scratch(this, this.persistentTop);
    reserve(s);
    this.ensure(s.end + 64, what);
    this.scratch = s;
    try {
      return body();
    } finally {
      this.scratch = null;
    }
  }

  /** Whether a scratch scope allocating `bytes` fits in the memory as it is: opening it would not grow the memory. */
  scratchFits(bytes: number): boolean {
    return alignUp(this.persistentTop + bytes) + 64 <= this.k.memory.buffer.byteLength;
  }

  /** Returns the cached packed copy of `weights` for `key`, packing it on first use. */
  packedWeights(weights: object, bias: Float32Array | null, key: string, floats: number, pack: (dst: Float32Array, at: number) => void, what: string): number {
    let byKey = this.packed.get(weights);
    if (byKey === undefined) {
      byKey = new Map();
      this.packed.set(weights, byKey);
    }
    const hit = byKey.get(key);
    if (hit !== undefined && hit.bias === bias) return hit.ptr;
    const ptr = this.allocPersistent(floats * 4, what);
    pack(this.f32, ptr >> 2);
    byKey.set(key, { ptr, bias });
    this.packCount++;
    return ptr;
  }

  /** An op holds scratch memory now (a nested scratch scope is refused). */
  get busy(): boolean {
    return this.scratch !== null;
  }

  /** Gives back the topmost persistent allocation (an arena being replaced by a larger one). */
  releasePersistent(ptr: number, bytes: number): void {
    if (alignUp(ptr + bytes) === this.persistentTop) this.persistentTop = ptr;
  }

  /** Grows the memory now to at least `bytes`, so that views taken afterwards stay valid through a run. */
  reserve(bytes: number, what: string): void {
    this.ensure(bytes, what);
  }

  /** Pins persistent memory (an executor run under way): no reset can move an arena in use until `unpin`. */
  pin(): void {
    this.pins++;
  }
  unpin(): void {
    this.pins--;
  }

  /** Byte address of `data` when it is a view of this memory (a resident activation), else null. */
  addressOf(data: Float32Array): number | null {
    return data.buffer === this.k.memory.buffer ? data.byteOffset : null;
  }

  /** Asks the next op to write its output of `floats` values at `ptr`; null clears the request. */
  placeOutput(ptr: number | null, floats = 0): void {
    this.slot = ptr === null ? null : { ptr, floats };
  }

  /**
   * The planned address for an op output of `floats` values, if the executor placed one of that size; taking
   * it clears it, so an op calling other ops hands the place to the first output of the right size only.
   */
  takeOutput(floats: number): number | null {
    const s = this.slot;
    if (s === null || s.floats !== floats) return null;
    this.slot = null;
    return s.ptr;
  }

  /** A view of `floats` values at byte address `ptr` (valid until the memory grows). */
  view(ptr: number, floats: number): Float32Array {
    return this.f32.subarray(ptr >> 2, (ptr >> 2) + floats);
  }

  /** Bytes of engine memory in use by cached weights. */
  get persistentBytes(): number {
    return this.persistentTop;
  }
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }
}

let shared: WasmRuntime | null = null;

/** The process-wide runtime (one per worker). */
export function runtime(): WasmRuntime {
  shared ??= new WasmRuntime();
  return shared;
}

/** Drops the shared runtime and its cached packed weights. */
export function resetRuntime(options: { relaxed?: boolean; memoryLimit?: number } = {}): WasmRuntime {
  shared = new WasmRuntime(options);
  return shared;
}
