// One AnalyzedDocument per open editor document, fed VS Code's incremental edits.
// Analysis is synchronous and cached per document version, so every provider can ask for it.
import * as vscode from 'vscode';
import { AnalyzedDocument } from '../core';
import type { Analysis } from '../core/types';
import type { Settings } from './config';

export const LANGUAGES = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'] as const;
export const SELECTOR: vscode.DocumentSelector = LANGUAGES.map((language) => ({ language }));

/** Documents that are views of something else (diffs, output) get no analysis of their own. */
const IGNORED_SCHEMES = new Set(['git', 'output', 'vscode-scm', 'conv-lens']);

export function isAnalyzable(document: vscode.TextDocument): boolean {
  return (LANGUAGES as readonly string[]).includes(document.languageId) && !IGNORED_SCHEMES.has(document.uri.scheme);
}

interface Entry {
  core: AnalyzedDocument;
  languageId: string;
  /** Document version the core text corresponds to. */
  version: number;
  analysis: Analysis | undefined;
  analyzedVersion: number;
  analyzedGeneration: number;
}

export class AnalysisStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  /** Bumped when settings that change results change, so cached analyses are recomputed. */
  private generation = 0;

  constructor(
    private settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.generation++;
  }

  /** Applies an edit event; falls back to a fresh document when versions got out of step. */
  applyChange(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const entry = this.entries.get(key);
    // No entry yet, or already caught up by a resynchronisation: nothing to apply.
    if (!entry || event.contentChanges.length === 0 || event.document.version <= entry.version) return;
    if (entry.languageId !== event.document.languageId) {
      this.forget(event.document);
      return;
    }
    entry.core.applyEdits(event.contentChanges);
    entry.version = event.document.version;
  }

  /** The current analysis of the document (computed now if the cached one is stale). */
  analysis(document: vscode.TextDocument): Analysis | undefined {
    if (!isAnalyzable(document)) return undefined;
    const entry = this.entryFor(document);
    if (entry.analysis && entry.analyzedVersion === document.version && entry.analyzedGeneration === this.generation) {
      return entry.analysis;
    }
    const started = performance.now();
    const defaultInput = this.settings.defaultInputShape;
    const analysis = entry.core.analyze(defaultInput.length > 0 ? { defaultInput } : {});
    entry.analysis = analysis;
    entry.analyzedVersion = document.version;
    entry.analyzedGeneration = this.generation;
    const ms = performance.now() - started;
    if (ms > 100) this.log.warn(`analysis of ${document.uri.fsPath || document.uri.toString()} took ${ms.toFixed(1)} ms`);
    for (const note of analysis.notes) this.log.debug(`${document.uri.toString()}: ${note}`);
    return analysis;
  }

  forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.entries.get(key)?.core.dispose();
    this.entries.delete(key);
  }

  dispose(): void {
    for (const entry of this.entries.values()) entry.core.dispose();
    this.entries.clear();
  }

  private entryFor(document: vscode.TextDocument): Entry {
    const key = document.uri.toString();
    let entry = this.entries.get(key);
    // A missed event would leave the core's text behind the editor's: start over from the editor's text.
    if (entry && entry.version !== document.version && entry.core.text !== document.getText()) {
      this.log.warn(`resynchronising ${key} (version ${entry.version} -> ${document.version})`);
      this.forget(document);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        core: new AnalyzedDocument(document.languageId, document.getText()),
        languageId: document.languageId,
        version: document.version,
        analysis: undefined,
        analyzedVersion: -1,
        analyzedGeneration: -1,
      };
      this.entries.set(key, entry);
    }
    entry.version = document.version;
    return entry;
  }
}
