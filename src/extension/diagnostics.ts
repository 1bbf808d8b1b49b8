// Findings as diagnostics: on open, as you type (debounced), on save; cleared on close.
import * as vscode from 'vscode';
import { diagnosticMessage, docsAnchor } from '../core/presentation';
import type { Finding, Range } from '../core/types';
import { errorMessage, toRange, toSeverity } from './convert';
import type { AnalysisStore } from './store';
import { isAnalyzable } from './store';

export const DIAGNOSTIC_SOURCE = 'Conv Lens';

export function toDiagnostic(finding: Finding, uri: vscode.Uri, docs: vscode.Uri, cellUri?: (cell: number) => vscode.Uri | undefined): vscode.Diagnostic {
  // Related locations in imported modules keep the document's scheme and authority, with their own path; those in
  // another cell of a notebook point at that cell.
  const uriOf = (r: Range): vscode.Uri =>
    r.file !== undefined ? uri.with({ path: r.file, query: '', fragment: '' }) : r.cell !== undefined ? (cellUri?.(r.cell) ?? uri) : uri;
  const diagnostic = new vscode.Diagnostic(toRange(finding.range), diagnosticMessage(finding), toSeverity(finding.severity));
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.code, target: docs.with({ fragment: docsAnchor(finding.code) }) };
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uriOf(r.range), toRange(r.range)), r.message),
    );
  }
  if (finding.unnecessary) diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
  return diagnostic;
}

export function sameRange(a: Range, b: vscode.Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

export interface AnalyzedEvent {
  document: vscode.TextDocument;
  /** The analysis followed an edit (the editor re-asks its providers after edits by itself). */
  typing: boolean;
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('conv-lens');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly analyzed = new vscode.EventEmitter<AnalyzedEvent>();
  /** Fires after a document's diagnostics were refreshed (the layer table and the code lenses listen). */
  readonly onDidAnalyze = this.analyzed.event;

  constructor(
    private readonly store: AnalysisStore,
    private readonly docs: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private delayMs: number,
  ) {}

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Analyse now (open, save, settings change; `typing` when an edit asked for it). */
  refresh(document: vscode.TextDocument, typing = false): void {
    this.cancel(document.uri);
    if (!isAnalyzable(document)) return;
    try {
      const analysis = this.store.analysis(document);
      if (!analysis) return;
      const cellUri = (cell: number): vscode.Uri | undefined => this.store.notebookOf(document)?.cellAt(cell).document.uri;
      this.collection.set(document.uri, analysis.findings.map((f) => toDiagnostic(f, document.uri, this.docs, cellUri)));
      this.analyzed.fire({ document, typing });
    } catch (error) {
      // One bad file must not take the extension down: say so in the log and keep the last results.
      this.log.error(`analysis failed for ${document.uri.toString()}: ${errorMessage(error)}`);
      if (error instanceof Error && error.stack) this.log.debug(error.stack);
    }
  }

  /** Analyse once typing pauses; with no delay, at once, without a timer round trip. */
  schedule(document: vscode.TextDocument): void {
    if (!isAnalyzable(document)) return;
    if (this.delayMs === 0) {
      this.refresh(document, true);
      return;
    }
    this.cancel(document.uri);
    const key = document.uri.toString();
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!document.isClosed) this.refresh(document, true);
      }, this.delayMs),
    );
  }

  clear(uri: vscode.Uri): void {
    this.cancel(uri);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.collection.dispose();
    this.analyzed.dispose();
  }

  private cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
  }
}
