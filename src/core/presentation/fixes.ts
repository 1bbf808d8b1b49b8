// The findings' ready-made fixes that apply to a range of the editor (its selection or cursor line).
import type { Analysis, Finding, Fix, Position } from '../types';

export interface LineRange {
  start: Position;
  end: Position;
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** Ranges that overlap or touch (VS Code's Range.intersection is defined for them). */
export function rangesMeet(a: LineRange, b: LineRange): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

export function sameLineRange(a: LineRange, b: LineRange): boolean {
  return comparePositions(a.start, b.start) === 0 && comparePositions(a.end, b.end) === 0;
}

/** Each fix of each finding whose range meets `range`, with its finding (to attach the diagnostic). */
export function fixesAt(analysis: Analysis, range: LineRange): Array<{ finding: Finding; fix: Fix }> {
  const out: Array<{ finding: Finding; fix: Fix }> = [];
  for (const finding of analysis.findings) {
    if (finding.fixes.length === 0 || !rangesMeet(finding.range, range)) continue;
    for (const fix of finding.fixes) out.push({ finding, fix });
  }
  return out;
}
