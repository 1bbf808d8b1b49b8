// One AnalyzedDocument per open editor document, fed VS Code's incremental edits.
// Analysis is synchronous and cached per document version, so every provider can ask for it.
import * as vscode from 'vscode';
import { AnalyzedDocument, Program, analysisByCell, cellView, notebookProgram, type NotebookCell, type NotebookProgram } from '../core';
import { sym } from '../core/dims';
import { findPythonEnvironment, workspaceHost, type Platform } from './programHost';
import type { Analysis } from '../core/types';
import type { Settings } from './config';

export const LANGUAGES = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'] as const;
export const SELECTOR: vscode.DocumentSelector = LANGUAGES.map((language) => ({ language }));

/** Documents that are views of something else (diffs, output) get no analysis of their own. */
const IGNORED_SCHEMES = new Set(['git', 'output', 'vscode-scm', 'conv-lens']);

export function isAnalyzable(document: vscode.TextDocument): boolean {
  return (LANGUAGES as readonly string[]).includes(document.languageId) && !IGNORED_SCHEMES.has(document.uri.scheme);
}

interface Entry {
  core: AnalyzedDocument;
  languageId: string;
  /** Document version the core text corresponds to. */
  version: number;
  analysis: Analysis | undefined;
  analyzedVersion: number;
  analyzedGeneration: number;
}

/** A notebook's code cells analysed as one program (see core/notebook.ts). */
interface NotebookEntry {
  core: AnalyzedDocument;
  /** The cells (kind, language, version) the analysis was made from. */
  stamp: string;
  generation: number;
  /** The program text the cells make, and its analysis in program coordinates (what the preview shows). */
  program: NotebookProgram;
  analysis: Analysis;
  /** The analysis with every range given per cell (what the cells' editors show). */
  byCell: Analysis;
  /** Per cell index: what that cell's editor shows. */
  views: Map<number, Analysis>;
  /** Bumped with each new analysis of the notebook. */
  revision: number;
}

/** A notebook's current analysis as one program, seen from one of its cells. */
export interface NotebookSnapshot {
  notebook: vscode.NotebookDocument;
  /** The cell's index among all the notebook's cells. */
  cell: number;
  program: NotebookProgram;
  analysis: Analysis;
  revision: number;
}

/** The scheme of the built-in notebook editor's cell documents. */
const CELL_SCHEME = 'vscode-notebook-cell';

/** The program path of a document: its URI path, or none for untitled text (then imports are not followed). */
export function programPath(document: vscode.TextDocument): string | undefined {
  return document.uri.scheme === 'untitled' ? undefined : document.uri.path;
}

