// Weight files: safetensors (F32/F16/BF16) and torch.save state_dicts, and hostile files of each kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSafetensors, writeSafetensors, WeightsFormatError } from '../src/engine/weights/safetensors';
import { readTorchStateDict } from '../src/engine/weights/torch-pickle';
import { readWeightsFile } from '../src/engine/weights/state-dict';
import { initParameter, SeededTensor } from '../src/engine/weights/init';
import { resetRuntime } from '../src/engine/runtime';
import { linear } from '../src/engine/ops/linear';
import type { Tensor } from '../src/engine/tensor';

const NETS = resolve(__dirname, '../../test/goldens/engine/nets');
const f32 = readSafetensors(readFileSync(resolve(NETS, 'tiny_resnet.safetensors'))).tensors;

function safetensorsBytes(header: unknown, data: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function rejects(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WeightsFormatError, `expected WeightsFormatError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('torch.save state_dict (.pt) reads every tensor exactly as the safetensors copy', () => {
  const pt = readTorchStateDict(readFileSync(resolve(NETS, 'tiny_resnet.pt')), 'tiny_resnet.pt');
  for (const [k, v] of pt) {
    if (k.endsWith('num_batches_tracked')) continue;
    const e = f32.get(`${k}`);
    assert.ok(e, `${k} missing from the safetensors copy`);
    assert.deepEqual([...v.shape], [...e.shape]);
    assert.deepEqual(v.data, e.data, k);
  }
  assert.ok(pt.has('conv1.weight') && pt.has('layer2.0.downsample.0.weight'));
});

for (const [dtype, rel] of [['f16', 2 ** -10], ['bf16', 2 ** -7]] as const) {
  test(`${dtype.toUpperCase()} safetensors convert to float32 within the format's precision`, () => {
    const t = readWeightsFile(readFileSync(resolve(NETS, `tiny_resnet.${dtype}.safetensors`)), `tiny_resnet.${dtype}.safetensors`);
    for (const [k, e] of f32) {
      if (k.startsWith('out/') || k === 'input') continue;
      const v = t.get(k) as Tensor;
      for (let i = 0; i < e.data.length; i++) {
        const x = e.data[i] as number;
        assert.ok(Math.abs((v.data[i] as number) - x) <= rel * Math.abs(x) + 1e-7, `${k}[${i}]: ${v.data[i]} vs ${x}`);
      }
    }
  });
}

test('safetensors written by the engine read back identically', () => {
  const t: Tensor = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) };
  const back = readSafetensors(writeSafetensors({ a: t }, { k: 'v' }));
  assert.deepEqual(back.tensors.get('a')?.data, t.data);
  assert.equal(back.metadata['k'], 'v');
});

test('safetensors: a header length past the end of the file is refused', () => {
  rejects(() => readSafetensors(safetensorsBytes({}, new Uint8Array(0), 1e12)), /header length 1000000000000 is larger than the file/);
});
test('safetensors: a file shorter than the header length field is refused', () => {
  rejects(() => readSafetensors(new Uint8Array(5)), /too short/);
});
test('safetensors: a header that is not JSON is refused', () => {
  const b = safetensorsBytes({ a: 1 });
  b[8] = 0x7b; b[9] = 0x7b;
  rejects(() => readSafetensors(b), /not valid JSON/);
});
test('safetensors: data offsets outside the data are refused', () => {
  rejects(() => readSafetensors(safetensorsBytes({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8))), /data_offsets \[0, 16\] are outside the 8 data bytes/);
});
test('safetensors: offsets that disagree with the shape are refused', () => {
  rejects(() => readSafetensors(safetensorsBytes({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))), /needs 12 bytes but data_offsets give 8/);
});
test('safetensors: an unknown dtype is refused by name', () => {
  rejects(() => readSafetensors(safetensorsBytes({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))), /unknown dtype "F8_E4M3"/);
});
test('safetensors: negative or fractional shapes are refused', () => {
  rejects(() => readSafetensors(safetensorsBytes({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })), /invalid shape/);
});

