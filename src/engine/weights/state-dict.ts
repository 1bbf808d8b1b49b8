// Matching loaded weights against the parameters a model's layers declare, by qualified name.
import type { ParamSpec } from '../layers';
import { numel, shapeString, type Tensor } from '../tensor';
import { readSafetensors } from './safetensors';
import { readTorchStateDict } from './torch-pickle';

export interface StateDictReport {
  missing: string[];
  unexpected: string[];
  mismatched: Array<{ name: string; expected: number[]; got: number[] }>;
}

export class StateDictError extends Error {
  constructor(readonly report: StateDictReport) {
    super(describeReport(report));
  }
}

export function describeReport(r: StateDictReport): string {
  const parts: string[] = [];
  if (r.missing.length > 0) parts.push(`missing: ${r.missing.join(', ')}`);
  if (r.mismatched.length > 0) parts.push(`wrong shape: ${r.mismatched.map((m) => `${m.name} is ${shapeString(m.got)}, the model needs ${shapeString(m.expected)}`).join('; ')}`);
  if (r.unexpected.length > 0) parts.push(`unexpected: ${r.unexpected.join(', ')}`);
  return parts.length === 0 ? 'weights match the model' : `weights do not match the model (${parts.join(' | ')})`;
}

export function matchStateDict(expected: ReadonlyMap<string, ParamSpec>, loaded: ReadonlyMap<string, Tensor>): StateDictReport {
  const report: StateDictReport = { missing: [], unexpected: [], mismatched: [] };
  for (const [name, spec] of expected) {
    const t = loaded.get(name);
    if (t === undefined) { report.missing.push(name); continue; }
    const same = t.shape.length === spec.shape.length && t.shape.every((d, i) => d === spec.shape[i]);
    // A scalar PReLU weight saved as shape [] still has one value.
    // numel, not data.length: a seeded parameter is drawn only when its values are read.
    const scalarOk = numel(t.shape) === 1 && spec.shape.length <= 1 && (spec.shape[0] ?? 1) === 1;
    if (!same && !scalarOk) report.mismatched.push({ name, expected: [...spec.shape], got: [...t.shape] });
  }
  for (const name of loaded.keys()) {
    if (!expected.has(name) && !name.endsWith('.num_batches_tracked')) report.unexpected.push(name);
  }
  return report;
}

/** Reads .safetensors or a torch.save state_dict by looking at the bytes, not the extension. */
export function readWeightsFile(bytes: Uint8Array, file: string): Map<string, Tensor> {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (isZip || /\.(pt|pth|bin|ckpt)$/i.test(file)) return readTorchStateDict(bytes, file);
  return readSafetensors(bytes, file).tensors;
}
