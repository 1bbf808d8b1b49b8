// A program: the documents the user analyses and the modules they import, read through one host. It owns what
// was read and parsed (one cached parse per module), knows which files each document's analysis used, and
// analyses a document in rounds: each round runs the interpreter over what is read; the imports it reached that
// are not read yet are read, and the next round sees them.
import type { Parser } from 'web-tree-sitter';
import { createParser, toSyntax, type SyntaxNode } from '../syntax';
import type { AnalyzedDocument } from '../document';
import type { AnalyzeOptions } from '../python/models';
import type { ExecutedModule, ImportContext } from '../python/imports';
import type { Analysis } from '../types';
import { FileCache } from './file-cache';
import { dirname, type FileHost } from './host';
import { ImportResolver } from './resolver';
import { prefetchStep, type ScannedImports } from './prefetch';

export interface ProgramOptions {
  host: FileHost;
  /** Workspace folders: absolute imports are searched from the document's folder up to these, then in them. */
  projectRoots?: string[];
  /** The Python environment's site-packages folders, searched after the project. */
  sitePackages?: string[];
}

/** Imports nest; a program that needs more rounds than this is cut off (its deepest names stay unknown). */
const MAX_ROUNDS = 40;

export class Program {
  readonly files: FileCache;
  private projectRoots: string[];
  private sitePackages: string[];
  private parser: Parser | undefined;
  private readonly parsed = new Map<string, { text: string; root: SyntaxNode } | null>();
  /** The files each document's last analysis read. */
  private readonly usedBy = new Map<string, ReadonlySet<string>>();
  /** Modules run by earlier analyses, per set of search folders (a module's imports resolve against them). */
  private readonly executed = new Map<string, Map<string, ExecutedModule>>();
  /** Which names each star-imported file's text mentions (see ImportContext.mentions). */
  private readonly mentions = new Map<string, { text: string; names: Map<string, boolean> }>();
  /** The star-imported files each document's last analysis wanted to look names up in. */
  private readonly starLookups = new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
  /** Each read file's top-level imports, for reading ahead. */
  private readonly scannedImports = new Map<string, ScannedImports>();

  constructor(options: ProgramOptions) {
    this.files = new FileCache(options.host);
    this.projectRoots = options.projectRoots ?? [];
    this.sitePackages = options.sitePackages ?? [];
  }

  setProjectRoots(paths: string[]): void {
    this.projectRoots = paths;
    this.executed.clear();
  }

  setSitePackages(paths: string[]): void {
    this.sitePackages = paths;
    this.files.clear();
    this.executed.clear();
  }

  /** Modules run from a file that changed, or that read it, must run again. */
  private forgetRunsOf(file: string): void {
    for (const runs of this.executed.values()) for (const [f, e] of runs) if (f === file || e.deps.has(file)) runs.delete(f);
  }

  /** Analyses a document of the program, reading whatever its imports reach. */
  async analyze(doc: AnalyzedDocument, path: string | undefined, options: AnalyzeOptions = {}): Promise<Analysis> {
    let result = this.analyzeNow(doc, path, options);
    for (let round = 1; result.pending && round < MAX_ROUNDS; round++) {
      await this.readImports(doc, path);
      result = this.analyzeNow(doc, path, options);
    }
    return result.analysis;
  }

  /** Reads what the last round wanted, and ahead along top-level imports, so the next round sees more. */
  async readImports(doc: AnalyzedDocument, path: string | undefined): Promise<void> {
    const resolver = new ImportResolver(this.files, this.searchRoots(path));
    const done = new Set<string>();
    // Ahead of the modules the last round ran or will run, not of every file read: a module read only to see whether
    // a star import's name is in it (torchvision.models' 16 model files, for resnet18) brings nothing of its imports.
    const ran = path === undefined ? undefined : this.usedBy.get(path);
    const stars = path === undefined ? undefined : this.starLookups.get(path);
    const willRun = (file: string, text: string): boolean => {
      if (!ran || ran.has(file)) return true;
      const names = stars?.get(file);
      return names !== undefined && (text.includes('import *') || [...names].some((n) => text.includes(n)));
    };
    for (let step = 0; step < MAX_ROUNDS && this.files.hasWanted; step++) {
      await this.files.loadWanted();
      const read = [...this.files.readFiles()].filter(([f, t]) => willRun(f, t));
      prefetchStep(this.files, resolver, path === undefined ? read : [[path, doc.text], ...read], done, this.scannedImports);
    }
  }

