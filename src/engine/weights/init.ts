// PyTorch's default initialisation, seeded: kaiming_uniform(a=sqrt(5)) weights (bound 1/sqrt(fan_in)),
// bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), norm weight 1 / bias 0, running mean 0 / var 1.
// The stream of each parameter depends only on the seed and its qualified name, so adding a layer
// does not change the values of the others.
import type { Init } from '../layers';
import { runtime } from '../runtime';
import { numel, type Tensor } from '../tensor';
import { hashString, mulberry32Bits, rng } from './random';

export { mulberry32, rng } from './random';

export function initParameter(shape: readonly number[], init: Init, seed: number, qualifiedName: string): Float32Array {
  const out = new Float32Array(numel(shape));
  if (init.kind === 'constant') return out.fill(init.value);
  if (init.kind === 'unknown') throw new Error(`${qualifiedName} is an nn.Parameter whose initial values the analysis does not know: load weights to run it`);
  if (init.kind === 'normal') {
    if (init.std === undefined && init.truncated !== true) return randn(out.length, seed, qualifiedName);
    const r = rng(seed, qualifiedName);
    const std = init.std ?? 1;
    for (let i = 0; i < out.length; i++) {
      let v: number;
      // Box-Muller, redrawn while outside [-2, 2] when truncated (at most a few draws: 95% land inside).
      do v = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      while (init.truncated === true && Math.abs(v) > 2);
      out[i] = v * std;
    }
    return out;
  }
  fillUniform(out, streamState(seed, qualifiedName), uniformBound(init));
  return out;
}

/** kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in). */
function uniformBound(init: Extract<Init, { kind: 'uniform' | 'kaiming_uniform' }>): number {
  return init.kind === 'uniform' ? init.bound : init.fanIn > 0 ? 1 / Math.sqrt(init.fanIn) : 0;
}

/** The generator state of a parameter's stream. */
function streamState(seed: number, qualifiedName: string): number {
  return hashString(qualifiedName, seed >>> 0);
}

/**
 * A parameter of the seeded default init whose values are drawn when first read. Packing draws a uniform
 * one straight into its packed layout instead (ops/conv.ts), so a model opened without weights never holds
 * its conv weights twice.
 */
export class SeededTensor implements Tensor {
  private values: Float32Array | null = null;
  constructor(readonly shape: readonly number[], readonly init: Init, readonly seed: number, readonly name: string) {}

  get data(): Float32Array {
    this.values ??= initParameter(this.shape, this.init, this.seed, this.name);
    return this.values;
  }

  /** Whether the values were drawn as a JavaScript array (a packed conv weight need not be). */
  get drawn(): boolean {
    return this.values !== null;
  }

  /** The stream state and bound of a uniform parameter (value i is draw i + 1 from the state), else null. */
  get uniform(): { state: number; bound: number } | null {
    const init = this.init;
    if (init.kind !== 'uniform' && init.kind !== 'kaiming_uniform') return null;
    return { state: streamState(this.seed, this.name), bound: uniformBound(init) };
  }
}

/** Draws per wasm call: the scratch stays small (256 KiB) whatever the parameter's size. */
const CHUNK = 65536;

/**
 * The uniform in [-bound, bound) of a 32-bit draw u: its top 23 bits as a signed integer, (u - 2^31) >> 9, times
 * float32(bound * 2^-22), in float32 (the integer converts exactly; the product is rounded once, as the wasm
 * kernels' f32x4.mul rounds it). All single precision, so the kernels draw four at a time without widening to
 * double: ResNet-18's 11.7 M weights in about 7 ms.
 */
function uniformValue(u: number, step: number): number {
  return Math.fround(((u ^ 0x80000000) >> 9) * step);
}

/** The float32 step of uniformValue for a bound. */
function uniformStep(bound: number): number {
  return Math.fround(bound * 2 ** -22);
}

/**
 * out[i] = uniformValue(u_i) for the draws u_i of mulberry32 from `state`, bit for bit the JavaScript loop's
 * (test/executor.test.ts compares them). mulberry32 is counter based, so the wasm kernel draws four at a time
 * and a chunk starting at draw i starts from state + i * 0x6d2b79f5.
 */
function fillUniform(out: Float32Array, state: number, bound: number): void {
  const rt = runtime();
  // Never by growing the engine's memory: a layer draws its parameters when its forward first reads them, and a
  // grown memory would empty the views of its resident inputs it already holds (VGG's last Linear read none).
  const scratch = Math.min(CHUNK, out.length + 3) * 4 + 16;
  if (out.length < 64 || rt.busy || !rt.scratchFits(scratch)) {
    const bits = mulberry32Bits(state), step = uniformStep(bound);
    for (let i = 0; i < out.length; i++) out[i] = uniformValue(bits(), step);
    return;
  }
  let p = 0;
  rt.withScratch('the default init', (s) => { p = s.alloc(scratch); }, () => {
    for (let i = 0; i < out.length; i += CHUNK) {
      const m = Math.min(CHUNK, out.length - i);
      rt.k.uniform_fill(p, m, (state + Math.imul(i, 0x6d2b79f5)) | 0, bound);
      out.set(rt.view(p, m), i);
    }
  });
}

/** Standard normal values from the same seeded stream (Box-Muller), for random inputs. */
export function randn(n: number, seed: number, stream = 'input'): Float32Array {
  const r = rng(seed, stream);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r(), v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}
