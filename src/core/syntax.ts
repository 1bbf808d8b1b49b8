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
  const binding: Record<string, unknown> = { wasmBinary: runtime };
  await Parser.init(binding);
  rawCursor = rawCursorOf(binding);
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
 * The tree-sitter cursor operations a conversion uses. web-tree-sitter's TreeCursor copies the cursor's four words
 * into WebAssembly memory before every call and back after every move; a conversion makes about seven calls per node.
 */
interface Walker {
  startIndex(): number;
  endIndex(): number;
  typeId(): number;
  fieldId(): number;
  isNamed(): boolean;
  isMissing(): boolean;
  firstChild(): boolean;
  nextSibling(): boolean;
  parent(): boolean;
  /** Frees the cursor. */
  done(): void;
}

/** Through web-tree-sitter's public TreeCursor. */
class CursorWalker implements Walker {
  constructor(private readonly cursor: TreeCursor) {}
  startIndex(): number { return this.cursor.startIndex; }
  endIndex(): number { return this.cursor.endIndex; }
  typeId(): number { return this.cursor.nodeTypeId; }
  fieldId(): number { return this.cursor.currentFieldId; }
  isNamed(): boolean { return this.cursor.nodeIsNamed; }
  isMissing(): boolean { return this.cursor.nodeIsMissing; }
  firstChild(): boolean { return this.cursor.gotoFirstChild(); }
  nextSibling(): boolean { return this.cursor.gotoNextSibling(); }
  parent(): boolean { return this.cursor.gotoParent(); }
  done(): void { this.cursor.delete(); }
}

/**
 * The functions web-tree-sitter's TreeCursor calls, from its Emscripten module (the object given to Parser.init
 * becomes that module). Each takes the tree and reads the cursor from the module's transfer buffer, and each move
 * writes the moved cursor back there, so a walk that keeps the cursor in the buffer (nothing else uses the buffer
 * while a conversion runs) makes one call per operation and copies nothing. Checked at start-up; without them
 * (another web-tree-sitter build), conversions use the TreeCursor.
 */
interface RawCursor {
  module: { HEAP32: Int32Array };
  buffer: number;
  startIndex(tree: number): number;
  endIndex(tree: number): number;
  typeId(tree: number): number;
  fieldId(tree: number): number;
  isNamed(tree: number): number;
  isMissing(tree: number): number;
  firstChild(tree: number): number;
  nextSibling(tree: number): number;
  parent(tree: number): number;
}

let rawCursor: RawCursor | undefined;

function rawCursorOf(binding: Record<string, unknown>): RawCursor | undefined {
  const fn = (name: string): ((tree: number) => number) | undefined => {
    const f = binding[`_ts_tree_cursor_${name}_wasm`];
    return typeof f === 'function' ? (f as (tree: number) => number) : undefined;
  };
  const init = binding['_ts_init'];
  const ops = {
    startIndex: fn('start_index'), endIndex: fn('end_index'), typeId: fn('current_node_type_id'), fieldId: fn('current_field_id'),
    isNamed: fn('current_node_is_named'), isMissing: fn('current_node_is_missing'), firstChild: fn('goto_first_child'),
    nextSibling: fn('goto_next_sibling'), parent: fn('goto_parent'),
  };
  if (typeof init !== 'function' || !(binding['HEAP32'] instanceof Int32Array) || Object.values(ops).some((f) => f === undefined)) return undefined;
  // ts_init only writes the language versions into the transfer buffer and returns its address.
  const buffer = (init as () => number)();
  if (typeof buffer !== 'number' || buffer <= 0 || buffer % 4 !== 0) return undefined;
  return { module: binding as unknown as { HEAP32: Int32Array }, buffer, ...(ops as Omit<RawCursor, 'module' | 'buffer'>) };
}

