// LSP 3.17 notebook documents: the client sends a notebook's cells as text documents inside notebookDocument/*
// notifications. The code cells are analysed together as one program (core/notebook.ts), and each cell gets the
// view its own editor shows, so diagnostics and hovers land in the right cell.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { AnalyzedDocument, Program, analysisByCell, cellView, notebookProgram, type Analysis, type AnalyzeOptions, type NotebookCell } from '../core';
import { pathOfUri } from './documents';
import { asRange, isRecord, requireString } from './params';

/** LSP's NotebookCellKind. */
const MARKUP = 1;

interface Cell {
  uri: string;
  kind: number;
}

interface OpenNotebook {
  cells: Cell[];
  core: AnalyzedDocument | undefined;
  /** Bumped on every change; the analysis below is of `analyzedRevision`. */
  revision: number;
  byCell: Analysis | undefined;
  analyzedRevision: number;
  analyzedGeneration: number;
  views: Map<number, Analysis>;
}

export class NotebookStore {
  private readonly notebooks = new Map<string, OpenNotebook>();
  /** Every cell's text, open or not code. */
  private readonly texts = new Map<string, TextDocument>();
  private readonly owner = new Map<string, string>();
  private generation = 0;
  private readonly loading = new Set<string>();

  /** `importsRead` is called with a notebook's URI when its imports were read after an analysis that lacked them. */
  constructor(
    private options: AnalyzeOptions,
    private readonly program: Program,
    private readonly importsRead: (notebookUri: string) => void,
  ) {}

  setOptions(options: AnalyzeOptions): void {
    this.options = options;
    this.generation++;
  }

  /** notebookDocument/didOpen; returns the notebook's URI. */
  didOpen(params: unknown): string {
    const nb = isRecord(params) ? params['notebookDocument'] : undefined;
    if (!isRecord(nb)) throw new Error('didOpen without notebookDocument');
    const uri = requireString(nb, 'uri');
    this.didClose(uri);
    for (const item of list(params, 'cellTextDocuments')) this.openText(item);
    const cells = list(nb, 'cells').map(cellOf);
    for (const c of cells) this.owner.set(c.uri, uri);
    this.notebooks.set(uri, { cells, core: undefined, revision: 0, byCell: undefined, analyzedRevision: -1, analyzedGeneration: -1, views: new Map() });
    return uri;
  }

  /** notebookDocument/didChange; returns the notebook's URI and the cells that went away (their problems go too). */
  didChange(params: unknown): { uri: string; removed: string[] } | undefined {
    const id = isRecord(params) ? params['notebookDocument'] : undefined;
    if (!isRecord(id)) throw new Error('didChange without notebookDocument');
    const uri = requireString(id, 'uri');
    const nb = this.notebooks.get(uri);
    if (!nb) return undefined;
    const change = isRecord(params) && isRecord(params['change']) ? params['change'] : {};
    const cells = isRecord(change['cells']) ? change['cells'] : {};
    // Checked whole before anything is applied, so a bad change cannot leave the notebook half edited.
    const contents = list(cells, 'textContent').map((content) => {
      if (!isRecord(content) || !isRecord(content['document'])) throw new Error('a textContent change has no document');
      const version = content['document']['version'];
      return { cellUri: requireString(content['document'], 'uri'), version: typeof version === 'number' ? version : undefined, changes: checkedChanges(content['changes']) };
    });
    const removed: string[] = [];
    const structure = isRecord(cells['structure']) ? cells['structure'] : undefined;
    if (structure) {
      const array = isRecord(structure['array']) ? structure['array'] : {};
      const start = typeof array['start'] === 'number' ? array['start'] : nb.cells.length;
      const deleteCount = typeof array['deleteCount'] === 'number' ? array['deleteCount'] : 0;
      const added = list(array, 'cells').map(cellOf);
      for (const c of nb.cells.splice(start, deleteCount, ...added)) {
        this.owner.delete(c.uri);
        removed.push(c.uri);
      }
      for (const c of added) this.owner.set(c.uri, uri);
      for (const item of list(structure, 'didOpen')) this.openText(item);
      for (const item of list(structure, 'didClose')) if (isRecord(item) && typeof item['uri'] === 'string') this.texts.delete(item['uri']);
    }
    // A cell's kind can change (code <-> markdown) without a structure change.
    for (const data of list(cells, 'data')) {
      const c = cellOf(data);
      const at = nb.cells.find((x) => x.uri === c.uri);
      if (at) at.kind = c.kind;
    }
    for (const { cellUri, version, changes } of contents) {
      const doc = this.texts.get(cellUri);
      if (doc) TextDocument.update(doc, changes, version ?? doc.version + 1);
    }
    nb.revision++;
    return { uri, removed: removed.filter((c) => !this.owner.has(c)) };
  }

