// Every engine operator against PyTorch 1.13 goldens (test/goldens/engine/generate.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSafetensors } from '../src/engine/weights/safetensors';
import { layerDef } from '../src/engine/layers';
import { functionalOp } from '../src/engine/functional';
import { resetRuntime, runtime } from '../src/engine/runtime';
import { restOf, type Tensor } from '../src/engine/tensor';
import { summarize } from '../src/engine/ops/summary';
import { batchNorm } from '../src/engine/ops/norm';
import { permute } from '../src/engine/ops/shape';
import { erf, gelu } from '../src/engine/ops/activation';
import { linear } from '../src/engine/ops/linear';
import { linearGemm } from '../src/engine/ops/matmul';

const OPS = resolve(__dirname, '../../test/goldens/engine/ops');

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= m)) m = d;
  }
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function runCase(file: string): { err: number; tol: number; shape: readonly number[]; expected: readonly number[] } {
  const st = readSafetensors(readFileSync(join(OPS, file)), file);
  const meta = st.metadata;
  // Forward arguments (need_weights, output_size) reach a layer beside its constructor's, as runGraph passes them.
  const args = { ...JSON.parse(meta['args'] ?? '{}'), ...JSON.parse(meta['forward'] ?? '{}') } as Record<string, unknown>;
  const expected = st.tensors.get('output');
  assert.ok(expected, `${file} has no output`);
  let y: Tensor;
  if (meta['kind'] === 'module') {
    const input = st.tensors.get('input');
    assert.ok(input, `${file} has no input`);
    const inputs = [input];
    for (let j = 1; st.tensors.has(`input.${j}`); j++) inputs.push(st.tensors.get(`input.${j}`) as Tensor);
    y = layerDef(meta['type'] ?? '').forward(inputs, args, (n) => st.tensors.get(n) ?? null);
    // The other tensors of a tuple output (h_n, c_n, attention weights): every one torch returned, none it did not.
    const rest = restOf(y);
    let err = 0, tol = 0;
    rest.forEach((t, k) => {
      const want = st.tensors.get(`output.${k + 1}`) ?? null;
      assert.equal(t === null, want === null, `${file}: output ${k + 1} is ${t === null ? 'None' : 'a tensor'} here`);
      if (t === null || want === null) return;
      assert.deepEqual([...t.shape], [...want.shape], `${file}: shape of output ${k + 1}`);
      err = Math.max(err, maxAbsDiff(t.data, want.data) / Math.max(1, maxAbs(want.data)));
      tol = 1e-4;
    });
    assert.equal([...st.tensors.keys()].filter((k) => k.startsWith('output.')).length, rest.filter((t) => t !== null).length, `${file}: number of tuple outputs`);
    assert.ok(err <= tol, `${file}: tuple outputs differ by ${err} (relative)`);
  } else {
    const inputs: Tensor[] = [];
    for (let j = 0; st.tensors.has(`input.${j}`); j++) inputs.push(st.tensors.get(`input.${j}`) as Tensor);
    y = functionalOp(meta['op'] ?? '')(inputs, args);
  }
  assert.deepEqual([...y.shape], [...expected.shape], `${file}: shape`);
  return { err: maxAbsDiff(y.data, expected.data), tol: 1e-4 * Math.max(1, maxAbs(expected.data)), shape: y.shape, expected: expected.shape };
}

const files = readdirSync(OPS).filter((f) => f.endsWith('.safetensors')).sort();

test('the op goldens are present', () => {
  assert.ok(files.length >= 100, `expected the generated goldens in ${OPS}, found ${files.length}`);
});

for (const relaxed of [false, true]) {
  const canRelax = WebAssembly.validate(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0])) && (() => {
    try { resetRuntime({ relaxed: true }); return true; } catch { return false; }
  })();
  if (relaxed && !canRelax) continue;
  for (const f of files) {
    test(`${f.replace('.safetensors', '')} matches PyTorch${relaxed ? ' (relaxed-SIMD FMA kernels)' : ''}`, () => {
      if (runtime().relaxed !== relaxed) resetRuntime({ relaxed });
      const { err, tol } = runCase(f);
      assert.ok(err <= tol, `max |ours - torch| = ${err} > ${tol}`);
    });
  }
}

test('a layer packs its weights once and reuses them on the next call', () => {
  resetRuntime({ relaxed: false });
  const st = readSafetensors(readFileSync(join(OPS, 'conv2d_groups2.safetensors')));
  const args = JSON.parse(st.metadata['args'] ?? '{}') as Record<string, unknown>;
  const input = st.tensors.get('input') as Tensor;
  const run = (): Tensor => layerDef('Conv2d').forward([input], args, (n) => st.tensors.get(n) ?? null);
  const first = run();
  const before = runtime().persistentBytes;
  const second = run();
  assert.equal(runtime().persistentBytes, before);
  assert.deepEqual(second.data, first.data);
});

test('the statistics of an output resident in the engine memory are the same bits as taken in JavaScript', () => {
  const rt = runtime();
  // Every length class of the four-lane loop and its tail, with zeros of both signs, NaN and infinities mixed in.
  for (const n of [64, 65, 66, 67, 1000, 1001, 4099]) {
    const js = new Float32Array(n);
    for (let i = 0; i < n; i++) js[i] = i % 5 === 0 ? 0 : i % 11 === 0 ? -0 : Math.sin(i * 12.9898) * 43758.5453 % 3;
    const at = rt.allocPersistent(n * 4, 'test');
    const resident = rt.view(at, n);
    resident.set(js);
    assert.deepEqual(summarize(resident), summarize(js), `n = ${n}`);
    const s = summarize(js);
    assert.equal(s.zeros, js.filter((v) => v === 0).length);
    assert.equal(s.min, Math.min(...js));
    assert.equal(s.max, Math.max(...js));
    assert.ok(Math.abs(s.sum - js.reduce((a, v) => a + v, 0)) < 1e-9 * n, `sum, n = ${n}`);
    resident[n - 1] = NaN;
    resident[1] = -Infinity;
    const odd = summarize(resident);
    assert.ok(Number.isNaN(odd.sum) && odd.min === -Infinity, 'a NaN makes the sum NaN; min and max skip it');
    assert.deepEqual(odd, summarize(Float32Array.from(resident)), `with NaN, n = ${n}`);
  }
});

