// Parsing with tree-sitter, and a compact plain-JS syntax tree the interpreter walks.
// Walking tree-sitter nodes directly costs a wasm call per property; one cursor walk per parse is cheaper.
import { Parser, Language, type Tree, type TreeCursor } from 'web-tree-sitter';
import type { Position, Range } from './types';

export type WasmLoader = (file: string) => Promise<Uint8Array>;

export type SourceLanguage = 'python' | 'typescript' | 'tsx';

let languages: Map<SourceLanguage, Language> | undefined;

/** Loads the parsers once per process (or worker). The host says how to read the .wasm files. */
export async function initCore(load: WasmLoader): Promise<void> {
  if (languages) return;
  const runtime = await load('web-tree-sitter.wasm');
  await Parser.init({ wasmBinary: runtime } as object);
  const [py, ts, tsx] = await Promise.all([
    load('tree-sitter-python.wasm').then((b) => Language.load(b)),
    load('tree-sitter-typescript.wasm').then((b) => Language.load(b)),
    load('tree-sitter-tsx.wasm').then((b) => Language.load(b)),
  ]);
  languages = new Map([
    ['python', py],
    ['typescript', ts],
    ['tsx', tsx],
  ]);
}

export function isCoreReady(): boolean {
  return languages !== undefined;
}

export function createParser(lang: SourceLanguage): Parser {
  const language = languages?.get(lang);
  if (!language) throw new Error('Conv Lens core is not initialised: call initCore() first');
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** A syntax node: named nodes plus the anonymous ones that carry a field (operators). */
export interface SyntaxNode {
  type: string;
  field: string | undefined;
  start: number;
  end: number;
  startRow: number;
  startCol: number;
  endRow: number;
  endCol: number;
  children: SyntaxNode[];
  /** Source text for leaves (identifiers, numbers, strings, comments, operators). */
  text: string;
  isError: boolean;
}

const MAX_DEPTH = 400;

/** Converts a tree-sitter tree to SyntaxNodes. Nesting deeper than MAX_DEPTH is cut (with isError) so hostile input cannot overflow the stack. */
export function toSyntax(tree: Tree, source: string): SyntaxNode {
  const cursor = tree.walk();
  const root = convert(cursor, source, undefined, 0);
  cursor.delete();
  return root;
}

function convert(cursor: TreeCursor, source: string, field: string | undefined, depth: number): SyntaxNode {
  const sp = cursor.startPosition;
  const ep = cursor.endPosition;
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const type = cursor.nodeType;
  const node: SyntaxNode = {
    type,
    field,
    start,
    end,
    startRow: sp.row,
    startCol: sp.column,
    endRow: ep.row,
    endCol: ep.column,
    children: [],
    text: '',
    isError: type === 'ERROR' || cursor.nodeIsMissing,
  };
  if (depth > MAX_DEPTH) {
    node.isError = true;
    return node;
  }
  if (cursor.gotoFirstChild()) {
    do {
      const f = cursor.currentFieldName ?? undefined;
      // Slices keep their ':' tokens: which part is start, stop or step depends on them.
      if (cursor.nodeIsNamed || f !== undefined || type === 'slice') node.children.push(convert(cursor, source, f, depth + 1));
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  if (node.children.length === 0 || LEAF_TEXT.has(type)) node.text = source.slice(start, end);
  return node;
}

// Nodes whose text the interpreter reads even though they have children.
const LEAF_TEXT = new Set(['string', 'dotted_name', 'comment', 'template_string']);

export function child(node: SyntaxNode, field: string): SyntaxNode | undefined {
  for (const c of node.children) if (c.field === field) return c;
  return undefined;
}

export function childrenOf(node: SyntaxNode, field: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === field);
}

export function rangeOf(node: SyntaxNode): Range {
  return {
    start: { line: node.startRow, character: node.startCol },
    end: { line: node.endRow, character: node.endCol },
    startOffset: node.start,
    endOffset: node.end,
  };
}

/** Range from UTF-16 offsets, using a line-start table. */
export function rangeFromOffsets(lineStarts: number[], start: number, end: number): Range {
  return { start: positionAt(lineStarts, start), end: positionAt(lineStarts, end), startOffset: start, endOffset: end };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function positionAt(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - (lineStarts[lo] ?? 0) };
}