  /** notebookDocument/didClose (or a reopen): the cells that were open, to clear their problems. */
  didClose(uri: string): string[] {
    const nb = this.notebooks.get(uri);
    if (!nb) return [];
    for (const c of nb.cells) {
      this.owner.delete(c.uri);
      this.texts.delete(c.uri);
    }
    nb.core?.dispose();
    this.notebooks.delete(uri);
    return nb.cells.map((c) => c.uri);
  }

  has(notebookUri: string): boolean {
    return this.notebooks.has(notebookUri);
  }

  uris(): string[] {
    return [...this.notebooks.keys()];
  }

  /** The notebook a cell belongs to. */
  notebookOf(cellUri: string): string | undefined {
    return this.owner.get(cellUri);
  }

  /** A cell's text. */
  text(cellUri: string): TextDocument | undefined {
    return this.owner.has(cellUri) ? this.texts.get(cellUri) : undefined;
  }

  /** The code cells, whose problems are published. */
  codeCells(notebookUri: string): string[] {
    return (this.notebooks.get(notebookUri)?.cells ?? []).filter((c) => c.kind !== MARKUP).map((c) => c.uri);
  }

  /** The URI of the cell at this index of its notebook (related locations in another cell point at it). */
  cellUri(notebookUri: string, index: number): string | undefined {
    return this.notebooks.get(notebookUri)?.cells[index]?.uri;
  }

  /** What the cell's editor shows: the notebook analysed now if it changed since. */
  cellAnalysis(cellUri: string): Analysis | undefined {
    const uri = this.owner.get(cellUri);
    const nb = uri === undefined ? undefined : this.notebooks.get(uri);
    if (uri === undefined || !nb) return undefined;
    const index = nb.cells.findIndex((c) => c.uri === cellUri);
    const byCell = this.analyze(uri, nb);
    if (index < 0 || !byCell) return undefined;
    let view = nb.views.get(index);
    if (!view) nb.views.set(index, (view = cellView(byCell, index)));
    return view;
  }

  private analyze(uri: string, nb: OpenNotebook): Analysis | undefined {
    if (nb.byCell && nb.analyzedRevision === nb.revision && nb.analyzedGeneration === this.generation) return nb.byCell;
    const cells = nb.cells.map((c): NotebookCell => {
      const doc = this.texts.get(c.uri);
      const kind = c.kind === MARKUP ? 'markdown' : doc?.languageId.toLowerCase() === 'python' ? 'code' : 'raw';
      return { kind, source: doc?.getText() ?? '' };
    });
    const program = notebookProgram(cells);
    if (!nb.core) nb.core = new AnalyzedDocument('python', program.text);
    else if (nb.core.text !== program.text) nb.core.setText(program.text);
    const path = pathOfUri(uri);
    const { analysis, pending } = this.program.analyzeNow(nb.core, path, this.options);
    nb.byCell = analysisByCell(program, analysis);
    nb.analyzedRevision = nb.revision;
    nb.analyzedGeneration = this.generation;
    nb.views.clear();
    if (pending) this.readImports(uri, nb.core, path);
    return nb.byCell;
  }

  private readImports(uri: string, core: AnalyzedDocument, path: string | undefined): void {
    if (this.loading.has(uri)) return;
    this.loading.add(uri);
    void this.program.readImports(core, path).catch(() => undefined).then(() => {
      this.loading.delete(uri);
      const nb = this.notebooks.get(uri);
      if (!nb || nb.core !== core) return;
      nb.analyzedRevision = -1;
      this.importsRead(uri);
    });
  }

  dispose(): void {
    for (const uri of this.uris()) this.didClose(uri);
  }

  private openText(item: unknown): void {
    if (!isRecord(item)) throw new Error('a cell text document is not an object');
    const uri = requireString(item, 'uri');
    const version = typeof item['version'] === 'number' ? item['version'] : 0;
    this.texts.set(uri, TextDocument.create(uri, requireString(item, 'languageId'), version, requireString(item, 'text')));
  }
}

function list(record: unknown, key: string): unknown[] {
  const value = isRecord(record) ? record[key] : undefined;
  return Array.isArray(value) ? value : [];
}

function cellOf(value: unknown): Cell {
  if (!isRecord(value)) throw new Error('a notebook cell is not an object');
  return { uri: requireString(value, 'document'), kind: typeof value['kind'] === 'number' ? value['kind'] : 2 };
}

/** The changes of one cell, checked whole before any is applied. */
function checkedChanges(changes: unknown): TextDocumentContentChangeEvent[] {
  if (!Array.isArray(changes)) throw new Error('a cell\'s changes must be an array');
  return changes.map((c: unknown) => {
    if (!isRecord(c) || typeof c['text'] !== 'string') throw new Error('a content change has no text');
    if (c['range'] === undefined) return { text: c['text'] };
    const range = asRange(c['range']);
    if (!range) throw new Error('a content change has an invalid range');
    return { range, text: c['text'] };
  });
}
