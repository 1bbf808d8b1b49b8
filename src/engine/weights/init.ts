// PyTorch's default initialisation, seeded: kaiming_uniform(a=sqrt(5)) weights (bound 1/sqrt(fan_in)),
// bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), norm weight 1 / bias 0, running mean 0 / var 1.
// The stream of each parameter depends only on the seed and its qualified name, so adding a layer
// does not change the values of the others.
import type { Init } from '../layers';
import { numel } from '../tensor';

function hashString(s: string, seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return Math.imul(h ^ (h >>> 16), 0xc2b2ae35) >>> 0;
}

/** mulberry32: small, fast, good enough for weight init and test patterns; uniforms in [0, 1) from a 32-bit state. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The uniforms of one named stream under a seed. */
export function rng(seed: number, stream = ''): () => number {
  return mulberry32(hashString(stream, seed >>> 0));
}

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
  // kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
  const bound = init.kind === 'uniform' ? init.bound : init.fanIn > 0 ? 1 / Math.sqrt(init.fanIn) : 0;
  const r = rng(seed, qualifiedName);
  for (let i = 0; i < out.length; i++) out[i] = (2 * r() - 1) * bound;
  return out;
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
