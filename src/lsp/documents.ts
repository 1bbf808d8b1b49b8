// The open documents: the client's text (incremental sync) and, for Python/TS/JS, the core's AnalyzedDocument
// fed the same edits, so a keystroke reparses only what changed. Analyses are cached per version and settings.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { AnalyzedDocument, sourceLanguageOf, type Analysis, type AnalyzeOptions, type ContentChange } from '../core';

/** Client language ids are compared in lower case (some editors send `Python`). */
export function analyzableLanguage(languageId: string): string | undefined {
  const id = languageId.toLowerCase();
  return sourceLanguageOf(id) ? id : undefined;
}

interface OpenDocument {
  text: TextDocument;
  core: AnalyzedDocument | undefined;
  analysis: Analysis | undefined;
  analyzedVersion: number;
  analyzedGeneration: number;
}

export class DocumentStore {
  private readonly open = new Map<string, OpenDocument>();
  /** Bumped when settings change, so cached analyses are recomputed. */
  private generation = 0;

  constructor(private options: AnalyzeOptions) {}

  setOptions(options: AnalyzeOptions): void {
    this.options = options;
    this.generation++;
  }

  didOpen(uri: string, languageId: string, version: number, text: string): void {
    this.didClose(uri);
    const lang = analyzableLanguage(languageId);
    this.open.set(uri, {
      text: TextDocument.create(uri, languageId, version, text),
      core: lang ? new AnalyzedDocument(lang, text) : undefined,
      analysis: undefined,
      analyzedVersion: -1,
      analyzedGeneration: -1,
    });
  }

  /** Applies the client's changes in order; each range refers to the text after the changes before it. */
  didChange(uri: string, version: number, changes: ReadonlyArray<TextDocumentContentChangeEvent>): boolean {
    const doc = this.open.get(uri);
    if (!doc) return false;
    const edits: ContentChange[] = [];
    let replaced = false;
    for (const change of changes) {
      if ('range' in change) {
        // A reversed range is read start-first, as TextDocument.update reads it.
        const a = doc.text.offsetAt(change.range.start);
        const b = doc.text.offsetAt(change.range.end);
        edits.push({ rangeOffset: Math.min(a, b), rangeLength: Math.abs(b - a), text: change.text });
      } else {
        replaced = true;
      }
      TextDocument.update(doc.text, [change], version);
    }
    if (doc.core) {
      if (replaced) doc.core.setText(doc.text.getText());
      else doc.core.applyEdits(edits);
      // Never analyse text the editor does not show: start over if the two ever disagree.
      if (doc.core.text !== doc.text.getText()) doc.core.setText(doc.text.getText());
    }
    return true;
  }

  didClose(uri: string): void {
    this.open.get(uri)?.core?.dispose();
    this.open.delete(uri);
  }

  get(uri: string): TextDocument | undefined {
    return this.open.get(uri)?.text;
  }

  uris(): string[] {
    return [...this.open.keys()];
  }

  /** The current analysis, computed now if stale; undefined for documents that are not Python/TS/JS. */
  analysis(uri: string): Analysis | undefined {
    const doc = this.open.get(uri);
    if (!doc?.core) return undefined;
    if (doc.analysis && doc.analyzedVersion === doc.text.version && doc.analyzedGeneration === this.generation) return doc.analysis;
    doc.analysis = doc.core.analyze(this.options);
    doc.analyzedVersion = doc.text.version;
    doc.analyzedGeneration = this.generation;
    return doc.analysis;
  }

  dispose(): void {
    for (const uri of this.uris()) this.didClose(uri);
  }
}
