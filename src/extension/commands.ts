// Commands: the layer table, writing the input-shape comment, the log.
import * as vscode from 'vscode';
import { findForward, formatShape, layerTableMarkdown, modelAt, parseShapeInput, shapeCommentEdit } from '../core/presentation';
import type { Analysis, DimJSON, ModelReport } from '../core/types';
import { readSettings } from './config';
import type { AnalysisStore } from './store';

export const COMMANDS = {
  showLayerTable: 'convLens.showLayerTable',
  openPreview: 'convLens.openPreview',
  setInputShape: 'convLens.setInputShape',
  showLog: 'convLens.showLog',
} as const;

export const TABLE_SCHEME = 'conv-lens';

/** `conv-lens:/Net.md?<source uri>#Net`: the table of one model, regenerated from the live analysis. */
export function layerTableUri(source: vscode.Uri, model: string): vscode.Uri {
  const file = `${model.replace(/[^\w.-]+/g, '_')}.md`;
  return vscode.Uri.from({ scheme: TABLE_SCHEME, path: `/${file}`, query: source.toString(), fragment: model });
}

export class LayerTableProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: AnalysisStore) {}

  /** The source document was re-analysed: refresh any table showing it. */
  sourceChanged(source: vscode.Uri): void {
    const key = source.toString();
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === TABLE_SCHEME && doc.uri.query === key) this.changed.fire(doc.uri);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const source = vscode.Uri.parse(uri.query);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === source.toString());
    if (!document) return `The file ${source.toString()} is no longer open.\n`;
    const model = this.store.analysis(document)?.models.find((m) => m.name === uri.fragment);
    if (!model) return `There is no model named ${uri.fragment} in ${vscode.workspace.asRelativePath(source)} any more.\n`;
    return layerTableMarkdown(model, vscode.workspace.asRelativePath(source));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

interface Located {
  document: vscode.TextDocument;
  analysis: Analysis;
  model: ModelReport;
}

/** The model a command is about: given by name (code lens) or the one under the cursor. */
async function locateModel(store: AnalysisStore, uri: unknown, name: unknown): Promise<Located | undefined> {
  const editor = vscode.window.activeTextEditor;
  const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
  if (!document) {
    void vscode.window.showWarningMessage('Conv Lens: open a PyTorch or TensorFlow.js model file first.');
    return undefined;
  }
  const analysis = store.analysis(document);
  if (!analysis) {
    void vscode.window.showWarningMessage(`Conv Lens reads Python and TypeScript/JavaScript files, not ${document.languageId}.`);
    return undefined;
  }
  const offset = editor && editor.document === document ? document.offsetAt(editor.selection.active) : 0;
  const model = typeof name === 'string' ? analysis.models.find((m) => m.name === name) : modelAt(analysis, offset);
  if (!model) {
    void vscode.window.showWarningMessage(
      analysis.models.length === 0
        ? `Conv Lens found no model in ${vscode.workspace.asRelativePath(document.uri)}: an nn.Module subclass, nn.Sequential or tf.sequential.`
        : 'Conv Lens: put the cursor inside the model you mean.',
    );
    return undefined;
  }
  return { document, analysis, model };
}

/** The built-in Markdown preview (desktop and web): it renders the table and follows the document's changes. */
const MARKDOWN_PREVIEW = 'markdown.showPreviewToSide';

/** The layer table of the model, rendered beside the editor; the Markdown source only when no Markdown preview exists. */
export async function showLayerTable(store: AnalysisStore, uri?: unknown, name?: unknown): Promise<void> {
  const located = await locateModel(store, uri, name);
  if (!located) return;
  const tableUri = layerTableUri(located.document.uri, located.model.name);
  // Opened first so that the content provider's changes reach the preview as document changes.
  const table = await vscode.workspace.openTextDocument(tableUri);
  try {
    // Executing it activates the Markdown extension when it is not yet (getCommands would not list it then).
    await vscode.commands.executeCommand(MARKDOWN_PREVIEW, tableUri);
  } catch {
    await vscode.window.showTextDocument(table, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }
}

function defaultShapeText(model: ModelReport, index: number, fallback: DimJSON[]): string {
  const current = model.input[index];
  if (current && model.inputSource !== 'symbolic') return formatShape(current);
  return formatShape(fallback.length > 0 ? fallback : [1, 3, 32, 32]);
}

/**
 * Writes `# x: [1, 3, 32, 32]` above `def forward` of the model under the cursor.
 * `shapes` (one per forward input, e.g. ["[1, 3, 32, 32]"]) skips the prompt; tests and keybindings use it.
 */
export async function setInputShape(store: AnalysisStore, uri?: unknown, name?: unknown, shapes?: unknown): Promise<boolean> {
  const located = await locateModel(store, uri, name);
  if (!located) return false;
  const { document, model } = located;
  if (document.languageId !== 'python') {
    void vscode.window.showWarningMessage(
      'Conv Lens: in TensorFlow.js models the input shape is the first layer\'s inputShape (or batchInputShape); set it there.',
    );
    return false;
  }
  const text = document.getText();
  const forward = findForward(text, model);
  if (!forward || forward.params.length === 0) {
    void vscode.window.showWarningMessage(`Conv Lens: ${model.name} has no \`def forward(self, x)\` to annotate.`);
    return false;
  }
  const given = Array.isArray(shapes) ? shapes.filter((s): s is string => typeof s === 'string') : [];
  const fallback = readSettings(document.uri).defaultInputShape;
  const chosen: DimJSON[][] = [];
  for (const [i, param] of forward.params.entries()) {
    const raw =
      given[i] ??
      (await vscode.window.showInputBox({
        title: `Input shape of ${model.name}.forward(${param})`,
        prompt: 'Dimensions, batch first: [1, 3, 32, 32]. Names such as B stand for any size.',
        value: defaultShapeText(model, i, fallback),
        validateInput: (value) => {
          const parsed = parseShapeInput(value);
          return 'error' in parsed ? parsed.error : undefined;
        },
      }));
    if (raw === undefined) return false;
    const parsed = parseShapeInput(raw);
    if ('error' in parsed) {
      void vscode.window.showErrorMessage(`Conv Lens: ${parsed.error}`);
      return false;
    }
    chosen.push(parsed.shape);
    // Only the first input is asked for unless more were given: most models take one tensor.
    if (given.length === 0) break;
  }
  const edit = new vscode.WorkspaceEdit();
  chosen.forEach((shape, i) => {
    const param = forward.params[i];
    if (param === undefined) return;
    const e = shapeCommentEdit(text, forward, param, shape);
    edit.replace(document.uri, new vscode.Range(document.positionAt(e.startOffset), document.positionAt(e.endOffset)), e.newText);
  });
  return vscode.workspace.applyEdit(edit);
}
