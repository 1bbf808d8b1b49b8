// PyTorch .pt/.pth state_dict reader: a zip holding data.pkl and data/N storages.
// data.pkl is interpreted by a pickle machine that knows only the opcodes and globals a state_dict
// uses; it builds plain values and never imports or calls anything. Anything else is refused.
import { numel, shapeString, type Tensor } from '../tensor';
import { halfToFloat, WeightsFormatError } from './safetensors';
import { readZip } from './zip';

const STORAGE_DTYPES: Record<string, { dtype: string; size: number }> = {
  FloatStorage: { dtype: 'F32', size: 4 }, HalfStorage: { dtype: 'F16', size: 2 }, BFloat16Storage: { dtype: 'BF16', size: 2 },
  DoubleStorage: { dtype: 'F64', size: 8 }, LongStorage: { dtype: 'I64', size: 8 }, IntStorage: { dtype: 'I32', size: 4 },
  ShortStorage: { dtype: 'I16', size: 2 }, CharStorage: { dtype: 'I8', size: 1 }, ByteStorage: { dtype: 'U8', size: 1 }, BoolStorage: { dtype: 'BOOL', size: 1 },
};

const ALLOWED_GLOBALS = new Set([
  'collections OrderedDict', 'torch._utils _rebuild_tensor_v2', 'torch._utils _rebuild_parameter', 'torch._utils _rebuild_tensor',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch ${s}`),
]);

class Mark { }
class Global { constructor(readonly name: string) {} }
class Storage { constructor(readonly key: string, readonly dtype: string, readonly size: number, readonly numel: number) {} }
class TensorRef {
  constructor(readonly storage: Storage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}
class PDict { readonly map = new Map<string, PValue>(); }
type PValue = null | boolean | number | string | Mark | Global | Storage | TensorRef | PDict | PValue[] | { tuple: PValue[] };

function isTuple(v: PValue): v is { tuple: PValue[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'tuple' in v;
}

function ints(v: PValue, what: string): number[] {
  if (!isTuple(v) || !v.tuple.every((e) => typeof e === 'number' && Number.isSafeInteger(e) && e >= 0)) {
    throw new WeightsFormatError(`${what} should be a tuple of non-negative integers`);
  }
  return v.tuple as number[];
}


/** Runs data.pkl and returns the top-level object. */
function unpickle(pkl: Uint8Array, file: string): PValue {
  const dv = new DataView(pkl.buffer, pkl.byteOffset, pkl.byteLength);
  const stack: PValue[] = [];
  const memo = new Map<number, PValue>();
  let pos = 0;
  const fail = (msg: string): never => { throw new WeightsFormatError(`${file}: data.pkl at byte ${pos}: ${msg}`); };
  const need = (n: number): void => { if (pos + n > pkl.length) fail('the pickle is truncated'); };
  const u8 = (): number => { need(1); return pkl[pos++] as number; };
  const u16 = (): number => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const i32 = (): number => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u32 = (): number => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const str = (n: number): string => { need(n); const s = new TextDecoder('utf-8', { fatal: false }).decode(pkl.subarray(pos, pos + n)); pos += n; return s; };
  const line = (): string => { const e = pkl.indexOf(0x0a, pos); if (e < 0) fail('unterminated text argument'); const s = str(e - pos); pos++; return s; };
  const pop = (): PValue => { if (stack.length === 0) fail('the stack is empty'); return stack.pop() as PValue; };
  const popMark = (): PValue[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] instanceof Mark) { const items = stack.slice(i + 1); stack.length = i; return items; }
    }
    return fail('no MARK on the stack');
  };
  const setItems = (d: PValue, items: PValue[]): void => {
    if (!(d instanceof PDict)) return fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i];
      if (typeof k !== 'string' && typeof k !== 'number') fail('a dict key is not a string or number');
      d.map.set(String(k), items[i + 1] as PValue);
    }
  };
  const reduce = (fn: PValue, args: PValue): PValue => {
    if (!(fn instanceof Global) || !isTuple(args)) return fail('REDUCE of something that is not an allowed function');
    const a = args.tuple;
    switch (fn.name) {
      case 'collections OrderedDict': return new PDict();
      case 'torch._utils _rebuild_tensor_v2':
      case 'torch._utils _rebuild_tensor': {
        const [st, off, size, stride] = a;
        if (!(st instanceof Storage) || typeof off !== 'number' || off < 0) return fail('tensor rebuild arguments are not (storage, offset, size, stride, ...)');
        const shape = ints(size ?? null, 'tensor size'), strides = ints(stride ?? null, 'tensor stride');
        if (shape.length !== strides.length) fail('tensor size and stride differ in length');
        return new TensorRef(st, off, shape, strides);
      }
      case 'torch._utils _rebuild_parameter': {
        const t = a[0];
        if (!(t instanceof TensorRef)) return fail('parameter rebuild without a tensor');
        return t;
      }
      default: return fail(`calling ${fn.name} is not allowed`);
    }
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); pos += 8; break; // FRAME
      case 0x2e: { // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0] as PValue;
      }
      case 0x28: stack.push(new Mark()); break; // MARK
      case 0x7d: stack.push(new PDict()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push({ tuple: [] }); break; // EMPTY_TUPLE
      case 0x74: stack.push({ tuple: popMark() }); break; // TUPLE
      case 0x85: stack.push({ tuple: [pop()] }); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); stack.push({ tuple: [a, b] }); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); stack.push({ tuple: [a, b, c] }); break; } // TUPLE3
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: { // LONG1
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(pkl[pos + i] as number);
        if (n > 0 && ((pkl[pos + n - 1] as number) & 0x80)) v -= 1n << BigInt(8 * n);
        pos += n;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail('integer too large');
        stack.push(Number(v));
        break;
      }
      case 0x47: { need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
      case 0x58: stack.push(str(u32())); break; // BINUNICODE
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x71: memo.set(u8(), stack[stack.length - 1] ?? fail('BINPUT on an empty stack')); break; // BINPUT
      case 0x72: memo.set(u32(), stack[stack.length - 1] ?? fail('LONG_BINPUT on an empty stack')); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack[stack.length - 1] ?? fail('MEMOIZE on an empty stack')); break; // MEMOIZE
      case 0x68: { const k = u8(); if (!memo.has(k)) fail(`BINGET of unknown memo ${k}`); stack.push(memo.get(k) as PValue); break; }
      case 0x6a: { const k = u32(); if (!memo.has(k)) fail(`LONG_BINGET of unknown memo ${k}`); stack.push(memo.get(k) as PValue); break; }
      case 0x63: { // GLOBAL
        const name = `${line()} ${line()}`;
        if (!ALLOWED_GLOBALS.has(name)) {
          fail(`refers to ${name.replace(' ', '.')}, which is not part of a state_dict; the engine never runs code from a .pt file. Save the weights with torch.save(model.state_dict(), path) or as .safetensors`);
        }
        stack.push(new Global(name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(reduce(fn, args)); break; } // REDUCE
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!isTuple(pid) || pid.tuple[0] !== 'storage') return fail('persistent id is not a storage reference');
        const [, type, key, , count] = pid.tuple;
        const tname = type instanceof Global ? type.name.split(' ')[1] ?? '' : '';
        const info = STORAGE_DTYPES[tname];
        if (info === undefined || typeof key !== 'string' || typeof count !== 'number') return fail(`storage of unknown type ${tname || String(type)}`);
        stack.push(new Storage(key, info.dtype, info.size, count));
        break;
      }
      case 0x73: { const v = pop(), k = pop(); setItems(stack[stack.length - 1] ?? null, [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(stack[stack.length - 1] ?? null, items); break; } // SETITEMS
      case 0x61: { const v = pop(); const l = stack[stack.length - 1]; if (!Array.isArray(l)) fail('APPEND to a non-list'); (l as PValue[]).push(v); break; }
      case 0x65: { const items = popMark(); const l = stack[stack.length - 1]; if (!Array.isArray(l)) fail('APPENDS to a non-list'); (l as PValue[]).push(...items); break; }
      case 0x62: pop(); break; // BUILD: the only state in a state_dict is its _metadata, which is not needed
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not allowed in a state_dict (only the opcodes torch.save uses for tensors and dicts are read)`);
    }
  }
}