export class AnalysisStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  /** Bumped when settings that change results change, so cached analyses are recomputed. */
  private generation = 0;
  /** The workspace as one program: what imports reach is read once and shared by every open document. */
  readonly program: Program;
  private lastUri: vscode.Uri | undefined;
  private readonly loading = new Set<string>();
  private readonly imported = new vscode.EventEmitter<vscode.TextDocument>();
  /** A document's imports were read: its analysis is more complete than the one last shown. */
  readonly onDidReadImports = this.imported.event;
  private environmentReady: Promise<void> | undefined;
  private readonly notebooks = new Map<string, NotebookEntry>();
  private notebookRevision = 0;

  constructor(
    private settings: Settings,
    private readonly log: vscode.LogOutputChannel,
    private readonly platform: Platform,
  ) {
    const host = workspaceHost(() => this.lastUri);
    this.program = new Program({ host, projectRoots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.path) });
    this.findEnvironment();
  }

  updateSettings(settings: Settings): void {
    const envChanged = settings.pythonPath !== this.settings.pythonPath;
    this.settings = settings;
    this.generation++;
    if (envChanged) this.findEnvironment();
  }

  /** Looks for the Python environment once (and again when the setting changes); says in the log what it found. */
  private findEnvironment(): void {
    const host = workspaceHost(() => this.lastUri);
    const setting = this.settings.pythonPath;
    this.environmentReady = findPythonEnvironment(host, setting, this.platform, this.log).then(
      (env) => {
        this.program.setSitePackages(env?.sitePackages ?? []);
        if (env) this.log.info(`Python environment: ${env.source}; installed packages are read from ${env.sitePackages.join(', ')}`);
        else this.log.info(setting
          ? `convLens.pythonPath is '${setting}', but no site-packages folder was found there: installed packages (torchvision, timm) are not read`
          : 'no Python environment found (setting, Python extension, .venv/venv/env, $VIRTUAL_ENV, $CONDA_PREFIX, system): installed packages (torchvision, timm) are not read; set convLens.pythonPath');
        this.generation++;
        for (const doc of vscode.workspace.textDocuments) if (isAnalyzable(doc)) this.imported.fire(doc);
      },
      (error: unknown) => this.log.error(`looking for the Python environment failed: ${String(error)}`),
    );
  }

  /** An open document's text, saved or not, is what the documents importing it see. */
  documentChanged(document: vscode.TextDocument): vscode.TextDocument[] {
    const path = programPath(document);
    if (path === undefined || document.languageId !== 'python' || document.uri.scheme === CELL_SCHEME) return [];
    this.program.setOverlay(path, document.getText());
    return this.dependents(path);
  }

  /** A file changed on disk (or appeared, or went away): the open documents that read it must be analysed again. */
  fileChanged(uri: vscode.Uri, createdOrDeleted: boolean): vscode.TextDocument[] {
    this.program.fileChanged(uri.path, createdOrDeleted);
    if (createdOrDeleted) {
      this.generation++;
      return vscode.workspace.textDocuments.filter((d) => isAnalyzable(d) && d.languageId === 'python');
    }
    return this.dependents(uri.path);
  }

  private dependents(path: string): vscode.TextDocument[] {
    const deps = new Set(this.program.dependentsOf(path));
    const docs = vscode.workspace.textDocuments.filter((d) => {
      const p = programPath(d);
      return p !== undefined && deps.has(p);
    });
    for (const d of docs) {
      const entry = this.entries.get(d.uri.toString());
      if (entry) entry.analyzedVersion = -1;
    }
    return docs;
  }

  /** Applies an edit event; falls back to a fresh document when versions got out of step. */
  applyChange(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const entry = this.entries.get(key);
    // No entry yet, or already caught up by a resynchronisation: nothing to apply.
    if (!entry || event.contentChanges.length === 0 || event.document.version <= entry.version) return;
    if (entry.languageId !== event.document.languageId) {
      this.forget(event.document);
      return;
    }
    entry.core.applyEdits(event.contentChanges);
    entry.version = event.document.version;
  }

  /** The last analysis made, possibly of an earlier version: for what must not trigger one (a cursor move). */
  lastAnalysis(document: vscode.TextDocument): Analysis | undefined {
    if (this.notebookOf(document)) return this.lastNotebookView(document)?.view;
    return this.entries.get(document.uri.toString())?.analysis;
  }

  /** A cell's notebook as last analysed (no new analysis): the program, its analysis and what the cell shows. */
  lastNotebookView(document: vscode.TextDocument): { cell: number; program: NotebookProgram; analysis: Analysis; view: Analysis } | undefined {
    const nb = this.notebookOf(document);
    const entry = nb && this.notebooks.get(nb.uri.toString());
    const cell = nb ? nb.getCells().findIndex((c) => c.document === document) : -1;
    if (!entry || cell < 0) return undefined;
    let view = entry.views.get(cell);
    if (!view) entry.views.set(cell, (view = cellView(entry.byCell, cell)));
    return { cell, program: entry.program, analysis: entry.analysis, view };
  }

  /** The notebook a cell document belongs to. */
  notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
    if (document.uri.scheme !== CELL_SCHEME) return undefined;
    const key = document.uri.toString();
    return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key));
  }

  /** The code cells of the document's notebook (none for a document that is not a cell). */
  notebookCells(document: vscode.TextDocument): vscode.TextDocument[] {
    const nb = this.notebookOf(document);
    return nb ? nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code).map((c) => c.document) : [];
  }

  /** What a cell shows: the notebook's code cells are analysed together, in order, as a kernel runs them. */
  private cellAnalysis(nb: vscode.NotebookDocument, document: vscode.TextDocument): Analysis | undefined {
    const key = document.uri.toString();
    const index = nb.getCells().findIndex((c) => c.document.uri.toString() === key);
    if (index < 0) return undefined;
    const entry = this.notebookEntry(nb);
    let view = entry.views.get(index);
    if (!view) entry.views.set(index, (view = cellView(entry.byCell, index)));
    return view;
  }

  /** The whole notebook's current analysis in program coordinates, from one of its cells (for the preview). */
  notebookSnapshot(document: vscode.TextDocument): NotebookSnapshot | undefined {
    const nb = this.notebookOf(document);
    if (!nb || !isAnalyzable(document)) return undefined;
    const key = document.uri.toString();
    const cell = nb.getCells().findIndex((c) => c.document.uri.toString() === key);
    if (cell < 0) return undefined;
    const entry = this.notebookEntry(nb);
    return { notebook: nb, cell, program: entry.program, analysis: entry.analysis, revision: entry.revision };
  }

  /** The notebook's analysis, made again when a cell, the cells or the settings changed. */
  private notebookEntry(nb: vscode.NotebookDocument): NotebookEntry {
    const cells = nb.getCells();
    const stamp = cells.map((c) => `${c.kind}:${c.document.languageId}:${c.document.uri.toString()}:${c.document.version}`).join('\n');
    const nbKey = nb.uri.toString();
    let entry = this.notebooks.get(nbKey);
    if (!entry || entry.stamp !== stamp || entry.generation !== this.generation) {
      const program = notebookProgram(cells.map((c): NotebookCell => ({
        kind: c.kind === vscode.NotebookCellKind.Markup ? 'markdown' : c.document.languageId === 'python' ? 'code' : 'raw',
        source: c.document.getText(),
      })));
      const core = entry?.core ?? new AnalyzedDocument('python', program.text);
      if (core.text !== program.text) core.setText(program.text);
      const defaultInput = this.settings.defaultInputShape;
      this.lastUri = nb.uri;
      const path = nb.uri.scheme === 'untitled' ? undefined : nb.uri.path;
      const options = defaultInput.length > 0 ? { defaultInput: defaultInput.map((d) => (typeof d === 'number' ? d : sym(d))) } : {};
      const { analysis, pending } = this.program.analyzeNow(core, path, options);
      entry = { core, stamp, generation: this.generation, program, analysis, byCell: analysisByCell(program, analysis), views: new Map(), revision: ++this.notebookRevision };
      this.notebooks.set(nbKey, entry);
      if (pending) this.readNotebookImports(nb, entry, path);
    }
    return entry;
  }

  private readNotebookImports(nb: vscode.NotebookDocument, entry: NotebookEntry, path: string | undefined): void {
    const key = nb.uri.toString();
    if (this.loading.has(key)) return;
    this.loading.add(key);
    void (async () => {
      try {
        await this.environmentReady;
        await this.program.readImports(entry.core, path);
      } catch (error) {
        this.log.error(`reading the imports of ${key} failed: ${String(error)}`);
      } finally {
        this.loading.delete(key);
      }
      if (nb.isClosed) return;
      entry.stamp = '';
      for (const cell of nb.getCells()) if (cell.kind === vscode.NotebookCellKind.Code) this.imported.fire(cell.document);
    })();
  }

  forgetNotebook(nb: vscode.NotebookDocument): void {
    const key = nb.uri.toString();
    this.notebooks.get(key)?.core.dispose();
    this.notebooks.delete(key);
  }

  /** The current analysis of the document (computed now if the cached one is stale). */
  analysis(document: vscode.TextDocument): Analysis | undefined {
    if (!isAnalyzable(document)) return undefined;
    const nb = this.notebookOf(document);
    if (nb) return this.cellAnalysis(nb, document);
    const entry = this.entryFor(document);
    if (entry.analysis && entry.analyzedVersion === document.version && entry.analyzedGeneration === this.generation) {
      return entry.analysis;
    }
    const started = performance.now();
    const defaultInput = this.settings.defaultInputShape;
    const path = programPath(document);
    this.lastUri = document.uri;
    const options = defaultInput.length > 0 ? { defaultInput: defaultInput.map((d) => (typeof d === 'number' ? d : sym(d))) } : {};
    const { analysis, pending } = this.program.analyzeNow(entry.core, path, options);
    if (pending) this.readImports(document, entry);
    entry.analysis = analysis;
    entry.analyzedVersion = document.version;
    entry.analyzedGeneration = this.generation;
    const ms = performance.now() - started;
    if (ms > 100) this.log.warn(`analysis of ${document.uri.fsPath || document.uri.toString()} took ${ms.toFixed(1)} ms`);
    for (const note of analysis.notes) this.log.debug(`${document.uri.toString()}: ${note}`);
    return analysis;
  }

  /** Reads what the document's imports reach, then tells the providers to ask again. */
  private readImports(document: vscode.TextDocument, entry: Entry): void {
    const key = document.uri.toString();
    if (this.loading.has(key)) return;
    this.loading.add(key);
    const started = performance.now();
    void (async () => {
      try {
        await this.environmentReady;
        await this.program.readImports(entry.core, programPath(document));
        this.log.debug(`read the imports of ${key} in ${(performance.now() - started).toFixed(1)} ms`);
      } catch (error) {
        this.log.error(`reading the imports of ${key} failed: ${String(error)}`);
      } finally {
        this.loading.delete(key);
      }
      if (document.isClosed) return;
      entry.analyzedVersion = -1;
      this.imported.fire(document);
    })();
  }

  forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    // A cell's path is its notebook's: nothing of the program belongs to the cell itself.
    const path = document.uri.scheme === CELL_SCHEME ? undefined : programPath(document);
    if (path !== undefined) {
      this.program.clearOverlay(path);
      this.program.forget(path);
    }
    this.entries.get(key)?.core.dispose();
    this.entries.delete(key);
  }

  dispose(): void {
    for (const entry of this.entries.values()) entry.core.dispose();
    this.entries.clear();
    for (const entry of this.notebooks.values()) entry.core.dispose();
    this.notebooks.clear();
    this.program.dispose();
    this.imported.dispose();
  }

  private entryFor(document: vscode.TextDocument): Entry {
    const key = document.uri.toString();
    let entry = this.entries.get(key);
    // A missed event would leave the core's text behind the editor's: start over from the editor's text.
    if (entry && entry.version !== document.version && entry.core.text !== document.getText()) {
      this.log.warn(`resynchronising ${key} (version ${entry.version} -> ${document.version})`);
      this.forget(document);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        core: new AnalyzedDocument(document.languageId, document.getText()),
        languageId: document.languageId,
        version: document.version,
        analysis: undefined,
        analyzedVersion: -1,
        analyzedGeneration: -1,
      };
      this.entries.set(key, entry);
    }
    entry.version = document.version;
    return entry;
  }
}
