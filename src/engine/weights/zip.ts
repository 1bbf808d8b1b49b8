// Minimal reader for the uncompressed zip archives torch.save writes. Every offset and size is checked
// against the file; compressed entries are refused (torch never writes them), so no entry can expand.
import { WeightsFormatError } from './safetensors';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const MAX_ENTRIES = 1_000_000;

export function readZip(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u16 = (o: number): number => dv.getUint16(o, true);
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end of the file.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) { eocd = o; break; }
  }
  if (eocd < 0) throw new WeightsFormatError(`${file}: no zip directory found; the file is truncated or not a PyTorch archive`);
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOff = u32(eocd + 16);
  if (count === 0xffff || cdOff === 0xffffffff || cdSize === 0xffffffff) {
    // zip64: the locator sits just before the classic record.
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) throw new WeightsFormatError(`${file}: zip64 directory locator is missing`);
    const rec = Number(dv.getBigUint64(loc + 8, true));
    if (rec + 56 > bytes.length || u32(rec) !== 0x06064b50) throw new WeightsFormatError(`${file}: zip64 directory record is out of range`);
    count = Number(dv.getBigUint64(rec + 32, true));
    cdSize = Number(dv.getBigUint64(rec + 40, true));
    cdOff = Number(dv.getBigUint64(rec + 48, true));
  }
  if (count > MAX_ENTRIES) throw new WeightsFormatError(`${file}: ${count} zip entries is more than a state_dict archive has`);
  if (cdOff + cdSize > bytes.length) throw new WeightsFormatError(`${file}: zip directory (offset ${cdOff}, ${cdSize} bytes) is outside the ${bytes.length}-byte file`);
  const entries = new Map<string, ZipEntry>();
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOff + cdSize || u32(p) !== 0x02014b50) throw new WeightsFormatError(`${file}: zip directory entry ${i} is damaged`);
    const method = u16(p + 10);
    let csize = u32(p + 20), usize = u32(p + 24);
    const nlen = u16(p + 28), elen = u16(p + 30), clen = u16(p + 32);
    let lho = u32(p + 42);
    if (p + 46 + nlen + elen + clen > cdOff + cdSize) throw new WeightsFormatError(`${file}: zip directory entry ${i} runs past the directory`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nlen));
    // zip64 extra field: sizes and offset that did not fit in 32 bits, in this order.
    for (let e = p + 46 + nlen; e + 4 <= p + 46 + nlen + elen;) {
      const id = u16(e), len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => { if (q + 8 > e + 4 + len) throw new WeightsFormatError(`${file}: zip64 field of ${name} is short`); const v = Number(dv.getBigUint64(q, true)); q += 8; return v; };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (lho === 0xffffffff) lho = next();
      }
      e += 4 + len;
    }
    if (method !== 0) {
      throw new WeightsFormatError(`${file}: entry ${name} is compressed (method ${method}); torch.save writes uncompressed archives, so re-save it with torch.save(model.state_dict(), path)`);
    }
    if (csize !== usize) throw new WeightsFormatError(`${file}: entry ${name} claims ${usize} bytes but stores ${csize}`);
    if (lho + 30 > bytes.length || u32(lho) !== 0x04034b50) throw new WeightsFormatError(`${file}: local header of ${name} is out of range or damaged`);
    const start = lho + 30 + u16(lho + 26) + u16(lho + 28);
    if (start + csize > bytes.length) throw new WeightsFormatError(`${file}: entry ${name} (${csize} bytes at ${start}) runs past the end of the ${bytes.length}-byte file; the file is truncated`);
    entries.set(name, { name, data: bytes.subarray(start, start + csize) });
    p += 46 + nlen + elen + clen;
  }
  return entries;
}
