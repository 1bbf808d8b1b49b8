// The model the user is looking at in a document: the one the preview shows, else the one under the cursor.
// Inlay hints in a block several models (or call sites) share show that model's shapes.
import * as vscode from 'vscode';
import { cellModelAt, modelAt } from '../core/presentation';
import type { AnalysisStore } from './store';

export class ModelFocus implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private previewed: { uri: string; name: string } | undefined;
  /** The last model under the cursor per document, to fire only when it changes. */
  private readonly atCursor = new Map<string, string | undefined>();
  private readonly listener: vscode.Disposable;

  constructor(private readonly store: AnalysisStore) {
    this.listener = vscode.window.onDidChangeTextEditorSelection((event) => {
      const key = event.textEditor.document.uri.toString();
      const name = this.cursorModel(event.textEditor);
      if (this.atCursor.has(key) && this.atCursor.get(key) === name) return;
      this.atCursor.set(key, name);
      this.changed.fire();
    });
  }

  /** The preview shows this model (undefined: it shows none). */
  setPreviewed(model: { uri: string; name: string } | undefined): void {
    if (model?.uri === this.previewed?.uri && model?.name === this.previewed?.name) return;
    this.previewed = model;
    this.changed.fire();
  }

  private cursorModel(editor: vscode.TextEditor): string | undefined {
    // The last analysis: a keystroke moves the cursor too, and must not cost an analysis before the debounce.
    // In a notebook cell, in the notebook's program coordinates, as the preview chooses.
    const nb = this.store.lastNotebookView(editor.document);
    if (nb) return cellModelAt(nb.program, nb.analysis, nb.view, nb.cell, editor.selection.active)?.name;
    const analysis = this.store.lastAnalysis(editor.document);
    return analysis ? modelAt(analysis, editor.document.offsetAt(editor.selection.active))?.name : undefined;
  }

  /** The model to show shapes for in this document, or undefined for all of them. */
  modelFor(document: vscode.TextDocument): string | undefined {
    // The preview names a notebook by the notebook's URI: every cell shows its model.
    const uri = (this.store.notebookOf(document)?.uri ?? document.uri).toString();
    if (this.previewed?.uri === uri) return this.previewed.name;
    const active = vscode.window.activeTextEditor;
    const editor = active?.document === document ? active : vscode.window.visibleTextEditors.find((e) => e.document === document);
    return editor ? this.cursorModel(editor) : undefined;
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}
