// The open documents: the client's text (incremental sync) and, for Python/TS/JS, the core's AnalyzedDocument
// fed the same edits, so a keystroke reparses only what changed. Analyses are cached per version and settings.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { fileURLToPath } from 'node:url';
import { AnalyzedDocument, Program, sourceLanguageOf, type Analysis, type AnalyzeOptions, type ContentChange } from '../core';

/** The program path of a document: a file URI's path; other schemes' documents do not follow imports. */
export function pathOfUri(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri).replace(/\\/g, '/');
  } catch {
    return undefined;
  }
}

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

  private readonly loading = new Set<string>();

  /**
   * `program` reads what the documents import (their unsaved text wins over the disk); `importsRead` is called
   * when a document's imports were read after an analysis that lacked them, so its results can be sent again.
   */
  constructor(
    private options: AnalyzeOptions,
    readonly program: Program,
    private readonly importsRead: (uri: string) => void,
  ) {}

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
    const path = pathOfUri(uri);
    if (path !== undefined && lang === 'python') this.program.setOverlay(path, text);
  }

  /** Open documents whose last analysis read this one: they are analysed again after it changes. */
  dependentsOf(uri: string): string[] {
    const path = pathOfUri(uri);
    if (path === undefined) return [];
    const deps = new Set(this.program.dependentsOf(path));
    const out = this.uris().filter((u) => {
      const p = pathOfUri(u);
      return p !== undefined && deps.has(p);
    });
    for (const u of out) {
      const d = this.open.get(u);
      if (d) d.analyzedVersion = -1;
    }
    return out;
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
      const path = pathOfUri(uri);
      if (path !== undefined && doc.core.language === 'python') this.program.setOverlay(path, doc.text.getText());
    }
    return true;
  }

  didClose(uri: string): void {
    const path = pathOfUri(uri);
    if (path !== undefined && this.open.has(uri)) {
      this.program.clearOverlay(path);
      this.program.forget(path);
    }
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
    const path = pathOfUri(uri);
    const { analysis, pending } = this.program.analyzeNow(doc.core, path, this.options);
    doc.analysis = analysis;
    if (pending) this.readImports(uri, doc.core, path);
    doc.analyzedVersion = doc.text.version;
    doc.analyzedGeneration = this.generation;
    return doc.analysis;
  }

  private readImports(uri: string, core: AnalyzedDocument, path: string | undefined): void {
    if (this.loading.has(uri)) return;
    this.loading.add(uri);
    void this.program.readImports(core, path).catch(() => undefined).then(() => {
      this.loading.delete(uri);
      const doc = this.open.get(uri);
      if (!doc || doc.core !== core) return;
      doc.analyzedVersion = -1;
      this.importsRead(uri);
    });
  }

  dispose(): void {
    for (const uri of this.uris()) this.didClose(uri);
    this.program.dispose();
  }
}