// A stored (uncompressed) zip, like torch.save writes, for hand-made hostile archives.
function zip(files: Array<[string, Uint8Array]>, opts: { method?: number; claimSize?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let off = 0;
  for (const [name, data] of files) {
    const n = new TextEncoder().encode(name);
    const lh = new Uint8Array(30 + n.length);
    const dv = new DataView(lh.buffer);
    dv.setUint32(0, 0x04034b50, true); dv.setUint16(8, opts.method ?? 0, true);
    dv.setUint32(18, opts.claimSize ?? data.length, true); dv.setUint32(22, opts.claimSize ?? data.length, true);
    dv.setUint16(26, n.length, true); lh.set(n, 30);
    const ch = new Uint8Array(46 + n.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(10, opts.method ?? 0, true);
    cv.setUint32(20, opts.claimSize ?? data.length, true); cv.setUint32(24, opts.claimSize ?? data.length, true);
    cv.setUint16(28, n.length, true); cv.setUint32(42, off, true); ch.set(n, 46);
    parts.push(lh, data); central.push(ch);
    off += lh.length + data.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, files.length, true); ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, off, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let p = 0;
  for (const a of all) { out.set(a, p); p += a.length; }
  return out;
}
const pkl = (...bytes: Array<number | string>): Uint8Array => {
  const out: number[] = [];
  for (const b of bytes) { if (typeof b === 'number') out.push(b); else for (const ch of b) out.push(ch.charCodeAt(0)); }
  return Uint8Array.from(out);
};

test('.pt: a pickle that names os.system is refused without running anything', () => {
  const evil = pkl(0x80, 2, 'c', 'os\nsystem\n', 'X', 4, 0, 0, 0, 'echo', 0x85, 'R', '.');
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', evil]]), 'evil.pt'), /refers to os\.system.*never runs code/);
});
test('.pt: an opcode outside the state_dict subset is refused', () => {
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', pkl(0x80, 2, 'i', 'os\nsystem\n', '.')]]), 'inst.pt'), /opcode 0x69 is not allowed/);
});
test('.pt: a truncated pickle is refused', () => {
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', pkl(0x80, 2, '}', 'X', 200, 0, 0, 0, 'ab')]]), 'short.pt'), /truncated/);
});
test('.pt: a pickle that never stops is refused at the end of its bytes', () => {
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', pkl(0x80, 2, '}', '(', 't')]]), 'nostop.pt'), /truncated/);
});
test('.pt: a compressed entry (zip bomb route) is refused', () => {
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', pkl('}', '.')]], { method: 8 }), 'deflate.pt'), /compressed \(method 8\)/);
});
test('.pt: an entry claiming more bytes than the file holds is refused', () => {
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', pkl('}', '.')]], { claimSize: 0x7fffffff }), 'bomb.pt'), /runs past the end/);
});
test('.pt: a file cut in half is refused as truncated', () => {
  const b = readFileSync(resolve(NETS, 'tiny_resnet.pt'));
  rejects(() => readTorchStateDict(b.subarray(0, b.length >> 1), 'half.pt'), /no zip directory found|truncated/);
});
test('.pt: a tensor reaching past its storage is refused', () => {
  const p = pkl(0x80, 2, '}', 'X', 1, 0, 0, 0, 'w',
    'c', 'torch._utils\n_rebuild_tensor_v2\n', '(', '(', 'X', 7, 0, 0, 0, 'storage', 'c', 'torch\nFloatStorage\n', 'X', 1, 0, 0, 0, '0', 'X', 3, 0, 0, 0, 'cpu', 'K', 2, 't', 'Q',
    'K', 0, 'K', 5, 0x85, 'K', 1, 0x85, 0x89, ')', 't', 'R', 's', '.');
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', p], ['archive/data/0', new Uint8Array(8)]]), 'oob.pt'), /reaches past its storage of 2 values/);
});
test('.pt: a missing storage file is refused by tensor name', () => {
  const p = pkl(0x80, 2, '}', 'X', 1, 0, 0, 0, 'w',
    'c', 'torch._utils\n_rebuild_tensor_v2\n', '(', '(', 'X', 7, 0, 0, 0, 'storage', 'c', 'torch\nFloatStorage\n', 'X', 1, 0, 0, 0, '3', 'X', 3, 0, 0, 0, 'cpu', 'K', 2, 't', 'Q',
    'K', 0, 'K', 2, 0x85, 'K', 1, 0x85, 0x89, ')', 't', 'R', 's', '.');
  rejects(() => readTorchStateDict(zip([['archive/data.pkl', p]]), 'nostorage.pt'), /storage data\/3 of 'w' is missing/);
});
test('.pt: a legacy non-zip torch file gets a re-save hint', () => {
  rejects(() => readTorchStateDict(pkl(0x80, 2, 0x8a, 10), 'old.pt'), /legacy/);
});

test('default init: kaiming_uniform(a=sqrt(5)) bound 1/sqrt(fan_in), reproducible per seed and name', () => {
  const w = initParameter([16, 8, 3, 3], { kind: 'kaiming_uniform', fanIn: 72 }, 1, 'conv.weight');
  const bound = 1 / Math.sqrt(72);
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w) > 0.9 * bound && Math.min(...w) < -0.9 * bound);
  assert.deepEqual(initParameter([16, 8, 3, 3], { kind: 'kaiming_uniform', fanIn: 72 }, 1, 'conv.weight'), w);
  assert.notDeepEqual(initParameter([16, 8, 3, 3], { kind: 'kaiming_uniform', fanIn: 72 }, 2, 'conv.weight'), w);
  assert.ok(initParameter([4], { kind: 'constant', value: 1 }, 1, 'bn.running_var').every((v) => v === 1));
});

test('drawing a seeded parameter never grows the engine memory: an op that already holds a view of a resident input still reads it', () => {
  const rt = resetRuntime();
  try {
    // The input resident at the very top of the memory, as an executor's arena can leave it.
    const I = 64, O = 2048;
    const ptr = rt.allocPersistent(rt.memoryBytes - rt.persistentBytes - 256, 'the test input');
    const x: Tensor = { shape: [1, I], data: rt.view(ptr, I) };
    x.data.set(Float32Array.from({ length: I }, (_, i) => (i % 7) - 3));
    const before = Float32Array.from(x.data);
    const bound = 1 / Math.sqrt(I);
    const w = new SeededTensor([O, I], { kind: 'uniform', bound }, 0, 'fc.weight');
    const b = new SeededTensor([O], { kind: 'uniform', bound }, 0, 'fc.bias');
    const memory = rt.memoryBytes;
    const y = linear(x, w, b);
    assert.equal(rt.memoryBytes, memory, 'the memory did not grow');
    const want = linear({ shape: [1, I], data: before }, { shape: [O, I], data: w.data }, { shape: [O], data: b.data });
    assert.deepEqual(Array.from(y.data), Array.from(want.data));
    // The values are the stream's, as the wasm kernel draws them when there is room.
    assert.deepEqual(Array.from(b.data), Array.from(initParameter([O], { kind: 'uniform', bound }, 0, 'fc.bias')));
  } finally {
    resetRuntime();
  }
});
