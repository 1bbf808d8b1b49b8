// Imports inside one analysis: a module of the program is executed once, lazily, in its own global scope, the first
// time a name is taken from it (Python's sys.modules). Submodules and star imports are followed only when a name is
// looked up in them, so importing torchvision.models reads the one model file a program uses, not the package.
import type { SyntaxNode } from '../syntax';
import type { ImportResolver, Resolution, ResolvedModule } from '../program/resolver';
import { str, Scope, UNKNOWN_VALUE, type PyModuleValue, type RefValue, type Value } from './values';
import type { Analyzer } from './analyzer';

/** What an analysis needs from the program, synchronously. */
export interface ImportContext {
  resolver: ImportResolver;
  /** A module file's syntax tree and text: undefined while not read yet, null when missing or unparsable. */
  source(file: string): { root: SyntaxNode; text: string } | null | undefined;
  /** A module file's text, without parsing it: undefined while not read yet, null when missing. */
  text(file: string): string | null | undefined;
  /** The analysed document's own path, for relative imports and the script's folder; undefined for unsaved text. */
  rootFile: string | undefined;
  /** Filled in by the analysis: the files it read, and whether some were not read yet. */
  outcome?: {
    used: ReadonlySet<string>;
    pending: boolean;
    /** Star-imported modules not read yet, with the names looked up in them (the one that has a name runs next). */
    starLookups: ReadonlyMap<string, ReadonlySet<string>>;
  };
  /** Modules already run by an earlier analysis of the program, kept while none of the files they read change. */
  executed?: Map<string, ExecutedModule>;
  /** Whether a file's text mentions a name (star-import lookups), kept by the program while the text is the same. */
  mentions?: Map<string, { text: string; names: Map<string, boolean> }>;
}

/** A module's global scope after its top level ran, and every file that run read. */
export interface ExecutedModule {
  scope: Scope;
  deps: ReadonlySet<string>;
  /**
   * The lists and dicts its globals and classes held when it finished (a registry, a config table): an analysis may
   * change them (a decorator registering a model), so each later analysis starts from copies of these.
   */
  pristine: Pristine;
}

interface Pristine {
  vars: Array<[string, Value]>;
  classAttrs: Array<[Map<string, Value>, string, Value]>;
}

interface ModuleState {
  scope: Scope;
  deps: ReadonlySet<string>;
}

/** The module-level facts a module's global scope carries. */
export interface ModuleInfo {
  name: string;
  file: string | undefined;
  /** `from x import *` sources, in order: a module of the program, or a dotted path Conv Lens knows (torch.nn). */
  stars: Array<PyModuleValue | string>;
}

export class ModuleLoader {
  private readonly states = new Map<string, ModuleState>();
  /** Files this analysis read: a change to any of them re-analyses the document. */
  readonly used = new Set<string>();
  /** Star-imported files not read yet, with the names looked up in them. */
  readonly starLookups = new Map<string, Set<string>>();
  /** Why imports were not found, by module name, for notes and explanations. */
  readonly unresolved = new Map<string, string>();
  /** Some module was not read yet: the program reads it and analyses again. */
  private pendingCount = 0;
  /** The files read by each module whose top level is running now, innermost last. */
  private readonly running: Array<Set<string>> = [];

  get pending(): boolean {
    return this.pendingCount > 0;
  }

  private set pending(_: true) {
    this.pendingCount++;
  }

  constructor(private readonly a: Analyzer, private readonly context: ImportContext | undefined) {}

  private get ctx(): ImportContext {
    // Module values only exist when there is a context.
    return this.context as ImportContext;
  }

  /**
   * `import a.b` / `from a.b import c`: the module; a reference by its absolute name when Conv Lens knows it without
   * reading it (torch, torchvision.transforms, also when imported relatively); undefined when it is not part of the program.
   */
  resolve(level: number, name: string, fromFile: string | undefined): PyModuleValue | RefValue | undefined {
    if (!this.context) return undefined;
    const r = level > 0 ? this.ctx.resolver.resolveRelative(level, name, fromFile ?? this.ctx.rootFile) : this.ctx.resolver.resolveAbsolute(name);
    if (r.kind === 'module') return { k: 'pymodule', module: r.module };
    if (r.kind === 'external') return { k: 'ref', path: r.name };
    if (r.kind === 'pending') this.pending = true;
    // The document's own imports that are not found are worth a note; a library's optional imports are not.
    const label = `${'.'.repeat(level)}${name}`;
    if (r.kind === 'missing' && fromFile === undefined && !this.unresolved.has(label)) this.unresolved.set(label, r.why);
    return undefined;
  }

