// Above each model: `input [1, 3, 32, 32] -> output [1, 10] · 20.6K params · 0.6M MACs`, and the preview.
import * as vscode from 'vscode';
import { modelSummary } from '../core/presentation';
import { COMMANDS } from './commands';
import type { AnalysisStore } from './store';

export class ModelCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly store: AnalysisStore,
    private enabled: boolean,
  ) {}

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.changed.fire();
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.enabled) return [];
    const analysis = this.store.analysis(document);
    if (!analysis) return [];
    const lenses: vscode.CodeLens[] = [];
    // A block nothing in the file builds gets its symbolic shapes, but no preview beside the model the file builds.
    const builds = analysis.models.some((m) => m.instantiated);
    for (const model of analysis.models) {
      // A notebook's model defined in another cell has its lens there.
      if (model.range.cell !== undefined || model.range.file !== undefined) continue;
      const line = new vscode.Range(model.range.start.line, 0, model.range.start.line, 0);
      lenses.push(
        new vscode.CodeLens(line, {
          title: modelSummary(model, builds),
          tooltip: `Show the layer table of ${model.name}`,
          command: COMMANDS.showLayerTable,
          arguments: [document.uri, model.name],
        }),
      );
      if (builds && !model.instantiated) continue;
      lenses.push(
        new vscode.CodeLens(line, {
          title: 'Preview',
          tooltip: `Open the Conv Lens preview of ${model.name}`,
          command: COMMANDS.openPreview,
          arguments: [document.uri, model.name],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
