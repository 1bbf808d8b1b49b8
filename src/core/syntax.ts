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
  /** This node or a descendant is a syntax error. */
  hasError: boolean;
  /** The file of a module the analysed document imports; undefined for the document itself. */
  file?: string;
  /** rangeOf(node), made once: ranges are never mutated, and the interpreter asks for the same node's many times. */
  range?: Range | undefined;
}

const MAX_DEPTH = 400;

/** Names of a language's node types and fields by id: reading ids from the cursor avoids a string per node. */
interface Names {
  types: string[];
  named: boolean[];
  fields: Array<string | undefined>;
}
// By name: `tree.language` is a new wrapper object on every call, so an object key would never hit.
const namesByLanguage = new Map<string, Names>();

function namesOf(language: Language): Names {
  const key = `${language.name ?? ''}:${language.nodeTypeCount}`;
  let names = namesByLanguage.get(key);
  if (!names) {
    const types: string[] = [];
    const named: boolean[] = [];
    for (let i = 0; i < language.nodeTypeCount; i++) {
      types.push(internalized(language.nodeTypeForId(i) ?? ''));
      named.push(language.nodeTypeIsNamed(i));
    }
    const fields: Array<string | undefined> = [undefined];
    for (let i = 1; i <= language.fieldCount; i++) {
      const name = language.fieldNameForId(i);
      fields.push(name === null ? undefined : internalized(name));
    }
    names = { types, named, fields };
    namesByLanguage.set(key, names);
  }
  return names;
}

/**
 * The same string as a property key, which JavaScript engines keep as their one shared copy of it. Names read from
 * WebAssembly are new strings: comparing one with a literal (`node.type === 'call'`, `c.field === 'body'`) would
 * compare characters; the shared copy compares as one pointer, and the interpreter makes such comparisons all the time.
 */
function internalized(s: string): string {
  const key: Record<string, true> = {};
  key[s] = true;
  return Object.keys(key)[0] ?? s;
}

/**
 * Converts a tree-sitter tree to SyntaxNodes. Top-level statements whose text and position are unchanged since
 * `previous` are reused, so a keystroke converts only the statement it touched. Nesting deeper than MAX_DEPTH is cut
 * (with isError) so hostile input cannot overflow the stack.
 */
