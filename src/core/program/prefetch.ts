// Reads ahead what a module's top-level `from x import y` / `import x` statements will need, so that the program
// does not run one round of analysis per level of imports. Star imports and submodules named in an import list are
// left alone: they are read only if a name is looked up in them.
import type { FileCache } from './file-cache';
import type { ImportResolver } from './resolver';

const FROM_IMPORT = /^from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\(?[ \t]*\*|.)/gm;
const IMPORT = /^import[ \t]+([\w. \t,]+)/gm;

/** Module names a file's top level imports (level > 0 for relative ones). */
export function topLevelImports(text: string): Array<{ level: number; name: string }> {
  const out: Array<{ level: number; name: string }> = [];
  for (const m of text.matchAll(FROM_IMPORT)) {
    if ((m[3] ?? '').endsWith('*')) continue;
    out.push({ level: (m[1] ?? '').length, name: m[2] ?? '' });
  }
  for (const m of text.matchAll(IMPORT)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = part.trim().split(/[ \t]+as[ \t]+/)[0]?.trim();
      if (name) out.push({ level: 0, name });
    }
  }
  return out;
}

/** A file's top-level imports, kept while its text is the same (a file is scanned once per step until it is done). */
export interface ScannedImports {
  text: string;
  imports: Array<{ level: number; name: string }>;
}

/**
 * Resolves the top-level imports of the given files and marks the modules they reach as wanted. A file is done once
 * none of its imports is still pending.
 */
export function prefetchStep(cache: FileCache, resolver: ImportResolver, files: Iterable<[string, string]>, done: Set<string>, scanned?: Map<string, ScannedImports>): void {
  for (const [file, text] of files) {
    if (done.has(file)) continue;
    let pending = false;
    let imports = scanned?.get(file);
    if (imports?.text !== text) {
      imports = { text, imports: topLevelImports(text) };
      scanned?.set(file, imports);
    }
    for (const imp of imports.imports) {
      const r = imp.level > 0 ? resolver.resolveRelative(imp.level, imp.name, file) : resolver.resolveAbsolute(imp.name);
      if (r.kind === 'pending') pending = true;
      else if (r.kind === 'module' && r.module.file && cache.text(r.module.file) === undefined) pending = true;
    }
    if (!pending) done.add(file);
  }
}
