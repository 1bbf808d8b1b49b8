// A small abstract interpreter over the Python subset that model definitions use.
// Values it cannot know become UNKNOWN and the analysis goes on; every run is bounded in steps and depth.
import { checkDiscardedResult } from './discarded-result';
import { child, childrenOf, rangeOf, type SyntaxNode } from '../syntax';
import type { Range } from '../types';
import { add, floorDiv, isKnown, mul, sub, type Dim } from '../dims';
import {
  bool, FALSE, isOpaqueRef, list, NONE, num, Scope, str, TRUE, truthy, tuple, UNKNOWN_VALUE,
  type ClassValue, type DictValue, type FuncValue, type Param, type RefValue, type SeqValue, type Value,
} from './values';
import type { Analyzer, CallInfo } from './analyzer';
import { reportRaise } from './raises';
import { recordItems } from './stdlib';

/** Shared empty keyword maps: never mutated (a call with keywords gets its own). */
const NO_KWARGS: ReadonlyMap<string, Value> = new Map();
/** callFunction's keywords left to bind when there are none: only read (has/get/size), never written. */
const NO_EXTRA_KW = new Map<string, Value>();
const NO_KWNODES: ReadonlyMap<string, SyntaxNode> = new Map();

export class StepLimitError extends Error {
  constructor() {
    super('analysis step limit reached');
  }
}

/** How a statement left: normally (undefined), by return/break/continue, or by raising an exception. */
type Flow = undefined | { kind: 'return'; value: Value } | { kind: 'break' } | { kind: 'continue' } | { kind: 'raise' };

export interface Frame {
  func: FuncValue | undefined;
  /** The call expression that entered this frame. */
  callSite: Range | undefined;
}

const MAX_CALL_DEPTH = 60;
const MAX_LOOP_ITERATIONS = 10_000;
/** Longer lists are not built (`[0] * 10**9`, `x = x + x` in a loop): they become unknown instead. */
const MAX_SEQUENCE_LENGTH = 100_000;

export const DEFAULT_GLOBALS: Record<string, string> = {
  torch: 'torch',
  nn: 'torch.nn',
  F: 'torch.nn.functional',
  math: 'math',
  np: 'numpy',
  OrderedDict: 'collections.OrderedDict',
};

const BUILTINS = new Set([
  'range', 'len', 'int', 'float', 'str', 'bool', 'list', 'tuple', 'dict', 'set', 'enumerate', 'zip', 'min', 'max',
  'sum', 'abs', 'round', 'isinstance', 'issubclass', 'print', 'getattr', 'setattr', 'hasattr', 'super', 'sorted',
  'reversed', 'any', 'all', 'map', 'filter', 'type', 'iter', 'next', 'divmod', 'pow', 'callable', 'repr', 'format',
  'object', 'Exception', 'ValueError', 'TypeError', 'RuntimeError', 'NotImplementedError', 'open', 'vars', 'id',
]);

export class Interpreter {
  steps = 0;
  readonly frames: Frame[] = [];
  /** > 0 while executing code whose path depends on values the analysis could not know. */
  uncertainDepth = 0;
  readonly globals = new Scope(undefined, true);
  /** > 0 inside a try body with except clauses: a raise there may be caught. */
  private tryDepth = 0;
  /** Set when a branch taken on an unknown condition breaks or continues: the enclosing loop's rest is uncertain. */
  private loopTaint = false;

