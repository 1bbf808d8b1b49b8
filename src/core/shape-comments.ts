// Shapes written in comments: `# x: [B, 3, 32, 32]` declares an input; `# -> (B, 16, 32, 32)` after a statement states a shape.
import { sym, type Dim } from './dims';

export interface CommentShape {
  dims: Array<number | string>;
  /** Offsets of the bracketed shape inside the comment text (for a fix that rewrites it). */
  start: number;
  end: number;
}

const DIM = String.raw`\s*(?:-?\d+|[A-Za-z_][A-Za-z_0-9]*)\s*`;
const SHAPE = new RegExp(String.raw`[\[(](${DIM}(?:,${DIM})+),?\s*[\])]`, 'g');

/** The first shape-like list in a comment with at least two entries and at least one integer. */
export function findCommentShape(comment: string): CommentShape | undefined {
  SHAPE.lastIndex = 0;
  for (let m = SHAPE.exec(comment); m; m = SHAPE.exec(comment)) {
    const dims = (m[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
    if (dims.length >= 2 && dims.some((d) => typeof d === 'number')) return { dims, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

/** An input declaration: `# x: [B, 3, 32, 32]` (also with `input`/`shape` or any parameter name before the colon). */
export function parseInputComment(comment: string): Array<Dim> | undefined {
  const m = /^#\s*[A-Za-z_][A-Za-z_0-9]*\s*:\s*([\[(].*[\])])/.exec(comment.trim()) ?? /^\/\/\s*[A-Za-z_][A-Za-z_0-9]*\s*:\s*([\[(].*[\])])/.exec(comment.trim());
  if (!m) return undefined;
  const shape = findCommentShapeLoose(m[1] ?? '');
  return shape?.map((d) => (typeof d === 'number' ? d : sym(d)));
}

/** Like findCommentShape but also accepts all-symbolic lists such as [B, C, H, W]. */
function findCommentShapeLoose(text: string): Array<number | string> | undefined {
  const m = new RegExp(String.raw`^[\[(](${DIM}(?:,${DIM})*),?\s*[\])]$`).exec(text.trim());
  if (!m) return undefined;
  return (m[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
}

/** Parses a CLI/setting shape "1,3,224,224" (or "[1, 3, 224, 224]"). */
export function parseShapeSpec(text: string): Dim[] | undefined {
  const t = text.trim().replace(/^[\[(]|[\])]$/g, '');
  if (!t) return undefined;
  const parts = t.split(/[,x×\s]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const out: Dim[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p)) out.push(Number(p));
    else if (/^[A-Za-z_][A-Za-z_0-9]*$/.test(p)) out.push(sym(p));
    else return undefined;
  }
  return out;
}