  /**
   * One round with what has been read so far: exact for everything already read; `pending` says that imports
   * reached files not read yet (their names are unknown in this result, never wrong).
   */
  analyzeNow(doc: AnalyzedDocument, path: string | undefined, options: AnalyzeOptions = {}): { analysis: Analysis; pending: boolean } {
    if (doc.language !== 'python') return { analysis: doc.analyze(options), pending: false };
    const roots = this.searchRoots(path);
    const key = roots.join('\n');
    let executed = this.executed.get(key);
    if (!executed) this.executed.set(key, (executed = new Map()));
    const ctx: ImportContext = {
      resolver: new ImportResolver(this.files, roots),
      source: (file) => this.source(file),
      text: (file) => this.files.text(file),
      rootFile: path,
      executed,
      mentions: this.mentions,
    };
    // A file of an installed package (opened from site-packages) is library code: errors only (AnalyzeOptions.library).
    const library = options.library ?? (path !== undefined && isInstalledPackageFile(path, this.sitePackages));
    const analysis = doc.analyze({ ...options, imports: ctx, ...(library ? { library } : {}) });
    const outcome = ctx.outcome;
    if (path !== undefined && outcome) {
      this.usedBy.set(path, outcome.used);
      this.starLookups.set(path, outcome.starLookups);
    }
    return { analysis, pending: (outcome?.pending ?? false) && this.files.hasWanted };
  }

  /** Documents whose last analysis read `file`: they must be analysed again when it changes. */
  dependentsOf(file: string): string[] {
    const out: string[] = [];
    for (const [doc, used] of this.usedBy) if (doc !== file && used.has(file)) out.push(doc);
    return out;
  }

  /** A file changed on disk; `createdOrDeleted` when it appeared or went away. */
  fileChanged(file: string, createdOrDeleted: boolean): void {
    this.files.invalidate(file);
    this.files.invalidate(dirname(file));
    this.parsed.delete(file);
    this.scannedImports.delete(file);
    this.mentions.delete(file);
    // A new or deleted file can change what any import resolves to.
    if (createdOrDeleted) this.executed.clear();
    else this.forgetRunsOf(file);
  }

  /** An open document's text is what its importers see, saved or not. */
  setOverlay(file: string, text: string): void {
    if (this.files.peek(file) === text) return;
    this.files.setOverlay(file, text);
    this.forgetRunsOf(file);
  }

  clearOverlay(file: string): void {
    this.files.clearOverlay(file);
    this.forgetRunsOf(file);
  }

  forget(doc: string): void {
    this.usedBy.delete(doc);
    this.starLookups.delete(doc);
  }

  dispose(): void {
    this.parser?.delete();
    this.parser = undefined;
  }

  /** The document's folder, its parents up to the workspace folder it is in, the workspace folders, site-packages. */
  private searchRoots(path: string | undefined): string[] {
    const roots: string[] = [];
    if (path !== undefined) {
      const inside = this.projectRoots.find((r) => path.startsWith(r.endsWith('/') ? r : `${r}/`));
      for (let d = dirname(path); ; d = dirname(d)) {
        roots.push(d);
        if (!inside || d === inside || d === '/' || !d.startsWith(inside)) break;
      }
    }
    for (const r of this.projectRoots) if (!roots.includes(r)) roots.push(r);
    for (const r of this.sitePackages) if (!roots.includes(r)) roots.push(r);
    return roots;
  }

  private source(file: string): { root: SyntaxNode; text: string } | null | undefined {
    const text = this.files.text(file);
    if (text === undefined) return undefined;
    if (text === null) return null;
    const known = this.parsed.get(file);
    if (known && known.text === text) return known;
    this.parser ??= createParser('python');
    const tree = this.parser.parse(text);
    if (!tree) {
      this.parsed.set(file, null);
      return null;
    }
    const root = toSyntax(tree, text, undefined, file);
    tree.delete();
    const entry = { text, root };
    this.parsed.set(file, entry);
    return entry;
  }
}

/** Under one of the environment's site-packages folders, or any site-/dist-packages folder. */
export function isInstalledPackageFile(path: string, sitePackages: readonly string[]): boolean {
  const p = path.replace(/\\/g, '/');
  return sitePackages.some((r) => p.startsWith(r.replace(/\\/g, '/').replace(/\/?$/, '/'))) || /\/(site|dist)-packages\//.test(p);
}
