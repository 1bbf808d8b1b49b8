// A document the editor keeps open: its text, its parse tree (reparsed incrementally on edits) and its analysis.
import { Edit, type Parser, type Tree } from 'web-tree-sitter';
import { commentsIn, createParser, lineStartsOf, positionAt, toSyntax, type SourceLanguage, type SyntaxNode } from './syntax';
import { analyzePython, type AnalyzeOptions } from './python/models';
import { analyzeTypeScript } from './tfjs/analyze';
import type { Analysis } from './types';

export interface ContentChange {
  /** Offset (UTF-16) where the replaced text starts, in the text before this change. */
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** Larger files are parsed but not interpreted: a clear note instead of a slow editor. */
const MAX_ANALYZED_LENGTH = 2_000_000;

export function sourceLanguageOf(languageId: string): SourceLanguage | undefined {
  switch (languageId) {
    case 'python':
      return 'python';
    case 'typescript':
    case 'javascript':
      return 'typescript';
    case 'typescriptreact':
    case 'javascriptreact':
      return 'tsx';
    default:
      return undefined;
  }
}

export class AnalyzedDocument {
  private parser: Parser;
  private tree: Tree | null;
  private syntax: SyntaxNode | undefined;
  /** The last conversion, whose unchanged statements the next one reuses. */
  private lastSyntax: SyntaxNode | undefined;
  private currentText: string;
  readonly language: SourceLanguage;

  constructor(languageId: string, text: string) {
    const lang = sourceLanguageOf(languageId);
    if (!lang) throw new Error(`Conv Lens does not analyse ${languageId} files`);
    this.language = lang;
    this.parser = createParser(lang);
    this.currentText = text;
    this.tree = this.parser.parse(text);
  }

  get text(): string {
    return this.currentText;
  }

  /** Applies VS Code content changes (in the order VS Code reports them) and reparses incrementally. */
  applyEdits(changes: ReadonlyArray<ContentChange>): void {
    let text = this.currentText;
    for (const ch of changes) {
      const lineStarts = lineStartsOf(text);
      const start = ch.rangeOffset;
      const oldEnd = ch.rangeOffset + ch.rangeLength;
      const newText = text.slice(0, start) + ch.text + text.slice(oldEnd);
      const newEnd = start + ch.text.length;
      const newLineStarts = ch.text.includes('\n') ? lineStartsOf(newText) : lineStarts;
      const sp = positionAt(lineStarts, start);
      const op = positionAt(lineStarts, oldEnd);
      const np = positionAt(newLineStarts, newEnd);
      this.tree?.edit(new Edit({
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: newEnd,
        startPosition: { row: sp.line, column: sp.character },
        oldEndPosition: { row: op.line, column: op.character },
        newEndPosition: { row: np.line, column: np.character },
      }));
      text = newText;
    }
    this.currentText = text;
    const next = this.parser.parse(text, this.tree);
    this.tree?.delete();
    this.tree = next;
    this.syntax = undefined;
  }

  /** Replaces the whole text (full reparse). */
  setText(text: string): void {
    this.currentText = text;
    this.tree?.delete();
    this.tree = this.parser.parse(text);
    this.syntax = undefined;
  }

  private syntaxTree(): SyntaxNode | undefined {
    if (!this.syntax && this.tree) {
      this.syntax = toSyntax(this.tree, this.currentText, this.lastSyntax);
      this.lastSyntax = this.syntax;
    }
    return this.syntax;
  }

  analyze(options: AnalyzeOptions = {}): Analysis {
    const language = this.language === 'python' ? 'python' : 'typescript';
    if (this.currentText.length > MAX_ANALYZED_LENGTH) {
      return { language, models: [], findings: [], sites: [], notes: [`the file is larger than ${MAX_ANALYZED_LENGTH / 1e6} MB: Conv Lens does not analyse it`] };
    }
    const root = this.syntaxTree();
    if (!root) return { language, models: [], findings: [], sites: [], notes: ['the file could not be parsed'] };
    const comments = commentsOf(root);
    return language === 'python'
      ? analyzePython(root, this.currentText, comments, options, this.parseConstructions(options.construct))
      : analyzeTypeScript(root, this.currentText, comments, options);
  }

  /** Parses the Python expressions given to build models (the CLI's --construct). */
  private parseConstructions(construct: Record<string, string> | undefined): Record<string, SyntaxNode> {
    const out: Record<string, SyntaxNode> = {};
    for (const [name, expr] of Object.entries(construct ?? {})) {
      const tree = this.parser.parse(expr);
      if (!tree) continue;
      const stmt = toSyntax(tree, expr).children[0];
      tree.delete();
      const node = stmt?.type === 'expression_statement' ? stmt.children[0] : undefined;
      if (node) out[name] = node;
    }
    return out;
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.parser.delete();
  }
}

/** Comments in source order: each top-level statement's, as its conversion found them (reused statements keep theirs). */
function commentsOf(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const top of root.children) out.push(...commentsIn(top));
  return out.sort((a, b) => a.start - b.start);
}