function materialize(t: TensorRef, data: Uint8Array, name: string, file: string): Tensor {
  const st = t.storage;
  if (st.numel * st.size > data.length) {
    throw new WeightsFormatError(`${file}: storage ${st.key} of '${name}' should hold ${st.numel} values but has ${data.length} bytes`);
  }
  const n = numel(t.shape);
  if (n > 0) {
    let last = t.offset;
    for (let i = 0; i < t.shape.length; i++) last += ((t.shape[i] as number) - 1) * (t.stride[i] as number);
    if (last >= st.numel) throw new WeightsFormatError(`${file}: '${name}' ${shapeString(t.shape)} reaches past its storage of ${st.numel} values`);
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (i: number): number => {
    const o = i * st.size;
    switch (st.dtype) {
      case 'F32': return dv.getFloat32(o, true);
      case 'F16': return halfToFloat(dv.getUint16(o, true));
      case 'BF16': return new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0] as number;
      case 'F64': return dv.getFloat64(o, true);
      case 'I64': return Number(dv.getBigInt64(o, true));
      case 'I32': return dv.getInt32(o, true);
      case 'I16': return dv.getInt16(o, true);
      case 'I8': return dv.getInt8(o);
      default: return dv.getUint8(o);
    }
  };
  const out = new Float32Array(n);
  const r = t.shape.length;
  const idx = new Array<number>(r).fill(0);
  let src = t.offset;
  for (let k = 0; k < n; k++) {
    out[k] = read(src);
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      src += t.stride[d] as number;
      if ((idx[d] as number) < (t.shape[d] as number)) break;
      src -= (t.stride[d] as number) * (t.shape[d] as number);
      idx[d] = 0;
    }
  }
  return { shape: t.shape, data: out };
}

