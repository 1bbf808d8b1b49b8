// Hover on a layer (shapes, formula, params, MACs, receptive field) or on a tensor variable (its shape).
import * as vscode from 'vscode';
import { findHoverTarget, hoverMarkdown } from '../core/presentation';
import { toRange } from './convert';
import type { AnalysisStore } from './store';

export class ShapeHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: AnalysisStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.store.analysis(document);
    if (!analysis) return undefined;
    const wordRange = document.getWordRangeAtPosition(position);
    const word = wordRange
      ? { text: document.getText(wordRange), startOffset: document.offsetAt(wordRange.start), endOffset: document.offsetAt(wordRange.end) }
      : undefined;
    const target = findHoverTarget(analysis, document.offsetAt(position), word);
    if (!target) return undefined;
    const markdown = new vscode.MarkdownString(hoverMarkdown(target));
    return new vscode.Hover(markdown, wordRange ?? toRange(target.range));
  }
}