/** The cursor's four words live in the transfer buffer for the whole walk; they go back to the TreeCursor to free it. */
class RawWalker implements Walker {
  private readonly tree: number;
  constructor(private readonly raw: RawCursor, treeObject: Tree, private readonly cursor: TreeCursor) {
    this.tree = (treeObject as unknown as Record<number, number>)[0] ?? 0;
    // HEAP32 is read again at each use: the module replaces it when its memory grows.
    const words = cursor as unknown as Record<number, number>;
    const at = raw.buffer >> 2;
    for (let i = 0; i < 4; i++) raw.module.HEAP32[at + i] = words[i] ?? 0;
  }
  startIndex(): number { return this.raw.startIndex(this.tree); }
  endIndex(): number { return this.raw.endIndex(this.tree); }
  typeId(): number { return this.raw.typeId(this.tree); }
  fieldId(): number { return this.raw.fieldId(this.tree); }
  isNamed(): boolean { return this.raw.isNamed(this.tree) === 1; }
  isMissing(): boolean { return this.raw.isMissing(this.tree) === 1; }
  firstChild(): boolean { return this.raw.firstChild(this.tree) === 1; }
  nextSibling(): boolean { return this.raw.nextSibling(this.tree) === 1; }
  parent(): boolean { return this.raw.parent(this.tree) === 1; }
  done(): void {
    const words = this.cursor as unknown as Record<number, number>;
    const at = this.raw.buffer >> 2;
    for (let i = 0; i < 4; i++) words[i] = this.raw.module.HEAP32[at + i] ?? 0;
    this.cursor.delete();
  }
}

/** Walks with the raw functions when they are there (tests compare both: usePublicCursor). */
function walkerOf(tree: Tree): Walker {
  const cursor = tree.walk();
  return rawCursor && !forcePublicCursor ? new RawWalker(rawCursor, tree, cursor) : new CursorWalker(cursor);
}

let forcePublicCursor = false;

/** For tests: convert through web-tree-sitter's TreeCursor (true) or the raw functions when available (false). */
export function usePublicCursor(on: boolean): void {
  forcePublicCursor = on;
}

/** Whether conversions call the cursor functions directly (see RawCursor). */
export function usesRawCursor(): boolean {
  return rawCursor !== undefined && !forcePublicCursor;
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
  const cursor = walkerOf(tree);
  const ctx: ConvertContext = { comments: [], row: 0, cursor, source, names, lineStarts, lineContinuation: names.types.indexOf('line_continuation'), file };
  try {
    const root = makeNode(ctx, undefined, cursor.typeId());
    root.children = [];
    if (cursor.firstChild()) {
      do {
        const start = cursor.startIndex();
        const end = cursor.endIndex();
        const typeId = cursor.typeId();
        const type = typeName(names, typeId);
        const old = reusable.size > 0 && end - start > 0 ? reusable.get(source.slice(start, end)) : undefined;
        const row = old ? positionAt(lineStarts, start).line : 0;
        if (old && old.type === type && old.startCol === start - (lineStarts[row] ?? 0)) {
          // Same offset is not enough: an edit that joins two lines and adds a character keeps offsets, not rows.
          root.children.push(old.start === start && old.startRow === row ? old : shifted(old, start - old.start, row - old.startRow));
        } else if (typeId !== ctx.lineContinuation) {
          const fieldId = cursor.fieldId();
          if (cursor.isNamed() || fieldId !== 0) {
            ctx.comments = [];
            const top = convert(ctx, names.fields[fieldId], 1, typeId);
            commentLists.set(top, ctx.comments);
            root.children.push(top);
          }
        }
      } while (cursor.nextSibling());
      cursor.parent();
    }
    root.hasError = root.children.some((c) => c.hasError);
    previousSources.set(root, source);
    return root;
  } finally {
    cursor.done();
  }
}

/** A node type's name; an ERROR node's id (0xffff) is not among the language's types. */
function typeName(names: Names, typeId: number): string {
  return names.types[typeId] ?? 'ERROR';
}


const previousSources = new WeakMap<SyntaxNode, string>();

/** The comments of each top-level statement, found while converting it. */
const commentLists = new WeakMap<SyntaxNode, SyntaxNode[]>();

/** The comment nodes of a top-level statement (it included), in source order. */
export function commentsIn(top: SyntaxNode): SyntaxNode[] {
  let list = commentLists.get(top);
  if (!list) {
    // A statement that moved (see shifted) or a tree made elsewhere: walked once.
    list = [];
    const stack = [top];
    while (stack.length) {
      const n = stack.pop() as SyntaxNode;
      if (n.type === 'comment') list.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as SyntaxNode);
    }
    commentLists.set(top, list);
  }
  return list;
}