test('BatchNorm on outputs resident in the engine memory gives the same bits as in JavaScript', () => {
  const rt = runtime();
  for (const [N, C, H, W] of [[1, 5, 7, 9], [2, 3, 4, 4], [1, 64, 3, 1]] as const) {
    const n = N * C * H * W;
    const x = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * 3);
    const p = (k: number): Tensor => ({ shape: [C], data: new Float32Array(C).map((_, c) => Math.cos(c * k) + (k === 2 ? 1.5 : 0)) });
    const [mean, variance, weight, bias] = [p(1), p(2), p(3), p(4)];
    const js = batchNorm({ shape: [N, C, H, W], data: x }, mean, variance, weight, bias, 1e-5);
    const xAt = rt.allocPersistent(n * 4, 'test'), outAt = rt.allocPersistent(n * 4, 'test');
    rt.view(xAt, n).set(x);
    rt.placeOutput(outAt, n);
    const resident = batchNorm({ shape: [N, C, H, W], data: rt.view(xAt, n) }, mean, variance, weight, bias, 1e-5);
    rt.placeOutput(null);
    assert.equal(rt.addressOf(resident.data), outAt, 'written where it was placed');
    assert.deepEqual([...resident.data], [...js.data], `[${N}, ${C}, ${H}, ${W}]`);
  }
});

test('permute: the tiled transposes of merged dimensions (NCHW <-> NHWC) move every element where the index arithmetic puts it', () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 96, 56, 56], [0, 2, 3, 1]], [[1, 56, 56, 96], [0, 3, 1, 2]], [[2, 5, 33, 7], [0, 2, 3, 1]], [[3, 70], [1, 0]],
    [[2, 3, 4, 5], [0, 1, 3, 2]], [[2, 3, 4, 5], [3, 2, 1, 0]], [[4, 1, 5], [2, 1, 0]], [[1, 1, 6], [2, 0, 1]], [[2, 33, 31], [0, 2, 1]],
  ];
  for (const [shape, perm] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x: Tensor = { shape, data: Float32Array.from({ length: n }, (_, i) => i) };
    const y = permute(x, perm);
    const outShape = perm.map((d) => shape[d] as number);
    assert.deepEqual(y.shape, outShape);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    for (let o = 0; o < n; o++) {
      let rest = o, src = 0;
      for (let k = outShape.length - 1; k >= 0; k--) {
        const d = outShape[k] as number;
        src += (rest % d) * (strides[perm[k] as number] as number);
        rest = Math.floor(rest / d);
      }
      if (y.data[o] !== src) assert.fail(`permute ${JSON.stringify(shape)} by ${JSON.stringify(perm)}: element ${o} is ${y.data[o]}, expected ${src}`);
    }
  }
});

test('GELU in wasm (float32, four lanes) stays within 2e-7 of the double-precision formula, and keeps NaN, inf and the sign of zero', () => {
  const xs: number[] = [0, -0, Infinity, NaN, 1e-30, -1e-30, 88, -88, 20, -20, 5.5, -5.5];
  for (let i = 0; i < 20000; i++) xs.push(-12 + (24 * i) / 20000);
  const x = Float32Array.from(xs);
  const y = gelu({ shape: [x.length], data: x }).data;
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    const want = Math.fround(0.5 * v * (1 + erf(v / Math.SQRT2)));
    const got = y[i] as number;
    if (Number.isNaN(want)) { assert.ok(Number.isNaN(got), `gelu(${v}) = ${got}, expected NaN`); continue; }
    if (v === 0) { assert.ok(Object.is(got, v), `gelu(${Object.is(v, -0) ? '-0' : '0'}) = ${got}`); continue; }
    if (!Number.isFinite(want)) { assert.equal(got, want, `gelu(${v})`); continue; }
    worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
  }
  assert.ok(worst < 2e-7, `max error ${worst}`);
});

test('linear on the GEMM (x as packed A, the transposed weight as B, bias accumulated onto) agrees with the plain loop at every size class', () => {
  let seed = 7;
  const rand = (): number => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 32 - 0.5; };
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, rand);
  // Rows that are and are not whole panels of 4, outputs that do and do not fill 8 columns (64: padded B rows), inputs not a multiple of 4.
  for (const [rows, I, O, bias] of [[1, 512, 1000, true], [3136, 96, 384, false], [7, 13, 64, true], [50, 768, 5, true], [4, 1, 8, false]] as const) {
    const x: Tensor = { shape: [rows, I], data: fill(rows * I) };
    const w: Tensor = { shape: [O, I], data: fill(O * I) };
    const b: Tensor | null = bias ? { shape: [O], data: fill(O) } : null;
    const want = linear(x, w, b).data, got = linearGemm(x, w, b).data;
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs((got[i] as number) - (want[i] as number)));
    assert.ok(err < 1e-4, `[${rows}, ${I}] -> ${O}${bias ? ' with bias' : ''}: max difference ${err}`);
  }
});
