// Core values to LSP values. Both speak 0-based lines and UTF-16 columns, so ranges copy across.
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type Range as LspRange } from 'vscode-languageserver';
import { diagnosticMessage, docsAnchor } from '../core/presentation';
import type { Finding, Range, Severity } from '../core/types';

export const DIAGNOSTIC_SOURCE = 'Conv Lens';

export function toLspRange(range: Range): LspRange {
  return { start: { ...range.start }, end: { ...range.end } };
}

export function toSeverity(severity: Severity): DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'info':
      return DiagnosticSeverity.Information;
  }
}

/**
 * `docsUrl` is the README the codes are explained in; each code links to its anchor there. `cellUri` gives the URI of
 * another cell of the document's notebook.
 */
export function toDiagnostic(finding: Finding, uri: string, docsUrl: string, cellUri?: (cell: number) => string | undefined): Diagnostic {
  const diagnostic: Diagnostic = {
    range: toLspRange(finding.range),
    severity: toSeverity(finding.severity),
    code: finding.code,
    codeDescription: { href: `${docsUrl}#${docsAnchor(finding.code)}` },
    source: DIAGNOSTIC_SOURCE,
    message: diagnosticMessage(finding),
  };
  if (finding.related.length > 0) {
    // A related location in an imported module is in that module's file; one in another notebook cell, in that cell.
    const uriOf = (r: Range): string => r.file !== undefined ? pathToFileURL(r.file).href : r.cell !== undefined ? (cellUri?.(r.cell) ?? uri) : uri;
    diagnostic.relatedInformation = finding.related.map((r) => ({ location: { uri: uriOf(r.range), range: toLspRange(r.range) }, message: r.message }));
  }
  if (finding.unnecessary) diagnostic.tags = [DiagnosticTag.Unnecessary];
  return diagnostic;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
