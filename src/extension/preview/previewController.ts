// The feature-map preview: a WebviewView in Conv Lens's activity-bar container and an editor panel
// (`Conv Lens: Open Preview`, beside the editor). Both follow the model under the cursor in the last
// active analysable editor and update as the user types. In a notebook cell the whole notebook is the program:
// the panel gets the notebook's URI and offsets in its program text, and a clicked box opens its cell.
import * as vscode from 'vscode';
import { cellPosition, programOffset } from '../../core/notebook';
import { cellModelAt, modelAt } from '../../core/presentation';
import type { Analysis, ModelReport } from '../../core/types';
import { describeChange, type SentModel } from '../../shared/model-change';
import { answerRequest, type FileKind, type HostMessage, type PickedFile, type PreviewModel, type RequestHandlers, type ViewMessage } from '../../shared/protocol';
import { errorMessage } from '../convert';
import type { ModelFocus } from '../focus';
import type { AnalysisStore, NotebookSnapshot } from '../store';
import { isAnalyzable } from '../store';
import { makeNonce, previewHtml } from './html';
import { guardFocus } from './focusGuard';

export const PREVIEW_VIEW = 'convLens.preview';
export const PREVIEW_PANEL = 'convLens.previewPanel';
/** Largest weights or image file the panel reads (bytes are copied into the webview). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** What each kind of file the panel reads may be called. */
const FILE_KINDS: Record<FileKind, { title: string; extensions: string[] }> = {
  weights: { title: 'Weights to load (matched to the model by parameter name)', extensions: ['safetensors', 'pt', 'pth', 'bin'] },
  image: { title: 'Image to use as the model input', extensions: ['png', 'jpg', 'jpeg'] },
};
/** Changes within this many ms (the content and selection events of one keystroke) are sent as one update. */
const UPDATE_DELAY_MS = 0;

interface Surface {
  webview: vscode.Webview;
  ready: boolean;
  /** Last model sent, to skip identical updates. */
  sent: string;
  /** The model the webview holds (sent whole or as a change), which the next one is sent as a change from. */
  holds: { seq: number; kept: SentModel } | undefined;
  /** Its message listener, disposed with the view or panel. */
  listener: vscode.Disposable;
}