/** A copy of an unchanged statement that moved: same text, so only offsets and rows change. */
function shifted(node: SyntaxNode, dOffset: number, dRow: number): SyntaxNode {
  return {
    ...node,
    range: undefined,
    start: node.start + dOffset, end: node.end + dOffset, startRow: node.startRow + dRow, endRow: node.endRow + dRow,
    children: node.children.map((c) => shifted(c, dOffset, dRow)),
  };
}

/** The line of `offset`: the last line from `from` on that starts at or before it (positionAt, searching from a known line). */
function lineFrom(lineStarts: number[], from: number, offset: number): number {
  const next = lineStarts[from + 1];
  if (next === undefined || next > offset) return from;
  let lo = from + 1;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Nodes come in source order, so each one's line is at or after the previous one's: a line to search from. */
function rowHint(ctx: ConvertContext, start: number): number {
  return (ctx.lineStarts[ctx.row] ?? 0) <= start ? ctx.row : 0;
}

interface ConvertContext {
  /** Comment nodes made since the current top-level statement began. */
  comments: SyntaxNode[];
  /** The line of the last node made (see rowHint). */
  row: number;
  cursor: Walker;
  source: string;
  names: Names;
  lineStarts: number[];
  /** A `\` at the end of a line is an extra node tree-sitter puts anywhere (even between a call's arguments): dropped. */
  lineContinuation: number;
  /** An imported module's file, stamped on every node (ranges from it then say where they are). */
  file: string | undefined;
}

function makeNode(ctx: ConvertContext, field: string | undefined, typeId: number): SyntaxNode {
  const { cursor, names, lineStarts } = ctx;
  const start = cursor.startIndex();
  const end = cursor.endIndex();
  const type = typeName(names, typeId);
  const startRow = lineFrom(lineStarts, rowHint(ctx, start), start);
  ctx.row = startRow;
  const endRow = lineFrom(lineStarts, startRow, end);
  const node: SyntaxNode = {
    type, field, start, end,
    startRow, startCol: start - (lineStarts[startRow] ?? 0), endRow, endCol: end - (lineStarts[endRow] ?? 0),
    children: NO_CHILDREN, text: '', isError: type === 'ERROR', hasError: type === 'ERROR', range: undefined,
  };
  if (ctx.file !== undefined) node.file = ctx.file;
  if (type === 'comment') ctx.comments.push(node);
  return node;
}

// Every cursor property is a call into WebAssembly: each is read once per node.
function convert(ctx: ConvertContext, field: string | undefined, depth: number, typeId: number): SyntaxNode {
  const { cursor, source, names } = ctx;
  const node = makeNode(ctx, field, typeId);
  if (depth > MAX_DEPTH) {
    node.isError = node.hasError = true;
    return node;
  }
  if (cursor.firstChild()) {
    node.children = [];
    // Slices keep their ':' tokens: which part is start, stop or step depends on them.
    const slice = node.type === 'slice';
    do {
      const fieldId = cursor.fieldId();
      const childType = cursor.typeId();
      if (childType === ctx.lineContinuation) continue;
      if (slice || fieldId !== 0 || names.named[childType]) node.children.push(convert(ctx, names.fields[fieldId], depth + 1, childType));
      // An ERROR node (id 0xffff) is not in the language's named types: it is left out, but its parent knows.
      else if (childType === ERROR_TYPE_ID) node.hasError = true;
    } while (cursor.nextSibling());
    cursor.parent();
  } else if (node.start === node.end && cursor.isMissing()) node.isError = true;
  node.hasError ||= node.isError || node.children.some((c) => c.hasError);
  if (node.children.length === 0 || LEAF_TEXT.has(node.type)) node.text = source.slice(node.start, node.end);
  return node;
}

const ERROR_TYPE_ID = 0xffff;

/** The children of every leaf: one shared empty array (half the nodes are leaves; nothing adds children after conversion). */
const NO_CHILDREN: SyntaxNode[] = [];

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