  /**
   * `from mod import name` as Python does it: the module's attribute when it has one (what a package's __init__
   * bound: `from .alexnet import *` makes torchvision.models.alexnet the builder, not the submodule), else a submodule.
   */
  fromImport(mod: PyModuleValue, name: string): Value {
    const state = this.namespace(mod.module);
    if (state) {
      const bound = state.scope.vars.get(name) ?? this.lookupStar(state.scope, name, new Set());
      if (bound !== undefined) return bound;
    }
    if (mod.module.dir) {
      const r = this.ctx.resolver.submodule(mod.module, name);
      if (r.kind === 'module') return { k: 'pymodule', module: r.module };
      if (r.kind === 'external') return { k: 'ref', path: r.name };
      if (r.kind === 'pending') {
        this.pending = true;
        return UNKNOWN_VALUE;
      }
    }
    return this.attr(mod, name);
  }

  /** `mod.name`: the module's global, a name its star imports bring, or a submodule. */
  attr(mod: PyModuleValue, name: string): Value {
    const state = this.namespace(mod.module);
    if (state) {
      const v = state.scope.vars.get(name);
      if (v !== undefined) return v;
      const viaStar = this.lookupStar(state.scope, name, new Set());
      if (viaStar !== undefined) return viaStar;
    }
    if (mod.module.dir) {
      const r = this.ctx.resolver.submodule(mod.module, name);
      if (r.kind === 'module') return { k: 'pymodule', module: r.module };
      if (r.kind === 'external') return { k: 'ref', path: r.name };
      if (r.kind === 'pending') this.pending = true;
    }
    return UNKNOWN_VALUE;
  }

