// .safetensors: an 8-byte little-endian header length, a JSON header, then raw little-endian data.
// Every number in the header is checked against the file before anything is read or allocated.
import { numel, shapeString, type Tensor } from '../tensor';

export class WeightsFormatError extends Error {}

const DTYPE_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  /** Original dtype of each tensor (values are always converted to float32). */
  dtypes: Map<string, string>;
  metadata: Record<string, string>;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function convert(bytes: Uint8Array, dtype: string, n: number, name: string): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32': for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true); break;
    case 'F64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true); break;
    case 'F16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
    case 'BF16': {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(i * 2, true) << 16;
      break;
    }
    case 'I64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true)); break;
    case 'I32': for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true); break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 'U8': case 'BOOL': for (let i = 0; i < n; i++) out[i] = dv.getUint8(i); break;
    default: throw new WeightsFormatError(`tensor '${name}' has unknown dtype '${dtype}'`);
  }
  return out;
}

export function readSafetensors(bytes: Uint8Array, file = 'safetensors file'): SafetensorsFile {
  if (bytes.length < 8) throw new WeightsFormatError(`${file}: ${bytes.length} bytes is too short for a safetensors header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen > bytes.length - 8 || hlen > MAX_HEADER) {
    throw new WeightsFormatError(`${file}: header length ${hlen} is larger than the file (${bytes.length} bytes); the file is truncated or not safetensors`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen)));
  } catch (e) {
    throw new WeightsFormatError(`${file}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new WeightsFormatError(`${file}: the header is not a JSON object`);
  const data = bytes.subarray(8 + hlen);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Map<string, string>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry === 'object' && entry !== null) metadata = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)]));
      continue;
    }
    if (typeof entry !== 'object' || entry === null) throw new WeightsFormatError(`${file}: entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offs } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZE)) {
      throw new WeightsFormatError(`${file}: tensor '${name}' has unknown dtype ${JSON.stringify(dtype)} (expected F32, F16 or BF16)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightsFormatError(`${file}: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new WeightsFormatError(`${file}: tensor '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [b, e] = offs as [number, number];
    const n = numel(shape as number[]);
    const size = DTYPE_SIZE[dtype] as number;
    if (e < b || e > data.length) {
      throw new WeightsFormatError(`${file}: tensor '${name}' data_offsets [${b}, ${e}] are outside the ${data.length} data bytes`);
    }
    if (e - b !== n * size) {
      throw new WeightsFormatError(`${file}: tensor '${name}' ${dtype} ${shapeString(shape as number[])} needs ${n * size} bytes but data_offsets give ${e - b}`);
    }
    tensors.set(name, { shape: shape as number[], data: convert(data.subarray(b, e), dtype, n, name) });
    dtypes.set(name, dtype);
  }
  return { tensors, dtypes, metadata };
}

/** Writes float32 tensors (in the given order) with optional string metadata. */
export function writeSafetensors(tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let off = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + t.data.length * 4] };
    off += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8 !== 0) json += ' ';
  const hbytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hbytes.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  const dv = new DataView(out.buffer, 8 + hbytes.length);
  let p = 0;
  for (const [, t] of entries) for (let i = 0; i < t.data.length; i++, p += 4) dv.setFloat32(p, t.data[i] as number, true);
  return out;
}
