// The findings' ready-made fixes as quick fixes; the clearly right one is preferred.
import * as vscode from 'vscode';
import { fixesAt } from '../core/presentation';
import type { Finding } from '../core/types';
import { toRange } from './convert';
import { DIAGNOSTIC_SOURCE, sameRange } from './diagnostics';
import type { AnalysisStore } from './store';

export class FixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly store: AnalysisStore) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const analysis = this.store.analysis(document);
    if (!analysis) return [];
    const actions: vscode.CodeAction[] = [];
    for (const { finding, fix } of fixesAt(analysis, range)) {
      // Edits in another notebook cell or file would land in this document at the wrong place.
      if (fix.edits.some((e) => e.range.cell !== undefined || e.range.file !== undefined)) continue;
      const diagnostic = context.diagnostics.find((d) => matches(d, finding));
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      const edit = new vscode.WorkspaceEdit();
      for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
      action.edit = edit;
      action.isPreferred = fix.preferred;
      if (diagnostic) action.diagnostics = [diagnostic];
      actions.push(action);
    }
    return actions;
  }
}

function matches(diagnostic: vscode.Diagnostic, finding: Finding): boolean {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return diagnostic.source === DIAGNOSTIC_SOURCE && code === finding.code && sameRange(finding.range, diagnostic.range);
}