/** Reads a state_dict saved with torch.save; values come back as float32 by qualified name. */
export function readTorchStateDict(bytes: Uint8Array, file = '.pt file'): Map<string, Tensor> {
  if (bytes.length >= 2 && bytes[0] === 0x80) {
    throw new WeightsFormatError(`${file}: this is a legacy (pre-1.6) PyTorch file; re-save it with a current torch.save, or as .safetensors`);
  }
  const entries = readZip(bytes, file);
  const pklName = [...entries.keys()].find((k) => k === 'data.pkl' || k.endsWith('/data.pkl'));
  if (pklName === undefined) throw new WeightsFormatError(`${file}: the archive has no data.pkl; it is not a torch.save file`);
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const top = unpickle((entries.get(pklName) as { data: Uint8Array }).data, file);
  if (!(top instanceof PDict)) {
    throw new WeightsFormatError(`${file}: the file holds ${top instanceof TensorRef ? 'a single tensor' : 'something other than a dict'}; save model.state_dict()`);
  }
  const out = new Map<string, Tensor>();
  for (const [name, v] of top.map) {
    if (v instanceof PDict) {
      throw new WeightsFormatError(`${file}: '${name}' is a nested dict; this looks like a training checkpoint. Save checkpoint['${name}'] (the model's state_dict) on its own`);
    }
    if (!(v instanceof TensorRef)) continue;
    const entry = entries.get(`${prefix}data/${v.storage.key}`);
    if (entry === undefined) throw new WeightsFormatError(`${file}: storage data/${v.storage.key} of '${name}' is missing from the archive`);
    out.set(name, materialize(v, entry.data, name, file));
  }
  return out;
}