  /** A name from the star imports of a module's global scope, searched last import first (the one that won). */
  lookupStar(scope: Scope, name: string, seen: Set<string>): Value | undefined {
    const info = scope.module;
    if (!info) return undefined;
    for (let i = info.stars.length - 1; i >= 0; i--) {
      const src = info.stars[i] as PyModuleValue | string;
      if (typeof src === 'string') {
        if (KNOWN_STAR_BASES.has(src)) return { k: 'ref', path: `${src}.${name}` };
        continue;
      }
      const file = src.module.file;
      if (!file || seen.has(file) || !this.context) continue;
      seen.add(file);
      // A module whose text never mentions the name cannot define it (unless through its own star imports): it is
      // not parsed (torchvision.models star-imports 16 model files; a name is in one of them).
      const text = this.ctx.text(file);
      if (text === undefined) {
        this.pending = true;
        const names = this.starLookups.get(file) ?? new Set<string>();
        names.add(name);
        this.starLookups.set(file, names);
        continue;
      }
      if (text === null || !this.mayDefine(file, text, name)) continue;
      const state = this.namespace(src.module);
      if (!state) continue;
      if (!exported(state.scope, name)) continue;
      const v = state.scope.vars.get(name) ?? this.lookupStar(state.scope, name, seen);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Whether a module's text mentions the name, or has star imports of its own (each keystroke asks again). */
  private mayDefine(file: string, text: string, name: string): boolean {
    const cache = this.context?.mentions;
    let entry = cache?.get(file);
    if (!entry || entry.text !== text) {
      entry = { text, names: new Map() };
      cache?.set(file, entry);
    }
    let yes = entry.names.get(name);
    if (yes === undefined) {
      yes = text.includes(name) || text.includes('import *');
      entry.names.set(name, yes);
    }
    return yes;
  }

  /** Runs a module's top level once per analysis (or takes it from an earlier one); a module that imports itself back sees the part run so far. */
  private namespace(m: ResolvedModule): ModuleState | undefined {
    const file = m.file;
    if (!file) return undefined;
    // The document imported by a module it imports (a library file opened on its own): the one run of it, not a second.
    if (file === this.context?.rootFile) return { scope: this.a.interp.globals, deps: new Set() };
    const known = this.states.get(file) ?? this.fromEarlierAnalysis(file);
    if (known) {
      this.read(file, known.deps);
      return known;
    }
    const src = this.ctx.source(file);
    this.read(file, new Set());
    if (src === undefined) {
      this.pending = true;
      return undefined;
    }
    if (src === null) return undefined;
    const scope = new Scope(undefined, true);
    scope.module = { name: m.name, file, stars: [] };
    scope.vars.set('__name__', str(m.name));
    scope.vars.set('__file__', str(file));
    const deps = new Set([file]);
    const state: ModuleState = { scope, deps };
    this.states.set(file, state);
    const a = this.a;
    const interp = a.interp;
    // The module runs as at import time: outside any forward, call or uncertain branch of the importer.
    const saved = { run: a.run, frames: interp.frames.splice(0), uncertain: interp.uncertainDepth };
    const pendingBefore = this.pendingCount;
    a.run = undefined;
    interp.uncertainDepth = 0;
    this.running.push(deps);
    let finished = false;
    try {
      for (const stmt of src.root.children) interp.execStatement(stmt, scope);
      finished = true;
    } finally {
      this.running.pop();
      a.run = saved.run;
      interp.frames.splice(0, interp.frames.length, ...saved.frames);
      interp.uncertainDepth = saved.uncertain;
    }
    for (const d of deps) this.read(d, new Set());
    // Kept for later analyses only when complete and free of values that belong to this analysis (layers, tensors).
    if (finished && this.pendingCount === pendingBefore && !holdsAnalysisValues(scope)) this.ctx.executed?.set(file, { scope, deps, pristine: snapshot(scope) });
    return state;
  }

  private fromEarlierAnalysis(file: string): ModuleState | undefined {
    const entry = this.context?.executed?.get(file);
    if (!entry) return undefined;
    restore(entry.scope, entry.pristine);
    const state: ModuleState = { scope: entry.scope, deps: entry.deps };
    this.states.set(file, state);
    return state;
  }

  /** Records that `file` (and what it read) was used: by the analysis, and by every module whose top level is running. */
  private read(file: string, deps: ReadonlySet<string>): void {
    this.used.add(file);
    for (const d of deps) this.used.add(d);
    for (const r of this.running) {
      r.add(file);
      for (const d of deps) r.add(d);
    }
  }

  /** The text of a program file, for fixes that must look at what an argument says. */
  textOf(file: string): string | undefined {
    return this.context?.text(file) ?? undefined;
  }
}

/** Star imports of these become references the interpreter knows (`from torch.nn import *`). */
const KNOWN_STAR_BASES = new Set(['torch.nn', 'torch', 'torch.nn.functional', 'math']);

/** Copies of the containers a module's globals and classes hold, nested a little way. */
function copyContainers(v: Value, depth = 0): Value {
  if (depth > 6) return v;
  switch (v.k) {
    case 'list':
    case 'tuple':
      return { ...v, items: v.items.map((x) => copyContainers(x, depth + 1)) };
    case 'dict':
      return { ...v, keys: [...v.keys], vals: v.vals.map((x) => copyContainers(x, depth + 1)) };
    default:
      return v;
  }
}

const isContainer = (v: Value): boolean => v.k === 'list' || v.k === 'tuple' || v.k === 'dict';

function snapshot(scope: Scope): Pristine {
  const out: Pristine = { vars: [], classAttrs: [] };
  for (const [name, v] of scope.vars) {
    if (isContainer(v)) out.vars.push([name, copyContainers(v)]);
    else if (v.k === 'class' && v.node.file === scope.module?.file) {
      for (const [attr, av] of v.attrs) if (isContainer(av)) out.classAttrs.push([v.attrs, attr, copyContainers(av)]);
    }
  }
  return out;
}

function restore(scope: Scope, pristine: Pristine): void {
  for (const [name, v] of pristine.vars) scope.vars.set(name, copyContainers(v));
  for (const [attrs, name, v] of pristine.classAttrs) attrs.set(name, copyContainers(v));
}

/** Whether a module's globals hold layers or tensors (ids of one analysis), directly or a little way down. */
function holdsAnalysisValues(scope: Scope): boolean {
  const seen = new Set<Value>();
  const visit = (v: Value, depth: number): boolean => {
    if (depth > 3 || seen.has(v)) return false;
    seen.add(v);
    switch (v.k) {
      case 'module':
      case 'tensor':
        return true;
      case 'list':
      case 'tuple':
        return v.items.some((x) => visit(x, depth + 1));
      case 'dict':
        return v.vals.some((x) => visit(x, depth + 1));
      case 'class':
        return [...v.attrs.values()].some((x) => visit(x, depth + 1));
      case 'obj':
        return [...v.attrs.values()].some((x) => visit(x, depth + 1));
      default:
        return false;
    }
  };
  for (const v of scope.vars.values()) if (visit(v, 0)) return true;
  return false;
}

/** Whether `from m import *` brings `name`: listed in `__all__`, or public when there is none. */
function exported(scope: Scope, name: string): boolean {
  const all = scope.vars.get('__all__');
  if (all && (all.k === 'list' || all.k === 'tuple') && !all.uncertain) return all.items.some((x) => x.k === 'str' && x.v === name);
  return !name.startsWith('_');
}
