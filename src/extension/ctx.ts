// One object owns everything the extension registers, so deactivation (or a failed start) cleans up all of it.
import * as vscode from 'vscode';
import type { Analysis } from '../core/types';
import { FixProvider } from './codeActions';
import { ModelCodeLensProvider } from './codeLens';
import { COMMANDS, LayerTableProvider, TABLE_SCHEME, setInputShape, showLayerTable } from './commands';
import { SECTION, type Settings, readSettings } from './config';
import { DiagnosticsController } from './diagnostics';
import { ShapeHoverProvider } from './hover';
import { ShapeInlayHintsProvider } from './inlayHints';
import { ModelFocus } from './focus';
import { PreviewController } from './preview/previewController';
import { AnalysisStore, SELECTOR } from './store';
import type { Platform } from './programHost';

/** What `extensions.getExtension('conv-lens.conv-lens').exports` gives tests and other extensions. */
export interface ConvLensApi {
  /** Milliseconds `activate` took, parsers included. */
  readonly activationMs: number;
  analysis(document: vscode.TextDocument): Analysis | undefined;
}

function textTabUris(): vscode.Uri[] {
  return vscode.window.tabGroups.all.flatMap((group) =>
    group.tabs.flatMap((tab) => (tab.input instanceof vscode.TabInputText ? [tab.input.uri] : [])),
  );
}

function describeSettings(settings: Settings): string {
  const input = settings.defaultInputShape.length > 0 ? `[${settings.defaultInputShape.join(', ')}]` : 'symbolic';
  return `settings: diagnostics delay ${settings.diagnosticsDelayMs} ms, inlay hints ${settings.inlayHints ? 'on' : 'off'}, code lens ${settings.codeLens ? 'on' : 'off'}, default input ${input}`;
}

