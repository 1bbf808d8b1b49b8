// Writing the input-shape comment (`# x: [1, 3, 32, 32]`) that pins a model's input, above `def forward`.
import type { Analysis, DimJSON, ModelReport } from '../types';
import { formatShape } from './shapes';

export interface OffsetEdit {
  startOffset: number;
  endOffset: number;
  newText: string;
}

export interface ForwardSignature {
  /** Offset of the start of the `def forward` line. */
  lineStart: number;
  indent: string;
  /** Tensor parameters after `self`, in order. */
  params: string[];
}

const FORWARD = /^([ \t]*)(?:async[ \t]+)?def[ \t]+forward[ \t]*\(([^)]*)\)/m;
const SHAPE_COMMENT = /^[ \t]*#[ \t]*([A-Za-z_]\w*)[ \t]*:[ \t]*[[(].*$/;

/** The model to show for a cursor offset: the only model the file builds, else the one under (or above) the offset. */
export function modelAt(analysis: Analysis, offset: number): ModelReport | undefined {
  // The same choice everywhere (CLI run, code lens, preview): the models the file builds, then the one under the
  // cursor; classes nothing builds (blocks) only when the file builds no model.
  const built = analysis.models.filter((m) => m.instantiated);
  const pool = built.length > 0 ? built : analysis.models;
  if (pool.length === 1) return pool[0];
  let above: ModelReport | undefined;
  for (const model of pool) {
    if (model.range.startOffset <= offset && offset <= model.range.endOffset) return model;
    if (model.range.startOffset <= offset && (!above || model.range.startOffset > above.range.startOffset)) above = model;
  }
  return above;
}

/** `def forward(self, x, mask=None)` inside a Python model class. */
export function findForward(text: string, model: ModelReport): ForwardSignature | undefined {
  const body = text.slice(model.range.startOffset, model.range.endOffset);
  const match = FORWARD.exec(body);
  if (!match) return undefined;
  const params = (match[2] ?? '')
    .split(',')
    .map((p) => p.trim().split(/[:=]/)[0]?.trim() ?? '')
    .filter((p) => p !== '' && p !== 'self' && !p.startsWith('*') && p !== '/');
  return { lineStart: model.range.startOffset + match.index, indent: match[1] ?? '', params };
}

/**
 * Edits that set `# <param>: [dims]` above `def forward`: an existing comment for the same parameter
 * is replaced, otherwise a new line goes directly above the `def`.
 */
export function shapeCommentEdit(text: string, forward: ForwardSignature, param: string, shape: DimJSON[]): OffsetEdit {
  const newLine = `${forward.indent}# ${param}: ${formatShape(shape)}`;
  let end = forward.lineStart;
  while (end > 0) {
    const lineEnd = end - 1; // the '\n' ending the previous line
    const lineStart = text.lastIndexOf('\n', lineEnd - 1) + 1;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const match = SHAPE_COMMENT.exec(line);
    if (!match) break;
    if (match[1] === param) return { startOffset: lineStart, endOffset: lineStart + line.length, newText: newLine };
    end = lineStart;
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { startOffset: forward.lineStart, endOffset: forward.lineStart, newText: newLine + eol };
}