export function toSyntax(tree: Tree, source: string, previous?: SyntaxNode, file?: string): SyntaxNode {
  const names = namesOf(tree.language);
  const lineStarts = lineStartsOf(source);
  // Reusable top-level statements of the previous conversion, by their text.
  const reusable = new Map<string, SyntaxNode>();
  const prevSource = previous ? previousSources.get(previous) : undefined;
  if (previous && prevSource !== undefined) for (const c of previous.children) reusable.set(prevSource.slice(c.start, c.end), c);
  const cursor = tree.walk();
  const ctx: ConvertContext = { cursor, source, names, lineStarts, lineContinuation: names.types.indexOf('line_continuation'), file };
  const root = makeNode(ctx, undefined);
  if (cursor.gotoFirstChild()) {
    do {
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const type = names.types[cursor.nodeTypeId] ?? cursor.nodeType;
      const old = reusable.size > 0 && end - start > 0 ? reusable.get(source.slice(start, end)) : undefined;
      if (old && old.type === type && old.startCol === start - (lineStarts[positionAt(lineStarts, start).line] ?? 0)) {
        root.children.push(old.start === start ? old : shifted(old, start - old.start, positionAt(lineStarts, start).line - old.startRow));
      } else if ((cursor.nodeIsNamed || cursor.currentFieldId !== 0) && cursor.nodeTypeId !== ctx.lineContinuation) {
        root.children.push(convert(ctx, names.fields[cursor.currentFieldId], 1, cursor.nodeTypeId));
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  cursor.delete();
  root.hasError = root.children.some((c) => c.hasError);
  previousSources.set(root, source);
  return root;
}

const previousSources = new WeakMap<SyntaxNode, string>();

/** A copy of an unchanged statement that moved: same text, so only offsets and rows change. */
function shifted(node: SyntaxNode, dOffset: number, dRow: number): SyntaxNode {
  return {
    ...node,
    range: undefined,
    start: node.start + dOffset, end: node.end + dOffset, startRow: node.startRow + dRow, endRow: node.endRow + dRow,
    children: node.children.map((c) => shifted(c, dOffset, dRow)),
  };
}

interface ConvertContext {
  cursor: TreeCursor;
  source: string;
  names: Names;
  lineStarts: number[];
  /** A `\` at the end of a line is an extra node tree-sitter puts anywhere (even between a call's arguments): dropped. */
  lineContinuation: number;
  /** An imported module's file, stamped on every node (ranges from it then say where they are). */
  file: string | undefined;
}

function makeNode(ctx: ConvertContext, field: string | undefined, typeId = ctx.cursor.nodeTypeId): SyntaxNode {
  const { cursor, names, lineStarts } = ctx;
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const type = names.types[typeId] ?? cursor.nodeType;
  const sp = positionAt(lineStarts, start);
  const ep = positionAt(lineStarts, end);
  const node: SyntaxNode = {
    type, field, start, end,
    startRow: sp.line, startCol: sp.character, endRow: ep.line, endCol: ep.character,
    children: [], text: '', isError: type === 'ERROR', hasError: type === 'ERROR', range: undefined,
  };
  if (ctx.file !== undefined) node.file = ctx.file;
  return node;
}

// Every cursor property is a call into WebAssembly: each is read once per node.
function convert(ctx: ConvertContext, field: string | undefined, depth: number, typeId?: number): SyntaxNode {
  const { cursor, source, names } = ctx;
  const node = makeNode(ctx, field, typeId);
  if (depth > MAX_DEPTH) {
    node.isError = node.hasError = true;
    return node;
  }
  if (cursor.gotoFirstChild()) {
    // Slices keep their ':' tokens: which part is start, stop or step depends on them.
    const slice = node.type === 'slice';
    do {
      const fieldId = cursor.currentFieldId;
      const childType = cursor.nodeTypeId;
      if (childType === ctx.lineContinuation) continue;
      if (slice || fieldId !== 0 || names.named[childType]) node.children.push(convert(ctx, names.fields[fieldId], depth + 1, childType));
      // An ERROR node (id 0xffff) is not in the language's named types: it is left out, but its parent knows.
      else if (childType === ERROR_TYPE_ID) node.hasError = true;
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  } else if (node.start === node.end && cursor.nodeIsMissing) node.isError = true;
  node.hasError ||= node.isError || node.children.some((c) => c.hasError);
  if (node.children.length === 0 || LEAF_TEXT.has(node.type)) node.text = source.slice(node.start, node.end);
  return node;
}

const ERROR_TYPE_ID = 0xffff;

// Nodes whose text the interpreter reads even though they have children.
const LEAF_TEXT = new Set(['string', 'dotted_name', 'comment', 'template_string']);

export function child(node: SyntaxNode, field: string): SyntaxNode | undefined {
  const children = node.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as SyntaxNode;
    if (c.field === field) return c;
  }
  return undefined;
}

export function childrenOf(node: SyntaxNode, field: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === field);
}

export function rangeOf(node: SyntaxNode): Range {
  if (node.range) return node.range;
  const r: Range = {
    start: { line: node.startRow, character: node.startCol },
    end: { line: node.endRow, character: node.endCol },
    startOffset: node.start,
    endOffset: node.end,
  };
  if (node.file !== undefined) r.file = node.file;
  node.range = r;
  return r;
}

/** Range from UTF-16 offsets, using a line-start table. */
export function rangeFromOffsets(lineStarts: number[], start: number, end: number): Range {
  return { start: positionAt(lineStarts, start), end: positionAt(lineStarts, end), startOffset: start, endOffset: end };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
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
