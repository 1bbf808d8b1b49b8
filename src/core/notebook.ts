// A Jupyter notebook as one Python program: its code cells in order, as a kernel that ran them top to bottom sees
// them (the approach of Jupyter's concat document). IPython syntax is blanked line by line so that every line of
// the program is the same line of its cell; ranges of the analysis are mapped back to (cell, line, column).
import { lineStartsOf } from './syntax';
import type { Analysis, Position, Range } from './types';

export type CellKind = 'code' | 'markdown' | 'raw';

export interface NotebookCell {
  kind: CellKind;
  source: string;
}

/** Where one code cell sits in the program text. */
interface CellSpan {
  /** The cell's index among all cells of the notebook (0-based). */
  index: number;
  startLine: number;
  lineCount: number;
  /** Offsets of the cell's own line starts, to give cell-local offsets. */
  lineStarts: number[];
  length: number;
}

export interface NotebookProgram {
  /** The code cells joined with newlines, IPython lines blanked. */
  text: string;
  spans: CellSpan[];
}

/** Reads an .ipynb file: its cells, or why it cannot be read (never throws). */
export function parseIpynb(json: string): { cells: NotebookCell[] } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    return { error: `the notebook is not valid JSON (${(e as Error).message}): Conv Lens does not analyse it` };
  }
  const rawCells = isRecord(data) ? data['cells'] : undefined;
  if (!Array.isArray(rawCells)) return { error: 'the notebook has no "cells" list: Conv Lens does not analyse it' };
  const cells: NotebookCell[] = [];
  for (const c of rawCells as unknown[]) {
    const type = isRecord(c) ? c['cell_type'] : undefined;
    const kind: CellKind = type === 'code' ? 'code' : type === 'markdown' ? 'markdown' : 'raw';
    const src = isRecord(c) ? c['source'] : undefined;
    // nbformat: a string, or a list of strings that already carry their newlines.
    const source = typeof src === 'string' ? src : Array.isArray(src) ? src.filter((s): s is string => typeof s === 'string').join('') : '';
    cells.push({ kind, source });
  }
  return { cells };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A cell magic (`%%time`, `%%bash`) hands the whole cell to IPython. */
export function isCellMagic(source: string): boolean {
  return /^\s*%%/.test(source);
}

/**
 * `%%time` and `%%capture` run their body as Python in the kernel's namespace: the body is part of the program.
 * Other cell magics (`%%bash`, `%%writefile`, and `%%timeit`, whose assignments do not stay) are not.
 */
function runsBodyAsPython(source: string): boolean {
  return /^(\s*\n)?%%(time|capture)(\s|$)/.test(source);
}

/**
 * IPython-only lines: magics (`%matplotlib inline`, `x = %timeit f()`), shell escapes (`!pip install`,
 * `files = !ls`) and help (`model?`, `nn.Conv2d??`). They are blanked (a `pass` keeps an indented block valid).
 */
export function blankIPython(source: string): string {
  if (isCellMagic(source) && !runsBodyAsPython(source)) return source.split('\n').map(() => '').join('\n');
  // The magic's own line is an IPython line: blanked below like any other.
  return source
    .split('\n')
    .map((line) => {
      const m = /^(\s*)(.*?)\s*$/.exec(line);
      const indent = m?.[1] ?? '';
      const body = m?.[2] ?? '';
      const ipython = /^[%!]/.test(body) || /^[A-Za-z_][\w.]*\s*=\s*[%!]/.test(body) || /^[A-Za-z_][\w.]*(\(\))?\?\??$/.test(body) || /^\?\??[A-Za-z_]/.test(body);
      if (!ipython) return line;
      return indent ? `${indent}pass` : '';
    })
    .join('\n');
}

/** The code cells as one program. Markdown and raw cells are not part of it. */
export function notebookProgram(cells: ReadonlyArray<NotebookCell>): NotebookProgram {
  const parts: string[] = [];
  const spans: CellSpan[] = [];
  let line = 0;
  cells.forEach((cell, index) => {
    if (cell.kind !== 'code') return;
    const source = cell.source.replace(/\r\n?/g, '\n');
    const text = blankIPython(source);
    const lineCount = text.split('\n').length;
    spans.push({ index, startLine: line, lineCount, lineStarts: lineStartsOf(source), length: source.length });
    parts.push(text);
    line += lineCount;
  });
  return { text: parts.join('\n'), spans };
}

