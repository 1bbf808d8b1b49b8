// Tensor shapes as users read and write them: [1, 3, 32, 32], [B, 16, (H - 2) // 2, W].
import type { DimJSON, ShapeJSON } from '../types';

export function formatShape(shape: ShapeJSON): string {
  return `[${shape.join(', ')}]`;
}

/** Several inputs (or several shapes seen at one site): "[1, 3, 32, 32], [1, 10]". */
export function formatShapes(shapes: ReadonlyArray<ShapeJSON>, separator = ', '): string {
  return shapes.map(formatShape).join(separator);
}

const DIM = /^(?:-?\d+|[A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Parses what a user types for an input shape: "[1, 3, 32, 32]", "1,3,32,32", "(B, 3, 32, 32)".
 * Returns the dimensions, or a message saying what is wrong.
 */
export function parseShapeInput(text: string): { shape: DimJSON[] } | { error: string } {
  const inner = text.trim().replace(/^[[(]/, '').replace(/[\])]$/, '').trim();
  if (inner === '') return { error: 'Write a shape such as [1, 3, 32, 32] (a symbolic batch like [B, 3, 32, 32] is fine).' };
  const dims: DimJSON[] = [];
  for (const raw of inner.split(',')) {
    const part = raw.trim();
    if (!DIM.test(part)) {
      return { error: `"${part}" is not a dimension: use a positive integer or a name such as B, e.g. [B, 3, 32, 32].` };
    }
    if (/^-?\d+$/.test(part)) {
      const n = Number(part);
      if (n <= 0) return { error: `Dimension ${part} must be positive, e.g. [1, 3, 32, 32].` };
      dims.push(n);
    } else {
      dims.push(part);
    }
  }
  return { shape: dims };
}

/** A setting's value that is a concrete input shape: positive integers only (`[1, 3, 32, 32]`). */
export function isConcreteShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d: unknown) => typeof d === 'number' && Number.isInteger(d) && d > 0);
}

/**
 * The `convLens.defaultInputShape` setting: a string as the Settings UI edits it ("1,3,224,224",
 * "[B, 3, 224, 224]"), or the list of integers older versions stored. Empty means "none" (symbolic input).
 */
export function parseShapeSetting(value: unknown): { shape: DimJSON[] } | { error: string } {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0)) return { shape: [] };
  const parsed = typeof value === 'string' ? parseShapeInput(value) : isConcreteShape(value) ? { shape: value } : null;
  // One number is what the Settings UI's list editor left after its first item: never a model input.
  if (parsed !== null && 'shape' in parsed && parsed.shape.length < 2) return { error: 'A model input has a batch and at least one more dimension, e.g. 1,3,224,224.' };
  if (parsed !== null) return parsed;
  return { error: 'Write a shape such as 1,3,224,224 or [B, 3, 224, 224].' };
}