export class PreviewController implements vscode.WebviewViewProvider, vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly surfaces = new Set<Surface>();
  private panel: vscode.WebviewPanel | undefined;
  private editor: vscode.TextEditor | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last edit of the followed document reached this extension host (Date.now()), for the e2e. */
  private changedAt = 0;
  /** Numbers the models sent, so that a change names the model it was made against. */
  private sequence = 0;
  /** A model asked for by name (the Preview code lens), shown until the cursor moves. */
  private requested: { uri: string; name: string } | undefined;
  private readonly mediaRoot: vscode.Uri;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: AnalysisStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly focus: ModelFocus,
  ) {
    this.mediaRoot = vscode.Uri.joinPath(extensionUri, 'out', 'webview');
    this.editor = this.followable(vscode.window.activeTextEditor) ?? this.visibleModelEditor();
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(PREVIEW_VIEW, this),
      vscode.window.registerWebviewPanelSerializer(PREVIEW_PANEL, this),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const next = this.followable(editor);
        // Focusing the panel itself leaves no active text editor: keep following the last one.
        if (next) {
          this.editor = next;
          this.update(0);
        }
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length === 0 || !this.follows(event.document)) return;
        this.changedAt = Date.now();
        this.update(UPDATE_DELAY_MS);
      }),
      // Cells added, removed or moved change the notebook's program.
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        if (this.editor && this.store.notebookOf(this.editor.document) === event.notebook) this.update(UPDATE_DELAY_MS);
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor !== this.editor) return;
        if (event.kind !== undefined) this.requested = undefined;
        this.update(UPDATE_DELAY_MS);
      }),
      // After a window reload the restored panel may hold the focus, so no text editor is active: follow a
      // model file that is on screen as soon as the workbench shows one.
      vscode.window.onDidChangeVisibleTextEditors(() => {
        if (this.editor) return;
        this.editor = this.visibleModelEditor();
        if (this.editor) this.update(0);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.editor?.document) {
          this.editor = undefined;
          this.update(0);
        }
      }),
    );
  }

  /** The followed document, or (in a notebook) any cell of its notebook: an edit there changes the program. */
  private follows(document: vscode.TextDocument): boolean {
    const followed = this.editor?.document;
    if (!followed) return false;
    if (document === followed) return true;
    const notebook = this.store.notebookOf(document);
    return notebook !== undefined && notebook === this.store.notebookOf(followed);
  }

  private followable(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
    return editor && isAnalyzable(editor.document) ? editor : undefined;
  }

  private visibleModelEditor(): vscode.TextEditor | undefined {
    return vscode.window.visibleTextEditors.find((editor) => this.followable(editor) !== undefined);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    const surface = this.attach(view.webview);
    view.onDidDispose(() => this.detach(surface));
    view.onDidChangeVisibility(() => {
      if (view.visible) this.update(0);
    });
  }

  /** Restores the panel after a window reload; its webview state (getState) comes back with it. */
  deserializeWebviewPanel(panel: vscode.WebviewPanel): Thenable<void> {
    this.adoptPanel(panel);
    return Promise.resolve();
  }

  /**
   * `Conv Lens: Open Preview`: the panel beside the editor, following the model under the cursor.
   * From the code lens, `uri` and `name` say which model to show first.
   */
  openBeside(uri?: unknown, name?: unknown): void {
    if (uri instanceof vscode.Uri && typeof name === 'string') {
      this.requested = { uri: uri.toString(), name };
      this.update(0);
    }
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PREVIEW_PANEL, 'Conv Lens Preview', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
    this.adoptPanel(panel);
  }

  private options(): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.mediaRoot] };
  }

  private adoptPanel(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'out', 'webview', 'conv-lens.svg');
    const surface = this.attach(panel.webview);
    panel.onDidDispose(() => {
      this.detach(surface);
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private attach(webview: vscode.Webview): Surface {
    webview.options = this.options();
    const nonce = makeNonce();
    webview.html = previewHtml({
      cspSource: webview.cspSource,
      nonce,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'preview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'preview.css')).toString(),
    });
    const handlers: RequestHandlers = {
      pick: ({ kind }) => this.pickFile(kind),
      reopen: ({ kind, uri }) => this.reopenFile(kind, uri),
    };
    // The listener needs the surface and the surface owns the listener: it is set right below.
    const surface: Surface = { webview, ready: false, sent: '', holds: undefined, listener: vscode.Disposable.from() };
    surface.listener = webview.onDidReceiveMessage((message: ViewMessage) => {
      switch (message.type) {
        case 'ready':
        case 'resend':
          surface.ready = true;
          surface.sent = '';
          surface.holds = undefined;
          this.send(surface);
          break;
        case 'reveal': {
          const notebook = message.path === undefined ? vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === message.uri) : undefined;
          if (notebook) void this.revealInNotebook(notebook, message.line, message.character);
          else void this.reveal(message.path === undefined ? message.uri : vscode.Uri.parse(message.uri).with({ path: message.path, query: '', fragment: '' }).toString(), message.line, message.character);
          break;
        }
        case 'request':
          void answerRequest(message, handlers, (response) => void webview.postMessage(response satisfies HostMessage));
          break;
      }
    });
    this.surfaces.add(surface);
    return surface;
  }

  private detach(surface: Surface): void {
    surface.listener.dispose();
    this.surfaces.delete(surface);
    if (this.surfaces.size === 0) this.focus.setPreviewed(undefined);
  }

  private async pickFile(kind: FileKind): Promise<PickedFile | null> {
    const { title, extensions } = FILE_KINDS[kind];
    const glob = `**/*.{${extensions.join(',')}}`;
    const files = await vscode.workspace.findFiles(glob, '**/node_modules/**', 500);
    if (files.length === 0) {
      void vscode.window.showInformationMessage(`Conv Lens: no ${extensions.map((e) => `.${e}`).join(', ')} file in the workspace.`);
      return null;
    }
    const items = files
      .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }))
      .sort((a, b) => a.label.localeCompare(b.label));
    const choice = await vscode.window.showQuickPick(items, { title, placeHolder: 'Type to filter' });
    return choice ? this.readFile(choice.uri) : null;
  }

  /**
   * A file the webview had picked before a reload. The URI comes from the webview's saved state, so it is
   * held to what `pick` could have offered: a file of that kind inside the workspace.
   */
  private async reopenFile(kind: FileKind, text: string): Promise<PickedFile | null> {
    const uri = vscode.Uri.parse(text, true);
    const extension = uri.path.slice(uri.path.lastIndexOf('.') + 1).toLowerCase();
    if (!vscode.workspace.getWorkspaceFolder(uri) || !FILE_KINDS[kind].extensions.includes(extension)) throw new Error(`${text} is not a ${kind} file in this workspace`);
    try {
      return await this.readFile(uri);
    } catch (error) {
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return null;
      throw error;
    }
  }

  private async readFile(uri: vscode.Uri): Promise<PickedFile> {
    const name = vscode.workspace.asRelativePath(uri);
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_FILE_BYTES) throw new Error(`${name} is ${(stat.size / 2 ** 20).toFixed(0)} MiB, over the preview's limit of ${MAX_FILE_BYTES / 2 ** 20} MiB`);
    const bytes = await vscode.workspace.fs.readFile(uri);
    this.log.info(`preview: read ${name} (${bytes.length} bytes)`);
    // A plain Uint8Array (not Node's Buffer, whose toJSON would turn it into a list of numbers) travels as bytes.
    return { name, uri: uri.toString(), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice() };
  }

  private async reveal(uri: string, line: number, character: number): Promise<void> {
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      const position = new vscode.Position(line, character);
      const column = this.editor?.document === document ? this.editor.viewColumn : undefined;
      const editor = await vscode.window.showTextDocument(document, { viewColumn: column ?? vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      this.keepFocus(editor);
    } catch (error) {
      void vscode.window.showErrorMessage(`Conv Lens could not open ${uri}: ${errorMessage(error)}`);
    }
  }

  /** A line of the notebook's program: its cell, selected, with the cursor on that line of the cell. */
  private async revealInNotebook(notebook: vscode.NotebookDocument, line: number, character: number): Promise<void> {
    const code = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code);
    const snapshot = code ? this.store.notebookSnapshot(code.document) : undefined;
    const at = snapshot ? cellPosition(snapshot.program, { line, character }) : undefined;
    if (!at) return;
    const cell = notebook.cellAt(at.cell);
    const position = new vscode.Position(at.position.line, at.position.character);
    const followed = this.editor && this.store.notebookOf(this.editor.document) === notebook ? this.editor.viewColumn : undefined;
    try {
      // The workbench opens a cell's document in its notebook's editor, that cell selected.
      const editor = await vscode.window.showTextDocument(cell.document, { viewColumn: followed ?? vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      this.keepFocus(editor);
    } catch (error) {
      void vscode.window.showErrorMessage(`Conv Lens could not open cell ${at.cell + 1} of ${vscode.workspace.asRelativePath(notebook.uri)}: ${errorMessage(error)}`);
    }
  }

  /** A reveal the panel asked for keeps the editor focused if the panel takes the focus back late (focusGuard.ts). */
  private keepFocus(editor: vscode.TextEditor): void {
    const panel = this.panel;
    if (!panel) return;
    guardFocus(
      (listener) => panel.onDidChangeViewState((e) => { if (e.webviewPanel.active) listener(); }),
      () => void vscode.window.showTextDocument(editor.document, { ...(editor.viewColumn === undefined ? {} : { viewColumn: editor.viewColumn }), selection: editor.selection }),
    );
  }

  private update(delay: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const surface of this.surfaces) this.send(surface);
    }, delay);
  }

  /** The model under the cursor of the followed editor, or why there is none. */
  private current(): { preview: PreviewModel; offset: number } | { reason: string } {
    const editor = this.editor;
    if (!editor) return { reason: 'Open a PyTorch or TensorFlow.js model file to see its layers and feature maps.' };
    const document = editor.document;
    const notebook = this.store.notebookSnapshot(document);
    if (notebook) return this.notebookModel(editor, notebook);
    const analysis = this.store.analysis(document);
    if (!analysis) return { reason: `Conv Lens does not read ${document.languageId} files.` };
    const offset = document.offsetAt(editor.selection.active);
    const requested = this.requested?.uri === document.uri.toString() ? analysis.models.find((m) => m.name === this.requested?.name) : undefined;
    const model = requested ?? modelAt(analysis, offset);
    const name = vscode.workspace.asRelativePath(document.uri);
    if (!model) {
      return { reason: analysis.models.length === 0 ? `No model in ${name}: an nn.Module subclass, nn.Sequential or tf.sequential.` : 'Put the cursor inside the model to preview.' };
    }
    return { preview: { uri: document.uri.toString(), fileName: name, version: document.version, language: analysis.language, model, errors: errorsIn(analysis, model) }, offset };
  }

  /**
   * In a notebook cell: the model the cell defines, builds or calls (else the notebook's model, as for a file), with
   * the input the notebook's later cells give it. Ranges and the cursor are in the notebook's program text.
   */
  private notebookModel(editor: vscode.TextEditor, snapshot: NotebookSnapshot): { preview: PreviewModel; offset: number } | { reason: string } {
    const { notebook, analysis, program, cell } = snapshot;
    const offset = programOffset(program, cell, editor.selection.active) ?? 0;
    const name = vscode.workspace.asRelativePath(notebook.uri);
    const requested = this.requested;
    const asked = requested && (requested.uri === notebook.uri.toString() || notebook.getCells().some((c) => c.document.uri.toString() === requested.uri))
      ? analysis.models.find((m) => m.name === requested.name)
      : undefined;
    // What this cell's editor shows: the models with a definition, layer or call in it.
    const view = this.store.analysis(editor.document);
    const model = asked ?? (view ? cellModelAt(program, analysis, view, cell, editor.selection.active) : modelAt(analysis, offset));
    if (!model) return { reason: analysis.models.length === 0 ? `No model in ${name}: an nn.Module subclass or nn.Sequential in a code cell.` : 'Put the cursor inside the model to preview.' };
    return { preview: { uri: notebook.uri.toString(), fileName: name, version: snapshot.revision, language: analysis.language, model, errors: errorsIn(analysis, model) }, offset };
  }

  private send(surface: Surface): void {
    if (!surface.ready) return;
    const started = performance.now();
    const current = this.current();
    const ms = performance.now() - started;
    this.focus.setPreviewed('reason' in current ? undefined : { uri: current.preview.uri, name: current.preview.model.name });
    if ('reason' in current) {
      if (surface.sent !== current.reason) void surface.webview.postMessage({ type: 'empty', reason: current.reason } satisfies HostMessage);
      surface.sent = current.reason;
      surface.holds = undefined;
      return;
    }
    const key = `${current.preview.uri}@${current.preview.version}#${current.preview.model.name}`;
    if (surface.sent !== key) {
      const { change, kept } = describeChange(surface.holds?.kept, current.preview);
      const seq = ++this.sequence;
      const host = { sentAt: Date.now(), ms, changedAt: this.changedAt };
      void surface.webview.postMessage((change && surface.holds
        ? { type: 'modelChange', seq, base: surface.holds.seq, change, host }
        : { type: 'model', seq, preview: current.preview, host }) satisfies HostMessage);
      surface.sent = key;
      surface.holds = { seq, kept };
    }
    void surface.webview.postMessage({ type: 'cursor', uri: current.preview.uri, offset: current.offset } satisfies HostMessage);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    for (const surface of this.surfaces) surface.listener.dispose();
    this.surfaces.clear();
  }
}

/** The errors found inside the model's own text. */
function errorsIn(analysis: Analysis, model: ModelReport): PreviewModel['errors'] {
  return analysis.findings
    .filter((f) => f.severity === 'error' && f.range.file === undefined && f.range.startOffset >= model.range.startOffset && f.range.startOffset <= model.range.endOffset)
    .map((f) => ({ message: f.message, range: f.range }));
}