/** The span holding a line of the program text (the last one for a line past the end). */
function spanAt(nb: NotebookProgram, line: number): CellSpan | undefined {
  let found: CellSpan | undefined;
  for (const s of nb.spans) {
    if (s.startLine > line) break;
    found = s;
  }
  return found;
}

function localPosition(span: CellSpan, p: Position): { position: Position; offset: number } {
  const line = Math.max(0, Math.min(p.line - span.startLine, span.lineCount - 1));
  const start = span.lineStarts[line] ?? span.length;
  const next = span.lineStarts[line + 1];
  const lineEnd = next === undefined ? span.length : next - 1;
  const offset = Math.min(start + p.character, lineEnd);
  return { position: { line, character: offset - start }, offset };
}

/** A range of the program text as a range of its cell (`cell` = the cell's index in the notebook). */
export function toCellRange(nb: NotebookProgram, r: Range): Range {
  if (r.file !== undefined) return r;
  const span = spanAt(nb, r.start.line);
  if (!span) return r;
  const start = localPosition(span, r.start);
  // A range that runs into a later cell ends at the end of its first cell.
  const endInside = r.end.line < span.startLine + span.lineCount;
  const end = endInside ? localPosition(span, r.end) : localPosition(span, { line: span.startLine + span.lineCount - 1, character: Number.MAX_SAFE_INTEGER });
  return { start: start.position, end: end.position, startOffset: start.offset, endOffset: end.offset, cell: span.index };
}

const programLineStarts = new WeakMap<NotebookProgram, number[]>();

/**
 * A position within a cell (`cell` = its index in the notebook) as an offset of the program text, for what works in
 * program coordinates (the preview). Columns past a blanked IPython line's end stay on that line.
 */
export function programOffset(nb: NotebookProgram, cell: number, p: Position): number | undefined {
  const span = nb.spans.find((s) => s.index === cell);
  if (!span) return undefined;
  let starts = programLineStarts.get(nb);
  if (!starts) programLineStarts.set(nb, (starts = lineStartsOf(nb.text)));
  const line = span.startLine + Math.max(0, Math.min(p.line, span.lineCount - 1));
  const start = starts[line] ?? nb.text.length;
  const next = starts[line + 1];
  const lineEnd = next === undefined ? nb.text.length : next - 1;
  return Math.min(start + Math.max(0, p.character), lineEnd);
}

/** A position of the program text as its cell's index and the position within that cell. */
export function cellPosition(nb: NotebookProgram, p: Position): { cell: number; position: Position } | undefined {
  const r = toCellRange(nb, { start: p, end: p, startOffset: 0, endOffset: 0 });
  return r.cell === undefined ? undefined : { cell: r.cell, position: r.start };
}

function isRange(v: Record<string, unknown>): boolean {
  return isRecord(v['start']) && isRecord(v['end']) && typeof v['startOffset'] === 'number' && typeof v['endOffset'] === 'number';
}

/** A copy of the analysis with every range of the program text given per cell. */
export function analysisByCell(nb: NotebookProgram, analysis: Analysis): Analysis {
  return mapRanges(analysis, (r) => toCellRange(nb, r));
}

/** A deep copy with every range replaced (a range object shared by several reports is mapped once). */
function mapRanges(analysis: Analysis, f: (r: Range) => Range): Analysis {
  const seen = new Map<object, unknown>();
  const map = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(map(x));
      return out;
    }
    const rec = v as Record<string, unknown>;
    if (isRange(rec)) {
      const out = f(rec as unknown as Range);
      seen.set(v, out);
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(rec)) out[k] = map(x);
    return out;
  };
  return map(analysis) as Analysis;
}

/**
 * What one cell's editor shows, from the analysis given per cell: the findings and shape sites of that cell and the
 * models with a layer built or called there, with the cell's ranges plain (no `cell`); ranges in other cells keep
 * their `cell`, so offsets of this cell never match them.
 */
export function cellView(byCell: Analysis, cell: number): Analysis {
  const local = (r: Range): Range => {
    if (r.cell !== cell) return r;
    const { cell: _, ...rest } = r;
    return rest;
  };
  const here = (r: Range): boolean => r.cell === cell && r.file === undefined;
  const view: Analysis = {
    language: byCell.language,
    models: byCell.models.filter((m) => here(m.range) || m.layers.some((l) => here(l.range) || here(l.callRange))),
    findings: byCell.findings.filter((f) => here(f.range)),
    sites: byCell.sites.filter((s) => here(s.range)),
    notes: byCell.notes,
  };
  return mapRanges(view, local);
}