  constructor(
    readonly analyzer: Analyzer,
    private readonly maxSteps: number,
  ) {
    // Model files are scripts: `if __name__ == "__main__":` blocks run, as they would with `python file.py`.
    this.globals.vars.set('__name__', str('__main__'));
    this.globals.module = { name: '__main__', file: undefined, stars: [] };
  }

  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.maxSteps) throw new StepLimitError();
  }

  get currentFrame(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  // ---------------------------------------------------------------- statements

  execBlock(nodes: SyntaxNode[], scope: Scope): Flow {
    for (const n of nodes) {
      const flow = this.execStatement(n, scope);
      if (flow) return flow;
    }
    return undefined;
  }

  execStatement(node: SyntaxNode, scope: Scope): Flow {
    this.tick();
    try {
      return this.execStatementUnsafe(node, scope);
    } catch (e) {
      if (e instanceof StepLimitError || e instanceof RangeError) throw e;
      // An unexpected construct must never stop the analysis of the rest of the file.
      this.analyzer.note(`skipped a statement at line ${node.startRow + 1}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private execStatementUnsafe(node: SyntaxNode, scope: Scope): Flow {
    switch (node.type) {
      case 'expression_statement': {
        for (const c of node.children) {
          const v = this.evalExpr(c, scope);
          if (c.type !== 'assignment' && c.type !== 'augmented_assignment') {
            this.analyzer.recordSite(node, v, false);
            if (node.children.length === 1) checkDiscardedResult(this.analyzer, node, c, v, scope);
          }
        }
        return undefined;
      }
      case 'block':
      case 'module':
        return this.execBlock(node.children, scope);
      case 'return_statement': {
        const e = node.children[0];
        return { kind: 'return', value: e ? this.evalExpr(e, scope) : NONE };
      }
      case 'pass_statement':
      case 'comment':
      case 'global_statement':
      case 'nonlocal_statement':
      case 'assert_statement':
      case 'future_import_statement':
        return undefined;
      case 'delete_statement':
        for (const target of node.children.flatMap((c) => (c.type === 'expression_list' ? c.children : [c]))) this.deleteTarget(target, scope);
        return undefined;
      case 'break_statement':
        return { kind: 'break' };
      case 'continue_statement':
        return { kind: 'continue' };
      case 'raise_statement':
        // The path raises: nothing after it runs. At construction time, a raise reached with certainty is reported.
        if (this.tryDepth === 0 && this.uncertainDepth === 0) reportRaise(this.analyzer, node, scope);
        return { kind: 'raise' };
      case 'if_statement':
        return this.execIf(node, scope);
      case 'for_statement':
        return this.execFor(node, scope);
      case 'while_statement':
        return this.execWhile(node, scope);
      case 'try_statement': {
        const body = child(node, 'body');
        const handled = node.children.some((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
        if (handled) this.tryDepth++;
        let flow: Flow;
        try {
          flow = body ? this.execStatement(body, scope) : undefined;
        } finally {
          if (handled) this.tryDepth--;
        }
        // An exception an except clause may catch: which one runs is not followed, the code after the try goes on.
        if (flow?.kind === 'raise' && handled) flow = undefined;
        const fin = node.children.find((c) => c.type === 'finally_clause');
        const finBody = fin?.children.find((c) => c.type === 'block');
        if (finBody) this.execStatement(finBody, scope);
        return flow;
      }
      case 'with_statement': {
        const body = child(node, 'body');
        for (const clause of node.children.filter((c) => c.type === 'with_clause')) {
          for (const item of clause.children) {
            const value = child(item, 'value');
            if (!value) continue;
            if (value.type === 'as_pattern') {
              const target = child(value, 'alias');
              const v = value.children[0] ? this.evalExpr(value.children[0], scope) : UNKNOWN_VALUE;
              if (target?.children[0]) this.assign(target.children[0], v, scope);
            } else this.evalExpr(value, scope);
          }
        }
        return body ? this.execStatement(body, scope) : undefined;
      }
      case 'function_definition':
        scope.vars.set(this.nameOf(node), this.makeFunction(node, scope));
        return undefined;
      case 'class_definition':
        this.defineClass(node, scope);
        return undefined;
      case 'decorated_definition': {
        const def = child(node, 'definition');
        if (def) {
          this.execStatement(def, scope);
          this.applyDecorators(node, def, scope);
        }
        return undefined;
      }
      case 'import_statement':
        this.execImport(node, scope);
        return undefined;
      case 'import_from_statement':
        this.execImportFrom(node, scope);
        return undefined;
      case 'ERROR':
        this.analyzer.note(`syntax error at line ${node.startRow + 1}: that part is skipped`);
        // Statements inside an ERROR node are often still whole; run those that parse.
        for (const c of node.children) if (STATEMENT_TYPES.has(c.type)) this.execStatement(c, scope);
        return undefined;
      default:
        if (STATEMENT_TYPES.has(node.type)) return undefined;
        this.evalExpr(node, scope);
        return undefined;
    }
  }

  /**
   * Decorators of a top-level or nested definition, innermost first: @dataclass builds the record's __init__, a
   * decorator defined in the file runs (a registry, a wrapper); any other decorator, or one that does not give back
   * something callable, leaves the definition callable as written (register_model, handle_legacy_interface, torch.jit).
   */
  private applyDecorators(node: SyntaxNode, def: SyntaxNode, scope: Scope): void {
    const name = this.nameOf(def);
    let value = scope.vars.get(name);
    if (!value) return;
    const decorators = node.children.filter((c) => c.type === 'decorator').reverse();
    for (const d of decorators) {
      const expr = d.children[0];
      if (!expr) continue;
      const decorator = this.evalExpr(expr, scope);
      if (decorator.k === 'ref' && decorator.path === 'dataclasses.dataclass') {
        if (value.k === 'class') value = this.analyzer.stdlib.makeDataclass(value);
        continue;
      }
      if (decorator.k !== 'func' && !(decorator.k === 'obj' && decorator.cls.native === 'functools.partial')) continue;
      const result = this.analyzer.call(decorator, { args: [value], kwargs: NO_KWARGS, argNodes: [d], kwNodes: NO_KWNODES, unknownSplat: false, node: d, scope });
      if (isCallable(result)) value = result;
    }
    scope.vars.set(name, value);
  }

  /** `del d[k]` / `del xs[i]` / `del name`: what a loop that empties a dict (`if not return_layers: break`) needs. */
  private deleteTarget(target: SyntaxNode, scope: Scope): void {
    if (target.type === 'identifier') {
      scope.vars.delete(target.text);
      return;
    }
    if (target.type !== 'subscript') return;
    const valueNode = child(target, 'value');
    const keyNode = child(target, 'subscript');
    const container = valueNode ? this.evalExpr(valueNode, scope) : UNKNOWN_VALUE;
    const key = keyNode ? this.evalExpr(keyNode, scope) : UNKNOWN_VALUE;
    if (container.k === 'dict') {
      const i = container.keys.findIndex((k) => valueEquals(k, key) === true);
      if (i >= 0 && !this.uncertainDepth) {
        container.keys.splice(i, 1);
        container.vals.splice(i, 1);
      } else container.uncertain = true;
    } else if (container.k === 'list') {
      const i = toNumber(key);
      if (i === undefined || this.uncertainDepth) container.uncertain = true;
      else container.items.splice(i < 0 ? container.items.length + i : i, 1);
    }
  }

  private execIf(node: SyntaxNode, scope: Scope): Flow {
    const clauses: Array<{ cond: SyntaxNode | undefined; body: SyntaxNode | undefined }> = [
      { cond: child(node, 'condition'), body: child(node, 'consequence') },
    ];
    for (const alt of childrenOf(node, 'alternative')) {
      if (alt.type === 'elif_clause') clauses.push({ cond: child(alt, 'condition'), body: child(alt, 'consequence') });
      else clauses.push({ cond: undefined, body: child(alt, 'body') });
    }
    for (const clause of clauses) {
      if (!clause.cond) return clause.body ? this.execStatement(clause.body, scope) : undefined;
      const t = truthy(this.evalExpr(clause.cond, scope));
      if (t === true) return clause.body ? this.execStatement(clause.body, scope) : undefined;
      if (t === undefined) {
        // A guard that only raises (`if not ok: raise TypeError(...)`): assume the code is used correctly and go on.
        if (clause.body && alwaysRaises(clause.body)) continue;
        // Unknown condition: follow this branch, but nothing found on it is reported as certain.
        this.uncertainDepth++;
        try {
          const flow = clause.body ? this.execStatement(clause.body, scope) : undefined;
          if (flow?.kind === 'raise') return undefined;
          if (flow?.kind === 'break' || flow?.kind === 'continue') {
            // The loop may or may not stop here: it goes on, and what it does from now on is uncertain.
            this.loopTaint = true;
            return undefined;
          }
          return flow;
        } finally {
          this.uncertainDepth--;
        }
      }
    }
    return undefined;
  }

  /** Runs a loop body for each step; a break or continue on an unknown condition makes the rest of the loop uncertain. */
  private runLoop(step: () => 'next' | 'stop' | 'unknown', body: SyntaxNode, scope: Scope, node: SyntaxNode): Flow {
    const outerTaint = this.loopTaint;
    this.loopTaint = false;
    let tainted = false;
    try {
      for (let i = 0; i < MAX_LOOP_ITERATIONS; i++) {
        const next = step();
        if (next === 'stop') break;
        if (next === 'unknown') {
          // The loop condition is unknown: run the body once more, uncertain, and stop.
          this.uncertainDepth++;
          try {
            const flow = this.execStatement(body, scope);
            return flow?.kind === 'return' || flow?.kind === 'raise' ? flow : undefined;
          } finally {
            this.uncertainDepth--;
          }
        }
        const flow = this.execStatement(body, scope);
        if (this.loopTaint && !tainted) {
          tainted = true;
          this.uncertainDepth++;
        }
        if (flow?.kind === 'break') return undefined;
        if (flow?.kind === 'return' || flow?.kind === 'raise') return flow;
      }
      const alt = child(node, 'alternative');
      const altBody = alt ? child(alt, 'body') : undefined;
      return altBody ? this.execStatement(altBody, scope) : undefined;
    } finally {
      if (tainted) this.uncertainDepth--;
      this.loopTaint = outerTaint;
    }
  }

  private execFor(node: SyntaxNode, scope: Scope): Flow {
    const left = child(node, 'left');
    const right = child(node, 'right');
    const body = child(node, 'body');
    if (!left || !right || !body) return undefined;
    const iterable = this.evalExpr(right, scope);
    const items = this.iterate(iterable);
    if (!items) {
      // Unknown iterable: run the body once with unknown values so that what it builds is marked uncertain.
      this.uncertainDepth++;
      const outerTaint = this.loopTaint;
      try {
        this.assign(left, UNKNOWN_VALUE, scope);
        const flow = this.execStatement(body, scope);
        if (flow?.kind === 'return' || flow?.kind === 'raise') return flow;
      } finally {
        this.uncertainDepth--;
        this.loopTaint = outerTaint;
      }
      return undefined;
    }
    let i = 0;
    return this.runLoop(() => {
      const item = items[i++];
      if (item === undefined) return 'stop';
      this.assign(left, item, scope);
      return 'next';
    }, body, scope, node);
  }

  private execWhile(node: SyntaxNode, scope: Scope): Flow {
    const cond = child(node, 'condition');
    const body = child(node, 'body');
    if (!cond || !body) return undefined;
    return this.runLoop(() => {
      const t = truthy(this.evalExpr(cond, scope));
      return t === false ? 'stop' : t === undefined ? 'unknown' : 'next';
    }, body, scope, node);
  }

  private execImport(node: SyntaxNode, scope: Scope): void {
    const loader = this.analyzer.imports;
    for (const c of node.children) {
      if (c.type === 'dotted_name') {
        // `import a.b.c` binds `a`; the rest is reached through attributes.
        const top = c.text.split('.')[0] ?? c.text;
        scope.vars.set(top, loader.resolve(0, top, node.file) ?? { k: 'ref', path: top });
      } else if (c.type === 'aliased_import') {
        const name = child(c, 'name');
        const alias = child(c, 'alias');
        if (name && alias) scope.vars.set(alias.text, loader.resolve(0, name.text, node.file) ?? { k: 'ref', path: name.text });
      }
    }
  }

  private execImportFrom(node: SyntaxNode, scope: Scope): void {
    const mod = child(node, 'module_name');
    if (!mod) return;
    const relative = mod.type === 'relative_import';
    // A relative module's text is in its children: the dots (import_prefix) and the dotted name.
    const base = relative ? mod.children.map((c) => c.text).join('') : mod.text;
    const level = relative ? /^\.*/.exec(base)?.[0].length ?? 0 : 0;
    const loader = this.analyzer.imports;
    const resolved = loader.resolve(level, relative ? base.slice(level) : base, node.file);
    // A module Conv Lens knows without reading it, by its absolute name (also when imported relatively).
    const known = resolved?.k === 'ref' ? resolved.path : relative ? undefined : base;
    const module = resolved?.k === 'pymodule' ? resolved : undefined;
    if (node.children.some((c) => c.type === 'wildcard_import')) {
      const info = moduleScopeOf(scope).module;
      if (info && module) info.stars.push(module);
      else if (info && known !== undefined) info.stars.push(known);
      return;
    }
    for (const c of childrenOf(node, 'name')) {
      const [name, alias] = c.type === 'aliased_import'
        ? [child(c, 'name')?.text, child(c, 'alias')?.text]
        : [c.text, c.text];
      if (!name || !alias) continue;
      if (module) scope.vars.set(alias, loader.fromImport(module, name));
      else scope.vars.set(alias, known === undefined ? UNKNOWN_VALUE : { k: 'ref', path: `${known}.${name}` });
    }
  }

  private nameOf(node: SyntaxNode): string {
    return child(node, 'name')?.text ?? '<anonymous>';
  }

  makeFunction(node: SyntaxNode, scope: Scope, owner?: ClassValue): FuncValue {
    const params: Param[] = [];
    const paramsNode = child(node, 'parameters');
    let kwonly = false;
    for (const p of paramsNode?.children ?? []) {
      switch (p.type) {
        case 'identifier':
          params.push({ name: p.text, kind: kwonly ? 'kwonly' : 'plain' });
          break;
        case 'typed_parameter': {
          const id = p.children.find((c) => c.type === 'identifier');
          const splat = p.children.find((c) => c.type === 'list_splat_pattern' || c.type === 'dictionary_splat_pattern');
          if (id) params.push({ name: id.text, kind: kwonly ? 'kwonly' : 'plain' });
          else if (splat) params.push({ name: splat.children[0]?.text ?? '_', kind: splat.type === 'list_splat_pattern' ? 'star' : 'kwstar' });
          break;
        }
        case 'default_parameter':
        case 'typed_default_parameter': {
          const name = child(p, 'name');
          const value = child(p, 'value');
          if (name) params.push({ name: name.text, kind: kwonly ? 'kwonly' : 'plain', default: value ? this.evalExpr(value, scope) : UNKNOWN_VALUE });
          break;
        }
        case 'list_splat_pattern':
          params.push({ name: p.children[0]?.text ?? '_', kind: 'star' });
          kwonly = true;
          break;
        case 'dictionary_splat_pattern':
          params.push({ name: p.children[0]?.text ?? '_', kind: 'kwstar' });
          break;
        case 'keyword_separator':
          kwonly = true;
          break;
      }
    }
    const fn: FuncValue = { k: 'func', name: node.type === 'lambda' ? '<lambda>' : this.nameOf(node), node, params, closure: scope };
    if (owner) fn.owner = owner;
    return fn;
  }

  private defineClass(node: SyntaxNode, scope: Scope): void {
    const name = this.nameOf(node);
    const bases: Value[] = [];
    const superclasses = child(node, 'superclasses');
    for (const b of superclasses?.children ?? []) {
      if (b.type === 'keyword_argument') continue;
      bases.push(this.evalExpr(b, scope));
    }
    const cls: ClassValue = { k: 'class', name, node, bases, attrs: new Map(), isModule: false };
    for (const b of bases) {
      if (b.k === 'class' && b.enumLike) cls.enumLike = true;
      if (b.k === 'ref' && (b.path === 'torch.nn.Module' || b.path === 'torch.nn.modules.module.Module')) cls.isModule = true;
      if (b.k === 'ref' && CONTAINERS.has(b.path)) {
        cls.isModule = true;
        cls.container = b.path.slice('torch.nn.'.length) as ClassValue['container'];
      }
      // A subclass of a built-in layer (`class MyConv(nn.Conv2d)`): a module whose super().__init__ builds that layer.
      const layer = b.k === 'ref' ? builtinLayerName(b.path) : undefined;
      if (layer !== undefined) {
        cls.isModule = true;
        cls.layer = layer;
      }
      if (b.k === 'class' && b.isModule) {
        cls.isModule = true;
        if (b.container) cls.container = b.container;
        if (b.layer !== undefined) cls.layer = b.layer;
      }
    }
    // Class body: methods close over the enclosing scope, not the class body (Python semantics).
    const bodyScope = new Scope(scope);
    const body = child(node, 'body');
    for (const stmt of body?.children ?? []) {
      const def = stmt.type === 'decorated_definition' ? child(stmt, 'definition') : stmt;
      if (def?.type === 'function_definition') {
        const fn = this.makeFunction(def, scope, cls);
        const binding = stmt.type === 'decorated_definition' ? methodBinding(stmt) : undefined;
        // `@x.setter` redefines x's setter: reading x still calls the property's getter.
        if (binding === 'setter') continue;
        if (binding) fn.binding = binding;
        cls.attrs.set(this.nameOf(def), fn);
      } else if (def) {
        this.execStatement(def, bodyScope);
        if (def.type === 'class_definition') this.applyDecorators(stmt, def, bodyScope);
      }
    }
    for (const [k, v] of bodyScope.vars) if (!cls.attrs.has(k)) cls.attrs.set(k, v);
    if (bases.some((b) => b.k === 'ref' && b.path === 'typing.NamedTuple')) this.analyzer.stdlib.makeNamedTupleClass(cls);
    if (cls.enumLike || bases.some((b) => b.k === 'ref' && /^enum\.(Enum|IntEnum|StrEnum)$/.test(b.path))) this.analyzer.stdlib.makeEnumMembers(cls);
    scope.vars.set(name, cls);
    this.analyzer.classDefined(cls, scope);
  }

  // ---------------------------------------------------------------- assignment

  assign(target: SyntaxNode, value: Value, scope: Scope): void {
    switch (target.type) {
      case 'identifier':
        scope.vars.set(target.text, value);
        return;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'expression_list':
      case 'tuple':
      case 'list':
      case 'parenthesized_expression': {
        const targets = target.children.filter((c) => c.type !== 'comment');
        if (target.type === 'parenthesized_expression' && targets.length === 1 && targets[0]) {
          this.assign(targets[0], value, scope);
          return;
        }
        const items = this.unpack(value, targets.length);
        targets.forEach((t, i) => {
          if (t.type === 'list_splat_pattern') this.assign(t.children[0] ?? t, list(items.slice(i)), scope);
          else this.assign(t, items[i] ?? UNKNOWN_VALUE, scope);
        });
        return;
      }
      case 'attribute': {
        const obj = child(target, 'object');
        const attr = child(target, 'attribute');
        if (!obj || !attr) return;
        this.setAttr(this.evalExpr(obj, scope), attr.text, value);
        return;
      }
      case 'subscript': {
        const obj = this.evalExpr(child(target, 'value') ?? target, scope);
        const idxNode = child(target, 'subscript');
        const idx = idxNode ? this.evalExpr(idxNode, scope) : UNKNOWN_VALUE;
        this.setItem(obj, idx, value);
        return;
      }
      default:
        return;
    }
  }

  private unpack(value: Value, n: number): Value[] {
    const items = this.iterate(value);
    if (items) return items;
    return Array.from({ length: n }, () => UNKNOWN_VALUE);
  }

  setAttr(obj: Value, name: string, value: Value): void {
    if (obj.k === 'module') this.analyzer.modules.setAttr(obj, name, value);
    else if (obj.k === 'obj') obj.attrs.set(name, value);
    else if (obj.k === 'class') obj.attrs.set(name, value);
  }

  setItem(obj: Value, idx: Value, value: Value): void {
    if (obj.k === 'list' && idx.k === 'num') {
      const i = idx.v < 0 ? obj.items.length + idx.v : idx.v;
      if (i >= 0 && i < obj.items.length) obj.items[i] = value;
    } else if (obj.k === 'dict') {
      if (obj.childrenOf && idx.k === 'str') this.analyzer.modules.setAttr(obj.childrenOf, idx.v, value);
      const i = obj.keys.findIndex((k) => valueEquals(k, idx) === true);
      if (i >= 0) obj.vals[i] = value;
      else {
        obj.keys.push(idx);
        obj.vals.push(value);
      }
      if (this.uncertainDepth > 0) obj.uncertain = true;
    } else if (obj.k === 'module' && obj.container === 'ModuleDict' && idx.k === 'str' && value.k === 'module') {
      obj.children.set(idx.v, value);
    }
  }

  // ---------------------------------------------------------------- expressions

  evalExpr(node: SyntaxNode, scope: Scope): Value {
    this.tick();
    switch (node.type) {
      case 'identifier':
        return this.lookup(node.text, scope);
      case 'integer':
        return num(parseIntLiteral(node.text), false);
      case 'float':
        return num(Number(node.text.replace(/_/g, '').replace(/[jJ]$/, '')), true);
      case 'true':
        return TRUE;
      case 'false':
        return FALSE;
      case 'none':
        return NONE;
      case 'string':
        return node.children.some((c) => c.type === 'interpolation') ? this.evalFString(node, scope) : stringValue(node);
      case 'concatenated_string': {
        let s = '';
        for (const c of node.children) {
          const v = stringValue(c);
          if (v.k !== 'str') return UNKNOWN_VALUE;
          s += v.v;
        }
        return str(s);
      }
      case 'parenthesized_expression':
        return node.children[0] ? this.evalExpr(node.children[0], scope) : UNKNOWN_VALUE;
      case 'tuple':
      case 'expression_list':
        return tuple(this.evalItems(node.children, scope));
      case 'list':
        return this.markUncertain(list(this.evalItems(node.children, scope)));
      case 'set':
        return list(this.evalItems(node.children, scope));
      case 'dictionary':
        return this.evalDict(node, scope);
      case 'attribute': {
        const obj = child(node, 'object');
        const attr = child(node, 'attribute');
        if (!obj || !attr) return UNKNOWN_VALUE;
        return this.getAttr(this.evalExpr(obj, scope), attr.text);
      }
      case 'subscript':
        return this.evalSubscript(node, scope);
      case 'call':
        return this.evalCall(node, scope);
      case 'binary_operator':
        return this.evalBinary(node, scope);
      case 'unary_operator': {
        const op = child(node, 'operator')?.text;
        const v = this.evalExpr(child(node, 'argument') ?? node, scope);
        return unaryOp(op, v, this, node);
      }
      case 'not_operator': {
        const t = truthy(this.evalExpr(child(node, 'argument') ?? node, scope));
        return t === undefined ? UNKNOWN_VALUE : bool(!t);
      }
      case 'boolean_operator': {
        const op = child(node, 'operator')?.text;
        const left = this.evalExpr(child(node, 'left') ?? node, scope);
        const t = truthy(left);
        if (t === undefined) {
          this.evalExpr(child(node, 'right') ?? node, scope);
          return UNKNOWN_VALUE;
        }
        if (op === 'and') return t ? this.evalExpr(child(node, 'right') ?? node, scope) : left;
        return t ? left : this.evalExpr(child(node, 'right') ?? node, scope);
      }
      case 'comparison_operator':
        return this.evalComparison(node, scope);
      case 'conditional_expression': {
        const [a, cond, b] = node.children;
        if (!a || !cond || !b) return UNKNOWN_VALUE;
        const t = truthy(this.evalExpr(cond, scope));
        if (t === undefined) {
          this.uncertainDepth++;
          try {
            return this.evalExpr(a, scope);
          } finally {
            this.uncertainDepth--;
          }
        }
        return this.evalExpr(t ? a : b, scope);
      }
      case 'list_comprehension':
      case 'generator_expression':
      case 'set_comprehension':
        return this.evalComprehension(node, scope);
      case 'dictionary_comprehension':
        return this.evalDictComprehension(node, scope);
      case 'lambda':
        return this.makeFunction(node, scope);
      case 'assignment':
        this.execAssignment(node, scope);
        return NONE;
      case 'augmented_assignment':
        this.execAugmented(node, scope);
        return NONE;
      case 'named_expression': {
        const v = this.evalExpr(child(node, 'value') ?? node, scope);
        const name = child(node, 'name');
        if (name) this.assign(name, v, scope);
        return v;
      }
      case 'keyword_argument':
      case 'list_splat':
      case 'dictionary_splat':
      case 'comment':
        return UNKNOWN_VALUE;
      default:
        return UNKNOWN_VALUE;
    }
  }

  /** f"conv{i}" and f"{name}_{i + 1}": module names are often built this way. */
  private evalFString(node: SyntaxNode, scope: Scope): Value {
    let out = '';
    for (const c of node.children) {
      if (c.type === 'string_content') out += c.text;
      else if (c.type === 'escape_sequence') out += unescape(c.text);
      else if (c.type === 'interpolation') {
        const expr = child(c, 'expression') ?? c.children[0];
        const spec = c.children.find((x) => x.type === 'format_specifier');
        const text = expr ? formatValue(this.evalExpr(expr, scope), spec?.text.replace(/^:/, '') ?? '') : undefined;
        if (text === undefined) return UNKNOWN_VALUE;
        out += text;
      }
    }
    return str(out);
  }

  private markUncertain(v: SeqValue): SeqValue {
    if (this.uncertainDepth > 0) v.uncertain = true;
    return v;
  }

  execAssignment(node: SyntaxNode, scope: Scope): void {
    const left = child(node, 'left');
    const right = child(node, 'right');
    if (!left || !right) return; // annotation only: `x: int`
    const value = this.evalExpr(right, scope);
    this.assign(left, value, scope);
    // Chained `a = b = v`: the right side is itself an assignment that already ran.
    this.analyzer.recordAssignment(node, left, value);
  }

  private execAugmented(node: SyntaxNode, scope: Scope): void {
    const left = child(node, 'left');
    const right = child(node, 'right');
    const op = child(node, 'operator')?.text.replace('=', '') ?? '+';
    if (!left || !right) return;
    const cur = this.evalExpr(left, scope);
    const rhs = this.evalExpr(right, scope);
    let result: Value;
    if (op === '+' && cur.k === 'list' && (rhs.k === 'list' || rhs.k === 'tuple')) {
      if (cur.items.length + rhs.items.length > MAX_SEQUENCE_LENGTH) cur.uncertain = true;
      else cur.items.push(...rhs.items); // in place, like list.__iadd__
      if (rhs.uncertain || this.uncertainDepth > 0) cur.uncertain = true;
      result = cur;
    } else result = this.binaryOp(op, cur, rhs, node);
    this.assign(left, result, scope);
    this.analyzer.recordAssignment(node, left, result);
  }

  evalItems(nodes: SyntaxNode[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const n of nodes) {
      if (n.type === 'comment') continue;
      if (n.type === 'list_splat') {
        const v = this.evalExpr(n.children[0] ?? n, scope);
        const items = this.iterate(v);
        if (items) out.push(...items);
        else out.push(UNKNOWN_VALUE);
      } else out.push(this.evalExpr(n, scope));
    }
    return out;
  }

  private evalDict(node: SyntaxNode, scope: Scope): DictValue {
    const d: DictValue = { k: 'dict', keys: [], vals: [] };
    for (const c of node.children) {
      if (c.type === 'pair') {
        const k = this.evalExpr(child(c, 'key') ?? c, scope);
        const v = this.evalExpr(child(c, 'value') ?? c, scope);
        dictSet(d, k, v);
      } else if (c.type === 'dictionary_splat') {
        const v = this.evalExpr(c.children[0] ?? c, scope);
        if (v.k === 'dict') v.keys.forEach((k, i) => dictSet(d, k, v.vals[i] ?? UNKNOWN_VALUE));
        else d.uncertain = true;
      }
    }
    return d;
  }

  private comprehensionClauses(node: SyntaxNode): { body: SyntaxNode | undefined; clauses: SyntaxNode[] } {
    return { body: child(node, 'body') ?? node.children[0], clauses: node.children.filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause') };
  }

  private runComprehension(node: SyntaxNode, scope: Scope, emit: (inner: Scope) => void): boolean {
    const { clauses } = this.comprehensionClauses(node);
    const inner = new Scope(scope);
    let certain = true;
    const loop = (i: number): void => {
      const clause = clauses[i];
      if (!clause) {
        emit(inner);
        return;
      }
      if (clause.type === 'if_clause') {
        const t = truthy(this.evalExpr(clause.children[0] ?? clause, inner));
        if (t === undefined) certain = false;
        if (t !== false) loop(i + 1);
        return;
      }
      const left = child(clause, 'left');
      const right = child(clause, 'right');
      if (!left || !right) return;
      const items = this.iterate(this.evalExpr(right, inner));
      if (!items) {
        certain = false;
        return;
      }
      for (const item of items.slice(0, MAX_LOOP_ITERATIONS)) {
        this.assign(left, item, inner);
        loop(i + 1);
      }
    };
    loop(0);
    return certain;
  }

  private evalComprehension(node: SyntaxNode, scope: Scope): Value {
    const { body } = this.comprehensionClauses(node);
    if (!body) return UNKNOWN_VALUE;
    const out: Value[] = [];
    const certain = this.runComprehension(node, scope, (inner) => out.push(this.evalExpr(body, inner)));
    const result = list(out);
    if (!certain) result.uncertain = true;
    return result;
  }

  private evalDictComprehension(node: SyntaxNode, scope: Scope): Value {
    const pair = node.children.find((c) => c.type === 'pair');
    if (!pair) return UNKNOWN_VALUE;
    const d: DictValue = { k: 'dict', keys: [], vals: [] };
    const certain = this.runComprehension(node, scope, (inner) => {
      dictSet(d, this.evalExpr(child(pair, 'key') ?? pair, inner), this.evalExpr(child(pair, 'value') ?? pair, inner));
    });
    if (!certain) d.uncertain = true;
    return d;
  }

  private evalComparison(node: SyntaxNode, scope: Scope): Value {
    const operands = node.children.filter((c) => c.field !== 'operators');
    const ops = childrenOf(node, 'operators').map((o) => o.text.replace(/\s+/g, ' '));
    let left = this.evalExpr(operands[0] ?? node, scope);
    let result: boolean | undefined = true;
    for (let i = 0; i < ops.length; i++) {
      const right = this.evalExpr(operands[i + 1] ?? node, scope);
      const r = compare(ops[i] ?? '==', left, right);
      if (r === false) return FALSE;
      if (r === undefined) result = undefined;
      left = right;
    }
    return result === undefined ? UNKNOWN_VALUE : bool(result);
  }

  private evalBinary(node: SyntaxNode, scope: Scope): Value {
    const op = child(node, 'operator')?.text ?? '+';
    const left = this.evalExpr(child(node, 'left') ?? node, scope);
    const right = this.evalExpr(child(node, 'right') ?? node, scope);
    return this.binaryOp(op, left, right, node);
  }

  binaryOp(op: string, a: Value, b: Value, node: SyntaxNode): Value {
    if (a.k === 'tensor' || b.k === 'tensor') return this.analyzer.tensors.binary(op, a, b, node);
    if ((a.k === 'num' || a.k === 'sym' || a.k === 'bool') && (b.k === 'num' || b.k === 'sym' || b.k === 'bool')) {
      const r = arith(op, a, b);
      // Remember where a true division made a float from two ints: a size that must be an int gets a `//` fix there.
      const opNode = child(node, 'operator');
      if (op === '/' && r.k === 'num' && opNode && !(a.k === 'num' && a.float) && !(b.k === 'num' && b.float)) r.divAt = rangeOf(opNode);
      return r;
    }
    if (op === '+' && (a.k === 'list' || a.k === 'tuple') && b.k === a.k) {
      if (a.items.length + b.items.length > MAX_SEQUENCE_LENGTH) return { k: a.k, items: [], uncertain: true };
      const r: SeqValue = { k: a.k, items: [...a.items, ...b.items] };
      if (a.uncertain || b.uncertain) r.uncertain = true;
      return r;
    }
    if (op === '*' && (a.k === 'list' || a.k === 'tuple') && b.k === 'num') {
      if (a.items.length * b.v > MAX_SEQUENCE_LENGTH) return { k: a.k, items: [], uncertain: true };
      const items: Value[] = [];
      for (let i = 0; i < Math.min(b.v, MAX_LOOP_ITERATIONS); i++) items.push(...a.items);
      return { k: a.k, items };
    }
    if (op === '*' && a.k === 'num' && (b.k === 'list' || b.k === 'tuple')) return this.binaryOp(op, b, a, node);
    if (op === '+' && a.k === 'str' && b.k === 'str') return a.v.length + b.v.length > MAX_SEQUENCE_LENGTH ? UNKNOWN_VALUE : str(a.v + b.v);
    if (op === '%' && a.k === 'str') return percentFormat(a.v, b.k === 'tuple' ? b.items : [b]);
    return UNKNOWN_VALUE;
  }

  private evalSubscript(node: SyntaxNode, scope: Scope): Value {
    const obj = this.evalExpr(child(node, 'value') ?? node, scope);
    const subs = childrenOf(node, 'subscript');
    if (obj.k === 'tensor') return this.analyzer.tensors.index(obj, subs, scope, node);
    const first = subs[0];
    if (!first) return UNKNOWN_VALUE;
    if (first.type === 'slice') {
      const [start, stop, step] = this.sliceParts(first, scope);
      return sliceValue(obj, start, stop, step);
    }
    return getItem(obj, this.evalExpr(first, scope));
  }

  /** Evaluates a slice's parts: [start, stop, step], each a value or undefined when omitted. */
  sliceParts(slice: SyntaxNode, scope: Scope): Array<Value | undefined> {
    const parts: Array<Value | undefined> = [undefined, undefined, undefined];
    let i = 0;
    for (const c of slice.children) {
      if (c.text === ':' && c.children.length === 0 && c.type === ':') {
        i++;
        continue;
      }
      parts[i] = this.evalExpr(c, scope);
    }
    return parts;
  }

  // ---------------------------------------------------------------- calls

  /** Evaluates a call's arguments. The maps are only allocated when keywords are present (calls are the hot path). */
  evalArgs(argsNode: SyntaxNode | undefined, scope: Scope, node: SyntaxNode): CallInfo {
    const info: CallInfo = { args: [], kwargs: NO_KWARGS, argNodes: [], kwNodes: NO_KWNODES, unknownSplat: false, node, scope };
    if (!argsNode) return info;
    if (argsNode.hasError) {
      // An argument list that does not parse (`nn.Conv2d(167 32, 3)`): which value is which argument is unknown, so
      // nothing is said about the arguments; Python reports the SyntaxError itself.
      info.unknownSplat = true;
      info.syntaxError = true;
      if (argsNode.file === undefined) this.analyzer.note(`line ${argsNode.startRow + 1} has a syntax error: the arguments of that call are not analysed`);
      return info;
    }
    const { args, argNodes } = info;
    if (argsNode.type === 'generator_expression') {
      args.push(this.evalExpr(argsNode, scope));
      argNodes.push(argsNode);
      return info;
    }
    const keyword = (name: string, v: Value, n: SyntaxNode): void => {
      const kwargs = info.kwargs === NO_KWARGS ? new Map<string, Value>() : (info.kwargs as Map<string, Value>);
      const kwNodes = info.kwNodes === NO_KWNODES ? new Map<string, SyntaxNode>() : (info.kwNodes as Map<string, SyntaxNode>);
      kwargs.set(name, v);
      kwNodes.set(name, n);
      info.kwargs = kwargs;
      info.kwNodes = kwNodes;
    };
    for (const a of argsNode.children) {
      if (a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const name = child(a, 'name')?.text;
        const valueNode = child(a, 'value');
        if (!name || !valueNode) continue;
        keyword(name, this.evalExpr(valueNode, scope), valueNode);
      } else if (a.type === 'list_splat') {
        const v = this.evalExpr(a.children[0] ?? a, scope);
        const items = this.iterate(v);
        if (items) {
          for (const item of items) {
            args.push(item);
            argNodes.push(a);
          }
          if ((v.k === 'list' || v.k === 'tuple') && v.uncertain) info.unknownSplat = true;
        } else info.unknownSplat = true;
      } else if (a.type === 'dictionary_splat') {
        const v = this.evalExpr(a.children[0] ?? a, scope);
        if (v.k === 'dict') {
          v.keys.forEach((k, i) => {
            if (k.k === 'str') keyword(k.v, v.vals[i] ?? UNKNOWN_VALUE, a);
          });
          if (v.uncertain) info.unknownSplat = true;
        } else info.unknownSplat = true;
      } else {
        args.push(this.evalExpr(a, scope));
        argNodes.push(a);
      }
    }
    return info;
  }

  private evalCall(node: SyntaxNode, scope: Scope): Value {
    const fnNode = child(node, 'function');
    if (!fnNode) return UNKNOWN_VALUE;
    const fn = this.evalExpr(fnNode, scope);
    return this.analyzer.call(fn, this.evalArgs(child(node, 'arguments'), scope, node));
  }

  /** Calls a user function or method. */
  callFunction(fn: FuncValue, args: Value[], kwargs: ReadonlyMap<string, Value>, callSite: Range | undefined): Value {
    if (this.frames.length >= MAX_CALL_DEPTH) {
      this.analyzer.note(`call depth limit reached in ${fn.name}: recursion is not followed further`);
      return UNKNOWN_VALUE;
    }
    const scope = new Scope(fn.closure);
    const all = fn.self !== undefined ? [fn.self, ...args] : args;
    let i = 0;
    // Copied only when there are keywords to consume (most calls have none).
    const extraKw = kwargs.size === 0 ? NO_EXTRA_KW : new Map(kwargs);
    // A required argument not given (a class built with its defaults to find the model): what else the caller
    // would have passed through *args/**kwargs is not known either.
    let missing = false;
    let misbound = false;
    for (const p of fn.params) {
      if (p.kind === 'plain') {
        if (i < all.length) {
          scope.vars.set(p.name, all[i++] ?? UNKNOWN_VALUE);
          if (extraKw.has(p.name)) misbound = true;
        } else if (extraKw.has(p.name)) {
          scope.vars.set(p.name, extraKw.get(p.name) ?? UNKNOWN_VALUE);
          extraKw.delete(p.name);
        } else {
          if (p.default === undefined) missing = true;
          scope.vars.set(p.name, p.default ?? UNKNOWN_VALUE);
        }
      } else if (p.kind === 'kwonly') {
        if (!extraKw.has(p.name) && p.default === undefined) missing = true;
        scope.vars.set(p.name, extraKw.get(p.name) ?? p.default ?? UNKNOWN_VALUE);
        extraKw.delete(p.name);
      } else if (p.kind === 'star') {
        const rest = tuple(all.slice(i));
        if (missing) rest.uncertain = true;
        scope.vars.set(p.name, rest);
        i = all.length;
      } else {
        const d: DictValue = { k: 'dict', keys: [], vals: [] };
        if (missing) d.uncertain = true;
        for (const [k, v] of extraKw) dictSet(d, str(k), v);
        scope.vars.set(p.name, d);
      }
    }
    if (extraKw.size > 0 && !fn.params.some((p) => p.kind === 'kwstar') && [...extraKw.keys()].some((k) => !fn.params.some((p) => p.name === k))) misbound = true;
    if (misbound || (i < all.length && !fn.params.some((p) => p.kind === 'star'))) {
      // Python raises TypeError here, or the call is not understood: the result is unknown rather than built from
      // arguments in the wrong places.
      this.analyzer.note(`the arguments of a call to ${fn.name} do not fit its parameters: its result is unknown`);
      return UNKNOWN_VALUE;
    }
    this.frames.push({ func: fn, callSite });
    try {
      if (fn.node.type === 'lambda') {
        const body = child(fn.node, 'body');
        return body ? this.evalExpr(body, scope) : UNKNOWN_VALUE;
      }
      const body = child(fn.node, 'body');
      const flow = body ? this.execStatement(body, scope) : undefined;
      return flow?.kind === 'return' ? flow.value : flow?.kind === 'raise' ? UNKNOWN_VALUE : NONE;
    } finally {
      this.frames.pop();
    }
  }

  // ---------------------------------------------------------------- names and attributes

  lookup(name: string, scope: Scope): Value {
    const v = scope.lookup(name);
    if (v !== undefined) return v;
    if (BUILTINS.has(name)) return attrRef('builtins', name);
    const star = this.analyzer.imports.lookupStar(moduleScopeOf(scope), name, new Set());
    if (star !== undefined) return star;
    const def = DEFAULT_GLOBALS[name];
    if (def) return { k: 'ref', path: def };
    return UNKNOWN_VALUE;
  }

  getAttr(obj: Value, name: string): Value {
    switch (obj.k) {
      case 'ref':
        if (obj.path === '<super>') return this.analyzer.superAttr(obj, name);
        return attrRef(obj.path, name);
      case 'pymodule':
        return this.analyzer.imports.attr(obj, name);
      case 'module':
        return this.analyzer.modules.getAttr(obj, name);
      case 'obj': {
        const v = obj.attrs.get(name);
        if (v !== undefined) return v;
        const m = findClassAttr(obj.cls, name);
        if (m?.k === 'func') return this.bindMethod(m, obj);
        if (m === undefined && obj.cls.native === 'argparse.ArgumentParser') return { k: 'method', self: obj, name };
        return m ?? UNKNOWN_VALUE;
      }
      case 'class': {
        const m = findClassAttr(obj, name);
        // Through the class, a plain function stays unbound; a classmethod gets the class.
        if (m?.k === 'func' && m.binding === 'class') return { ...m, self: obj };
        return m ?? UNKNOWN_VALUE;
      }
      case 'tensor':
        return this.analyzer.tensors.attr(obj, name);
      case 'list':
      case 'tuple':
      case 'dict':
      case 'str':
        return { k: 'method', self: obj, name };
      default:
        return UNKNOWN_VALUE;
    }
  }

  /** A method read through an instance, bound as Python binds it: static gets nothing, classmethod the class, property is called. */
  bindMethod(fn: FuncValue, self: Value): Value {
    switch (fn.binding) {
      case 'static':
        return fn;
      case 'class': {
        const cls = self.k === 'class' ? self : self.k === 'obj' || self.k === 'module' ? self.cls : undefined;
        return cls ? { ...fn, self: cls } : UNKNOWN_VALUE;
      }
      case 'property':
        return this.callFunction({ ...fn, self }, [], new Map(), undefined);
      default:
        return { ...fn, self };
    }
  }

  /** The items of an iterable, or undefined when they cannot be known. */
  iterate(v: Value): Value[] | undefined {
    switch (v.k) {
      case 'list':
      case 'tuple':
        return v.uncertain ? undefined : v.items;
      case 'dict':
        return v.uncertain ? undefined : v.keys;
      case 'str':
        return [...v.v].map((c) => str(c));
      case 'obj':
        return recordItems(v);
      case 'module':
        if (v.container === 'Sequential' || v.container === 'ModuleList') return [...v.children.values()];
        if (v.container === 'ModuleDict') return [...v.children.keys()].map((k) => str(k));
        return undefined;
      case 'data':
        return this.analyzer.data.iterate(v);
      case 'tensor': {
        const known = this.analyzer.tensors.concrete.items(v);
        if (known) return known;
        const first = v.shape?.[0];
        if (v.shape && typeof first === 'number' && first <= 64) {
          return Array.from({ length: first }, () => this.analyzer.tensors.make(v.shape?.slice(1) ?? null, v));
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }
}

/**
 * `nn.Conv2d`, `torch.randn`, `range`: one shared value per path (refs are never modified), so that the path is one
 * string whose hash is computed once for the many map lookups on it, rather than a new string per evaluation.
 */
const refsByParent = new Map<string, Map<string, RefValue>>();

function attrRef(parent: string, name: string): RefValue {
  let byName = refsByParent.get(parent);
  if (!byName) {
    // A bound on what a long session keeps (paths come from source text).
    if (refsByParent.size > 5_000) refsByParent.clear();
    refsByParent.set(parent, (byName = new Map()));
  }
  let ref = byName.get(name);
  if (!ref) {
    if (byName.size > 5_000) byName.clear();
    ref = { k: 'ref', path: `${parent}.${name}` };
    byName.set(name, ref);
  }
  return ref;
}

const CONTAINERS = new Set(['torch.nn.Sequential', 'torch.nn.ModuleList', 'torch.nn.ModuleDict']);

/** The torch.nn layer class a base path names (`torch.nn.Conv2d`, `torch.nn.modules.conv.Conv2d`), if it is one. */
function builtinLayerName(path: string): string | undefined {
  const m = /^torch\.nn\.(?:modules\.[a-z_]+\.)?([A-Z]\w*)$/.exec(path);
  const name = m?.[1];
  if (name === undefined || name === 'Module' || name === 'Parameter' || name === 'Sequential' || name === 'ModuleList' || name === 'ModuleDict') return undefined;
  return name;
}

const STATEMENT_TYPES = new Set([
  'expression_statement', 'return_statement', 'if_statement', 'for_statement', 'while_statement', 'try_statement',
  'with_statement', 'function_definition', 'class_definition', 'decorated_definition', 'import_statement',
  'import_from_statement', 'pass_statement', 'break_statement', 'continue_statement', 'raise_statement',
  'global_statement', 'nonlocal_statement', 'assert_statement', 'delete_statement', 'match_statement', 'print_statement',
  'exec_statement', 'type_alias_statement', 'future_import_statement',
]);

/** The global scope of the module a scope belongs to. */
export function moduleScopeOf(scope: Scope): Scope {
  let s = scope;
  while (s.parent) s = s.parent;
  return s;
}

/** Something a decorator may return in place of the definition. */
function isCallable(v: Value): boolean {
  return v.k === 'func' || v.k === 'class' || v.k === 'module' || (v.k === 'obj' && (v.cls.native === 'functools.partial' || findClassAttr(v.cls, '__call__') !== undefined));
}

export function findClassAttr(cls: ClassValue, name: string): Value | undefined {
  // Most lookups end at the class itself or at a class without user bases (every method call, every forward).
  const own = cls.attrs.get(name);
  if (own !== undefined) return own;
  if (!cls.bases.some((b) => b.k === 'class')) return undefined;
  const seen = new Set<ClassValue>();
  const visit = (c: ClassValue): Value | undefined => {
    if (seen.has(c)) return undefined;
    seen.add(c);
    const v = c.attrs.get(name);
    if (v !== undefined) return v;
    for (const b of c.bases) if (b.k === 'class') {
      const r = visit(b);
      if (r !== undefined) return r;
    }
    return undefined;
  };
  return visit(cls);
}

/** @staticmethod, @classmethod, @property (also `@functools.cached_property`) and property setters on a method. */
function methodBinding(decorated: SyntaxNode): FuncValue['binding'] | 'setter' {
  for (const d of decorated.children) {
    if (d.type !== 'decorator') continue;
    const name = d.children[0] ? dottedName(d.children[0]) : undefined;
    if (name === undefined) continue;
    if (name === 'staticmethod') return 'static';
    if (name === 'classmethod') return 'class';
    if (/^(property|(functools\.)?cached_property)$/.test(name)) return 'property';
    if (/\.(setter|deleter)$/.test(name)) return 'setter';
  }
  return undefined;
}

/** A block whose last statement raises: an argument check. */
function alwaysRaises(block: SyntaxNode): boolean {
  const stmts = block.children.filter((c) => c.type !== 'comment');
  return stmts[stmts.length - 1]?.type === 'raise_statement';
}

/** `a.b.c` as text (tree nodes keep text on leaves only). */
function dottedName(n: SyntaxNode): string | undefined {
  if (n.type === 'identifier') return n.text;
  if (n.type !== 'attribute') return undefined;
  const obj = child(n, 'object');
  const attr = child(n, 'attribute');
  const base = obj ? dottedName(obj) : undefined;
  return base && attr ? `${base}.${attr.text}` : undefined;
}

function parseIntLiteral(text: string): number {
  if (/^[1-9]\d{0,14}$|^0$/.test(text)) return Number(text);
  const t = text.replace(/_/g, '').toLowerCase().replace(/l$/, '');
  if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
  if (t.startsWith('0o')) return parseInt(t.slice(2), 8);
  if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
  return Number(t);
}

function unescape(text: string): string {
  return text.replace(/\\(["'\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** str(v) / format(v, spec) for the values module names are built from; undefined when unknown. */
export function formatValue(v: Value, spec = ''): string | undefined {
  switch (v.k) {
    case 'str': return v.v;
    case 'num': {
      const m = /^(0?)(\d*)(?:\.(\d+))?([dfi]?)$/.exec(spec);
      if (spec && m) {
        const digits = m[3] !== undefined ? v.v.toFixed(Number(m[3])) : m[4] === 'f' ? v.v.toFixed(6) : String(Math.trunc(v.v));
        return m[1] === '0' ? digits.padStart(Number(m[2] || 0), '0') : digits.padStart(Number(m[2] || 0), ' ');
      }
      return v.float && Number.isInteger(v.v) ? `${v.v}.0` : String(v.v);
    }
    case 'bool': return v.v ? 'True' : 'False';
    case 'none': return 'None';
    case 'sym': return isKnown(v.d) ? String(v.d) : undefined;
    default: return undefined;
  }
}

/** "conv%d" % i, "%s_%02d" % (a, b). */
function percentFormat(fmt: string, args: Value[]): Value {
  let i = 0;
  let failed = false;
  const out = fmt.replace(/%(0?\d*(?:\.\d+)?)([sdirf%])/g, (_, spec: string, conv: string) => {
    if (conv === '%') return '%';
    const v = args[i++];
    const text = v ? formatValue(v, conv === 's' || conv === 'r' ? '' : spec + (conv === 'f' ? 'f' : 'd')) : undefined;
    if (text === undefined) failed = true;
    return text ?? '';
  });
  return failed ? UNKNOWN_VALUE : str(out);
}

function stringValue(node: SyntaxNode): Value {
  if (node.type !== 'string') return UNKNOWN_VALUE;
  if (node.children.some((c) => c.type === 'interpolation')) return UNKNOWN_VALUE;
  const m = /^([a-zA-Z]*)('''|"""|'|")([\s\S]*)\2$/.exec(node.text);
  if (!m) return UNKNOWN_VALUE;
  const raw = (m[1] ?? '').toLowerCase().includes('r');
  const body = m[3] ?? '';
  return str(raw ? body : body.replace(/\\(["'\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)));
}

export function dictSet(d: DictValue, k: Value, v: Value): void {
  const i = d.keys.findIndex((x) => valueEquals(x, k) === true);
  if (i >= 0) d.vals[i] = v;
  else {
    d.keys.push(k);
    d.vals.push(v);
  }
}

export function valueEquals(a: Value, b: Value): boolean | undefined {
  if (isOpaqueRef(a) || isOpaqueRef(b)) return a.k === 'ref' && b.k === 'ref' && a.path === b.path ? true : undefined;
  if ((a.k === 'num' || a.k === 'bool') && (b.k === 'num' || b.k === 'bool')) return Number(a.v) === Number(b.v);
  if (a.k === 'str' && b.k === 'str') return a.v === b.v;
  if (a.k === 'none' || b.k === 'none') {
    if (a.k === 'unknown' || b.k === 'unknown') return undefined;
    return a.k === b.k;
  }
  if ((a.k === 'list' || a.k === 'tuple') && (b.k === 'list' || b.k === 'tuple')) {
    if (a.k !== b.k && !(a.size || b.size)) return false;
    if (a.uncertain || b.uncertain) return undefined;
    if (a.items.length !== b.items.length) return false;
    let r: boolean | undefined = true;
    a.items.forEach((x, i) => {
      const e = valueEquals(x, b.items[i] ?? UNKNOWN_VALUE);
      if (e === false) r = false;
      else if (e === undefined && r) r = undefined;
    });
    return r;
  }
  if (a.k === 'sym' || b.k === 'sym') {
    const da = toDim(a);
    const db = toDim(b);
    if (da === undefined || db === undefined) return undefined;
    if (isKnown(da) && isKnown(db)) return da === db;
    return undefined;
  }
  if (a.k === 'module' && b.k === 'module') return a.id === b.id;
  if (a.k === 'class' && b.k === 'class') return a === b;
  if (a.k === 'ref' && b.k === 'ref') return a.path === b.path;
  if (a.k === 'unknown' || b.k === 'unknown' || a.k === 'tensor' || b.k === 'tensor') return undefined;
  if (a.k !== b.k) return false;
  return a === b;
}

function compare(op: string, a: Value, b: Value): boolean | undefined {
  switch (op) {
    case '==': return valueEquals(a, b);
    case '!=': {
      const e = valueEquals(a, b);
      return e === undefined ? undefined : !e;
    }
    case 'is': return a.k === 'none' || b.k === 'none' ? (a.k === 'unknown' || b.k === 'unknown' || isOpaqueRef(a) || isOpaqueRef(b) ? undefined : a.k === b.k) : valueEquals(a, b);
    case 'is not': {
      const e = compare('is', a, b);
      return e === undefined ? undefined : !e;
    }
    case 'in':
    case 'not in': {
      let items: Value[] | undefined;
      if (b.k === 'list' || b.k === 'tuple') items = b.uncertain ? undefined : b.items;
      else if (b.k === 'dict') items = b.uncertain ? undefined : b.keys;
      else if (b.k === 'str' && a.k === 'str') return op === 'in' ? b.v.includes(a.v) : !b.v.includes(a.v);
      if (!items) return undefined;
      let found: boolean | undefined = false;
      for (const x of items) {
        const e = valueEquals(a, x);
        if (e === true) {
          found = true;
          break;
        }
        if (e === undefined) found = undefined;
      }
      if (found === undefined) return undefined;
      return op === 'in' ? found : !found;
    }
    default: {
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === undefined || y === undefined) {
        if (a.k === 'str' && b.k === 'str') return op === '<' ? a.v < b.v : op === '>' ? a.v > b.v : op === '<=' ? a.v <= b.v : a.v >= b.v;
        return undefined;
      }
      switch (op) {
        case '<': return x < y;
        case '>': return x > y;
        case '<=': return x <= y;
        case '>=': return x >= y;
        default: return undefined;
      }
    }
  }
}

export function toNumber(v: Value): number | undefined {
  if (v.k === 'num') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'sym' && isKnown(v.d)) return v.d;
  return undefined;
}

/** An integer-valued Value as a dimension (number or symbolic), or undefined. */
export function toDim(v: Value): Dim | undefined {
  if (v.k === 'num' && Number.isInteger(v.v)) return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'sym') return v.d;
  return undefined;
}

export function dimValue(d: Dim): Value {
  return isKnown(d) ? num(d, false) : { k: 'sym', d };
}

function arith(op: string, a: Value, b: Value): Value {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined) {
    const float = (a.k === 'num' && a.float) || (b.k === 'num' && b.float);
    switch (op) {
      case '+': return num(x + y, float);
      case '-': return num(x - y, float);
      case '*': return num(x * y, float);
      case '/': return y === 0 ? UNKNOWN_VALUE : num(x / y, true);
      case '//': return y === 0 ? UNKNOWN_VALUE : num(Math.floor(x / y), float);
      case '%': return y === 0 ? UNKNOWN_VALUE : num(x - Math.floor(x / y) * y, float);
      case '**': return num(x ** y, float || y < 0);
      case '<<': return num(x * 2 ** y, false);
      case '>>': return num(Math.floor(x / 2 ** y), false);
      case '&': return num(x & y, false);
      case '|': return num(x | y, false);
      case '^': return num(x ^ y, false);
      default: return UNKNOWN_VALUE;
    }
  }
  // Symbolic integers (tensor sizes): keep exact expressions for + - * and // by constants.
  const da = toDim(a);
  const db = toDim(b);
  if (da === undefined || db === undefined) return UNKNOWN_VALUE;
  switch (op) {
    case '+': return dimValue(add(da, db));
    case '-': return dimValue(sub(da, db));
    case '*': return dimValue(mul(da, db));
    case '//': return isKnown(db) && db > 0 ? dimValue(floorDiv(da, db)) : UNKNOWN_VALUE;
    default: return UNKNOWN_VALUE;
  }
}

function unaryOp(op: string | undefined, v: Value, interp: Interpreter, node: SyntaxNode): Value {
  if (v.k === 'tensor') return op === '-' ? interp.analyzer.tensors.unary(v, node) : v;
  const d = toDim(v);
  if (op === '-') {
    if (v.k === 'num') return num(-v.v, v.float);
    if (d !== undefined) return dimValue(sub(0, d));
  }
  if (op === '+') return v;
  if (op === '~' && v.k === 'num') return num(~v.v, false);
  return UNKNOWN_VALUE;
}

function normIndex(i: number, n: number): number {
  return i < 0 ? n + i : i;
}

export function getItem(obj: Value, idx: Value): Value {
  switch (obj.k) {
    case 'list':
    case 'tuple': {
      if (obj.uncertain) return UNKNOWN_VALUE;
      const i = toNumber(idx);
      if (i === undefined) return UNKNOWN_VALUE;
      return obj.items[normIndex(i, obj.items.length)] ?? UNKNOWN_VALUE;
    }
    case 'dict': {
      const i = obj.keys.findIndex((k) => valueEquals(k, idx) === true);
      return i >= 0 ? obj.vals[i] ?? UNKNOWN_VALUE : UNKNOWN_VALUE;
    }
    case 'str': {
      const i = toNumber(idx);
      return i === undefined ? UNKNOWN_VALUE : str(obj.v[normIndex(i, obj.v.length)] ?? '');
    }
    case 'obj': {
      const items = recordItems(obj);
      return items ? getItem(tuple(items), idx) : UNKNOWN_VALUE;
    }
    case 'module': {
      if (obj.container === 'ModuleDict' && idx.k === 'str') return obj.children.get(idx.v) ?? UNKNOWN_VALUE;
      if (obj.container) {
        const i = toNumber(idx);
        if (i === undefined) return UNKNOWN_VALUE;
        const items = [...obj.children.values()];
        return items[normIndex(i, items.length)] ?? UNKNOWN_VALUE;
      }
      return UNKNOWN_VALUE;
    }
    default:
      return UNKNOWN_VALUE;
  }
}

function sliceValue(obj: Value, start: Value | undefined, stop: Value | undefined, step: Value | undefined): Value {
  const n = obj.k === 'list' || obj.k === 'tuple' ? obj.items.length : obj.k === 'str' ? obj.v.length : obj.k === 'module' && obj.container ? obj.children.size : undefined;
  if (n === undefined || ((obj.k === 'list' || obj.k === 'tuple') && obj.uncertain)) return UNKNOWN_VALUE;
  const idx = sliceIndices(n, start, stop, step);
  if (!idx) return UNKNOWN_VALUE;
  if (obj.k === 'list' || obj.k === 'tuple') return { k: obj.k, items: idx.map((i) => obj.items[i] ?? UNKNOWN_VALUE) };
  if (obj.k === 'str') return str(idx.map((i) => obj.v[i]).join(''));
  return UNKNOWN_VALUE;
}

/** Python slice semantics over a length-n sequence. */
export function sliceIndices(n: number, start: Value | undefined, stop: Value | undefined, step: Value | undefined): number[] | undefined {
  const s = step && step.k !== 'none' ? toNumber(step) : 1;
  if (s === undefined || s === 0) return undefined;
  const conv = (v: Value | undefined, dflt: number): number | undefined => {
    if (!v || v.k === 'none') return dflt;
    const x = toNumber(v);
    if (x === undefined) return undefined;
    if (x < 0) return Math.max(x + n, s > 0 ? 0 : -1);
    return Math.min(x, s > 0 ? n : n - 1);
  };
  const a = conv(start, s > 0 ? 0 : n - 1);
  const b = conv(stop, s > 0 ? n : -1);
  if (a === undefined || b === undefined) return undefined;
  const out: number[] = [];
  for (let i = a; s > 0 ? i < b : i > b; i += s) out.push(i);
  return out;
}

