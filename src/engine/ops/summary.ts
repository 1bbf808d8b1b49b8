// Min, max, sum and count of zeros of a layer's output: the statistics the preview shows beside every layer's
// maps, taken after every run for every layer. One wasm pass when the output is resident in the engine's memory
// (ResNet-18's stem outputs: about 2 ms each as a JavaScript loop, whose zero test mispredicts on ReLU outputs);
// otherwise the same arithmetic in JavaScript, so both paths give the same bits.
import { runtime } from '../runtime';

export interface ValueSummary {
  min: number;
  max: number;
  sum: number;
  zeros: number;
}

/** The summary of data[0 .. count): min and max ignore NaN (Infinity / -Infinity when there is no number), the sum does not. */
export function summarize(data: Float32Array, count = data.length): ValueSummary {
  const n = Math.max(0, Math.min(count, data.length));
  const rt = runtime();
  const at = rt.addressOf(data);
  if (at === null || n < 64 || rt.busy) return summarizeInJs(data, n);
  let out = 0;
  return rt.withScratch('statistics', (s) => { out = s.alloc(24); }, () => {
    rt.k.stats_f32(at, n, out);
    const f64 = new Float64Array(rt.k.memory.buffer, out, 1);
    const f32 = new Float32Array(rt.k.memory.buffer, out + 8, 2);
    const zeros = new Int32Array(rt.k.memory.buffer, out + 16, 1);
    return { sum: f64[0] as number, min: f32[0] as number, max: f32[1] as number, zeros: zeros[0] as number };
  });
}

/** The wasm kernel's order of operations: four lane minima, maxima and sums, combined as it combines them, then the tail. */
function summarizeInJs(d: Float32Array, n: number): ValueSummary {
  const mn = [Infinity, Infinity, Infinity, Infinity], mx = [-Infinity, -Infinity, -Infinity, -Infinity];
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, zeros = 0;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    for (let k = 0; k < 4; k++) {
      const v = d[i + k] as number;
      if (v < (mn[k] as number)) mn[k] = v;
      if (v > (mx[k] as number)) mx[k] = v;
      if (v === 0) zeros++;
    }
    s0 += d[i] as number;
    s1 += d[i + 1] as number;
    s2 += d[i + 2] as number;
    s3 += d[i + 3] as number;
  }
  let min = Infinity, max = -Infinity;
  for (let k = 0; k < 4; k++) {
    if ((mn[k] as number) < min) min = mn[k] as number;
    if ((mx[k] as number) > max) max = mx[k] as number;
  }
  let sum = (s0 + s1) + (s2 + s3);
  for (let i = n4; i < n; i++) {
    const v = d[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  return { min, max, sum, zeros };
}
