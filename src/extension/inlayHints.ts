// The shape after each statement that produces a tensor (`x = self.conv1(x)  → [1, 16, 32, 32]`).
import * as vscode from 'vscode';
import { shapeHints } from '../core/presentation';
import type { ModelFocus } from './focus';
import type { AnalysisStore } from './store';

export class ShapeInlayHintsProvider implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  private readonly focusListener: vscode.Disposable;

  constructor(
    private readonly store: AnalysisStore,
    private enabled: boolean,
    private readonly focus: ModelFocus,
  ) {
    // Another model in view: a block's hints show its shapes.
    this.focusListener = focus.onDidChange(() => this.changed.fire());
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.changed.fire();
  }

  refresh(): void {
    this.changed.fire();
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!this.enabled) return [];
    const analysis = this.store.analysis(document);
    if (!analysis) return [];
    const hints: vscode.InlayHint[] = [];
    for (const { position, label, tooltip } of shapeHints(analysis, this.focus.modelFor(document))) {
      const end = new vscode.Position(position.line, position.character);
      if (!range.contains(end)) continue;
      const hint = new vscode.InlayHint(end, label, vscode.InlayHintKind.Type);
      if (tooltip !== '') hint.tooltip = new vscode.MarkdownString(tooltip);
      hint.paddingLeft = true;
      hints.push(hint);
    }
    return hints;
  }

  dispose(): void {
    this.focusListener.dispose();
    this.changed.dispose();
  }
}
