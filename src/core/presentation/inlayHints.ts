// The shape after each statement that produces a tensor, as editor-neutral inlay hints (`→ [1, 16, 32, 32]`).
import type { Analysis, Position } from '../types';
import { formatShapes } from './shapes';

export interface ShapeHint {
  /** The end of the statement: the hint is drawn after it. */
  position: Position;
  label: string;
}

/** Every hint of the analysis, in source order of the sites. */
export function shapeHints(analysis: Analysis): ShapeHint[] {
  const hints: ShapeHint[] = [];
  for (const site of analysis.sites) {
    if (!site.hint || site.shapes.length === 0) continue;
    hints.push({ position: { line: site.range.end.line, character: site.range.end.character }, label: `→ ${formatShapes(site.shapes, ' | ')}` });
  }
  return hints;
}