export class Ctx implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly store: AnalysisStore;
  readonly diagnostics: DiagnosticsController;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    platform: Platform,
  ) {
    const settings = readSettings();
    this.store = this.push(new AnalysisStore(settings, log, platform));
    const docs = vscode.Uri.joinPath(extension.extensionUri, 'README.md');
    this.diagnostics = this.push(new DiagnosticsController(this.store, docs, log, settings.diagnosticsDelayMs));
  }

  push<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  /** Registers providers, commands and listeners, then analyses the documents already open. */
  start(): void {
    const { store, diagnostics } = this;
    const settings = readSettings();
    const focus = this.push(new ModelFocus(store));
    const hints = this.push(new ShapeInlayHintsProvider(store, settings.inlayHints, focus));
    const lenses = this.push(new ModelCodeLensProvider(store, settings.codeLens));
    const tables = this.push(new LayerTableProvider(store));

    this.push(vscode.languages.registerHoverProvider(SELECTOR, new ShapeHoverProvider(store)));
    this.push(vscode.languages.registerInlayHintsProvider(SELECTOR, hints));
    this.push(vscode.languages.registerCodeLensProvider(SELECTOR, lenses));
    this.push(vscode.languages.registerCodeActionsProvider(SELECTOR, new FixProvider(store), FixProvider.metadata));
    this.push(vscode.workspace.registerTextDocumentContentProvider(TABLE_SCHEME, tables));

    this.push(vscode.commands.registerCommand(COMMANDS.showLayerTable, (uri?: unknown, name?: unknown) => showLayerTable(store, uri, name)));
    const preview = this.push(new PreviewController(this.extension.extensionUri, store, this.log, focus));
    this.push(vscode.commands.registerCommand(COMMANDS.openPreview, (uri?: unknown, name?: unknown) => preview.openBeside(uri, name)));
    this.push(
      vscode.commands.registerCommand(COMMANDS.setInputShape, (uri?: unknown, name?: unknown, shapes?: unknown) =>
        setInputShape(store, uri, name, shapes),
      ),
    );
    this.push(vscode.commands.registerCommand(COMMANDS.showLog, () => this.log.show()));

    this.push(vscode.workspace.onDidOpenTextDocument((doc) => diagnostics.refresh(doc)));
    this.push(
      vscode.workspace.onDidChangeTextDocument((event) => {
        store.applyChange(event);
        diagnostics.schedule(event.document);
        // Documents that import this one see its unsaved text.
        if (event.contentChanges.length > 0) for (const dependent of store.documentChanged(event.document)) diagnostics.schedule(dependent);
        // A notebook's cells are one program: an edit in one cell can change what every other cell shows.
        if (event.contentChanges.length > 0) for (const cell of store.notebookCells(event.document)) if (cell !== event.document) diagnostics.schedule(cell);
      }),
    );
    const notebookCells = (nb: vscode.NotebookDocument): vscode.TextDocument[] =>
      nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code).map((c) => c.document);
    this.push(vscode.workspace.onDidOpenNotebookDocument((nb) => {
      for (const cell of notebookCells(nb)) diagnostics.refresh(cell);
    }));
    this.push(
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        // Cells added, removed or moved: every cell's place in the program may have changed.
        for (const change of event.contentChanges) for (const cell of change.removedCells) diagnostics.clear(cell.document.uri);
        if (event.contentChanges.length > 0) for (const cell of notebookCells(event.notebook)) diagnostics.schedule(cell);
      }),
    );
    this.push(vscode.workspace.onDidCloseNotebookDocument((nb) => {
      for (const cell of nb.getCells()) diagnostics.clear(cell.document.uri);
      store.forgetNotebook(nb);
    }));
    // Files the open documents import can change outside the editor (git checkout, another tool).
    const watcher = this.push(vscode.workspace.createFileSystemWatcher('**/*.py'));
    const onDisk = (uri: vscode.Uri, createdOrDeleted: boolean): void => {
      for (const doc of store.fileChanged(uri, createdOrDeleted)) diagnostics.refresh(doc);
    };
    this.push(watcher.onDidChange((uri) => onDisk(uri, false)));
    this.push(watcher.onDidCreate((uri) => onDisk(uri, true)));
    this.push(watcher.onDidDelete((uri) => onDisk(uri, true)));
    this.push(
      store.onDidReadImports((doc) => {
        diagnostics.refresh(doc);
        hints.refresh();
        lenses.refresh();
      }),
    );
    this.push(vscode.workspace.onDidSaveTextDocument((doc) => diagnostics.refresh(doc)));
    this.push(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        diagnostics.clear(doc.uri);
        store.forget(doc);
      }),
    );
    // VS Code keeps a document alive for a while after its last editor closes; the user expects the
    // problems to go when the file goes, and to come back when it is shown again.
    this.push(
      vscode.window.tabGroups.onDidChangeTabs((event) => {
        const shown = new Set(textTabUris().map((u) => u.toString()));
        for (const tab of event.closed) {
          if (tab.input instanceof vscode.TabInputText && !shown.has(tab.input.uri.toString())) diagnostics.clear(tab.input.uri);
        }
        for (const tab of event.opened) {
          if (!(tab.input instanceof vscode.TabInputText)) continue;
          const key = tab.input.uri.toString();
          const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
          if (doc) diagnostics.refresh(doc);
        }
      }),
    );
    this.push(
      diagnostics.onDidAnalyze(({ document, typing }) => {
        tables.sourceChanged(document.uri);
        // The editor may show cached lenses for a document it re-opens; a fresh analysis replaces them.
        // After an edit it asks for lenses again by itself, so a keystroke costs no extra round trip.
        if (!typing) lenses.refresh();
        // An edit in one cell of a notebook changes the hints and lenses of the others, which the editor does not re-ask.
        else if (document.uri.scheme === 'vscode-notebook-cell') {
          hints.refresh();
          lenses.refresh();
        }
      }),
    );
    this.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration(SECTION)) return;
        const next = readSettings();
        store.updateSettings(next);
        diagnostics.setDelay(next.diagnosticsDelayMs);
        hints.setEnabled(next.inlayHints);
        lenses.setEnabled(next.codeLens);
        for (const doc of vscode.workspace.textDocuments) diagnostics.refresh(doc);
        this.log.info(`settings changed: re-analysed open documents; ${describeSettings(next)}`);
        this.reportSettingProblem(next);
      }),
    );

    this.log.info(describeSettings(settings));
    this.reportSettingProblem(settings);
    for (const doc of vscode.workspace.textDocuments) diagnostics.refresh(doc);
  }

  /** A setting that is not a shape is ignored, with one message per value written (not one per analysis). */
  private reportedProblem: string | null = null;
  private reportSettingProblem(settings: Settings): void {
    const problem = settings.defaultInputShapeProblem;
    if (problem !== null && problem !== this.reportedProblem) {
      this.log.warn(problem);
      void vscode.window.showWarningMessage(`Conv Lens: ${problem}`);
    }
    this.reportedProblem = problem;
  }

  dispose(): void {
    // Last registered first, like a stack of resources.
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (error) {
        this.log.error(`dispose failed: ${String(error)}`);
      }
    }
  }
}
