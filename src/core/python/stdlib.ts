// The standard-library objects model code configures itself with: argparse options (read at their defaults),
// SimpleNamespace, functools.partial, namedtuple / NamedTuple / @dataclass records, enum members, and the typing
// and torch.jit helpers that only matter to type checkers and TorchScript.
import type { SyntaxNode } from '../syntax';
import { dictSet, findClassAttr } from './interpreter';
import type { Analyzer, CallInfo } from './analyzer';
import {
  FALSE, list, NONE, num, str, tuple, UNKNOWN_VALUE,
  type ClassValue, type DictValue, type ObjValue, type Value,
} from './values';

/** Where an ArgumentParser keeps its options (not a Python identifier, so user code cannot reach it). */
const OPTIONS = '<options>';

/** A partial's own argument nodes, so that errors in the layer it builds point at what the user wrote. */
interface PartialNodes { argNodes: SyntaxNode[]; kwNodes: ReadonlyMap<string, SyntaxNode> }

export class StdlibOps {
  private readonly nativeClasses = new Map<string, ClassValue>();
  private readonly partialNodes = new WeakMap<ObjValue, PartialNodes>();

  constructor(private readonly a: Analyzer) {}

  /** A call of a standard-library function or class by its dotted path; undefined when it is not one modelled here. */
  call(path: string, info: CallInfo): Value | undefined {
    const { args, kwargs } = info;
    switch (path) {
      case 'argparse.ArgumentParser':
        return this.native('argparse.ArgumentParser', info.node, new Map([[OPTIONS, { k: 'dict', keys: [], vals: [] }]]));
      case 'argparse.Namespace':
      case 'types.SimpleNamespace':
        return this.native('types.SimpleNamespace', info.node, new Map(kwargs));
      case 'functools.partial':
        return this.partial(info);
      case 'functools.wraps':
        // @functools.wraps(f) on a wrapper returns the wrapper unchanged (only its metadata is copied).
        return { k: 'ref', path: '<identity decorator>' };
      case '<identity decorator>':
        return args[0] ?? UNKNOWN_VALUE;
      case 'collections.namedtuple':
      case 'typing.NamedTuple':
        return this.namedtuple(info);
      case 'typing.cast':
        return args[1] ?? kwargs.get('val') ?? UNKNOWN_VALUE;
      case 'torch.jit.annotate':
        return args[1] ?? UNKNOWN_VALUE;
      case 'torch.jit.is_scripting':
      case 'torch.jit.is_tracing':
      case 'torch._C._get_tracing_state':
        return FALSE;
      case 'torch._assert':
      case 'torch._C._log_api_usage_once':
        return NONE;
      case 'dataclasses.field':
        return this.native('dataclasses.field', info.node, new Map(kwargs));
      case 'copy.copy': {
        // A shallow copy of a config object (`block_cnf = copy.copy(cnf)`): its own attribute map, the same values.
        const a0 = args[0];
        if (a0?.k === 'obj' && !a0.cls.native) return { k: 'obj', cls: a0.cls, attrs: new Map(a0.attrs) };
        if ((a0?.k === 'list' || a0?.k === 'tuple') && !a0.uncertain) return { ...a0, items: [...a0.items] };
        return UNKNOWN_VALUE;
      }
      case 'dataclasses.dataclass': {
        const cls = args[0];
        if (cls?.k === 'class') return this.makeDataclass(cls);
        // @dataclass(frozen=True): the call returns the decorator itself.
        return { k: 'ref', path: 'dataclasses.dataclass' };
      }
      default:
        return undefined;
    }
  }

  /** A method of a modelled object (parser.add_argument, ...). */
  callMethod(self: ObjValue, name: string, info: CallInfo): Value {
    if (name === RECORD_INIT) {
      const fields = recordFields(self.cls);
      if (fields) this.initRecord(self, fields, info);
      return NONE;
    }
    if (self.cls.native !== 'argparse.ArgumentParser') return UNKNOWN_VALUE;
    const options = self.attrs.get(OPTIONS);
    if (options?.k !== 'dict') return UNKNOWN_VALUE;
    switch (name) {
      case 'add_argument':
        this.addArgument(options, info);
        return NONE;
      case 'add_argument_group':
      case 'add_mutually_exclusive_group':
        // A group adds its options to the parser itself.
        return self;
      case 'set_defaults':
        for (const [k, v] of info.kwargs) dictSet(options, str(k), v);
        return NONE;
      case 'parse_args':
      case 'parse_intermixed_args':
      case 'parse_known_args': {
        // The command line is not known: every option has the default its add_argument gives.
        this.a.note('argparse options are read at their default values (parser.parse_args() cannot see a command line here)');
        const attrs = new Map<string, Value>();
        options.keys.forEach((k, i) => {
          if (k.k === 'str') attrs.set(k.v, options.vals[i] ?? UNKNOWN_VALUE);
        });
        const ns = this.native('types.SimpleNamespace', info.node, attrs);
        return name === 'parse_known_args' ? tuple([ns, list([])]) : ns;
      }
      default:
        return UNKNOWN_VALUE;
    }
  }

  /** Calling a modelled object: a functools.partial. Undefined when the object is not callable here. */
  callObject(obj: ObjValue, info: CallInfo): Value | undefined {
    if (obj.cls.native !== 'functools.partial') return undefined;
    const fn = obj.attrs.get('func');
    const bound = obj.attrs.get('args');
    const keywords = obj.attrs.get('keywords');
    if (!fn || bound?.k !== 'tuple' || keywords?.k !== 'dict') return UNKNOWN_VALUE;
    const nodes = this.partialNodes.get(obj);
    const kwargs = new Map<string, Value>();
    const kwNodes = new Map<string, SyntaxNode>();
    keywords.keys.forEach((k, i) => {
      if (k.k !== 'str') return;
      kwargs.set(k.v, keywords.vals[i] ?? UNKNOWN_VALUE);
      const n = nodes?.kwNodes.get(k.v);
      if (n) kwNodes.set(k.v, n);
    });
    // Keywords given at the call replace the partial's (Python's rule).
    for (const [k, v] of info.kwargs) kwargs.set(k, v);
    for (const [k, n] of info.kwNodes) kwNodes.set(k, n);
    return this.a.call(fn, {
      ...info,
      args: [...bound.items, ...info.args],
      argNodes: [...(nodes?.argNodes ?? []), ...info.argNodes],
      kwargs,
      kwNodes,
      unknownSplat: info.unknownSplat || keywords.uncertain === true,
    });
  }

  /** A new instance of a record class (namedtuple, NamedTuple, @dataclass), or undefined if the class is not one. */
  constructRecord(cls: ClassValue, info: CallInfo): ObjValue | undefined {
    const fields = recordFields(cls);
    if (!fields || (!cls.tupleLike && findClassAttr(cls, '__init__') !== undefined)) return undefined;
    const obj: ObjValue = { k: 'obj', cls, attrs: new Map() };
    this.initRecord(obj, fields, info);
    return obj;
  }

  /** The generated __init__ of a record: each field from the call's arguments, its default or its factory; then __post_init__. */
  private initRecord(obj: ObjValue, fields: NonNullable<ClassValue['fields']>, info: CallInfo): void {
    fields.forEach((f, i) => {
      const given = i < info.args.length ? info.args[i] : info.kwargs.get(f.name);
      let v = given ?? f.default;
      if (v === undefined && f.factory) v = this.a.call(f.factory, { ...info, args: [], kwargs: new Map(), argNodes: [], kwNodes: new Map() });
      obj.attrs.set(f.name, v ?? UNKNOWN_VALUE);
    });
    const post = findClassAttr(obj.cls, '__post_init__');
    if (post?.k === 'func') this.a.interp.callFunction({ ...post, self: obj }, [], new Map(), undefined);
  }

  /** @dataclass: the annotated class attributes become the fields of a generated __init__ (a base dataclass's first). */
  makeDataclass(cls: ClassValue): ClassValue {
    const inherited = cls.bases.flatMap((b) => (b.k === 'class' && b.fields ? b.fields : []));
    const own = this.annotatedFields(cls);
    const names = new Set(own.map((f) => f.name));
    cls.fields = [...inherited.filter((f) => !names.has(f.name)), ...own];
    return cls;
  }

  /** A class deriving from typing.NamedTuple: its annotated attributes are the tuple's fields. */
  makeNamedTupleClass(cls: ClassValue): void {
    cls.fields = this.annotatedFields(cls);
    cls.tupleLike = true;
  }

  /** Enum members: each plain class attribute becomes an instance with .name and .value. */
  makeEnumMembers(cls: ClassValue): void {
    cls.enumLike = true;
    for (const [name, v] of cls.attrs) {
      if (name.startsWith('_') || v.k === 'func' || v.k === 'class') continue;
      cls.attrs.set(name, { k: 'obj', cls, attrs: new Map([['name', str(name)], ['value', v]]) });
    }
  }

  /** `x: int = 3` statements of a class body, in order; a dataclasses.field() gives the default or its factory. */
  private annotatedFields(cls: ClassValue): NonNullable<ClassValue['fields']> {
    const out: NonNullable<ClassValue['fields']> = [];
    const body = cls.node.children.find((c) => c.field === 'body');
    for (const stmt of body?.children ?? []) {
      const assign = stmt.type === 'expression_statement' ? stmt.children[0] : undefined;
      if (assign?.type !== 'assignment') continue;
      const left = assign.children.find((c) => c.field === 'left');
      const type = assign.children.find((c) => c.field === 'type');
      if (left?.type !== 'identifier' || !type || /^(typing\.)?ClassVar\b/.test(type.text)) continue;
      const hasValue = assign.children.some((c) => c.field === 'right');
      const v = hasValue ? cls.attrs.get(left.text) : undefined;
      if (v?.k === 'obj' && v.cls.native === 'dataclasses.field') {
        const d = v.attrs.get('default');
        const factory = v.attrs.get('default_factory');
        out.push({ name: left.text, ...(d ? { default: d } : {}), ...(factory ? { factory } : {}) });
        cls.attrs.delete(left.text);
      } else out.push({ name: left.text, ...(v ? { default: v } : {}) });
    }
    return out;
  }

  private partial(info: CallInfo): Value {
    const [fn, ...rest] = info.args;
    if (!fn || info.unknownSplat) return UNKNOWN_VALUE;
    const keywords: DictValue = { k: 'dict', keys: [], vals: [] };
    for (const [k, v] of info.kwargs) dictSet(keywords, str(k), v);
    const obj = this.native('functools.partial', info.node, new Map<string, Value>([['func', fn], ['args', tuple(rest)], ['keywords', keywords]]));
    this.partialNodes.set(obj, { argNodes: info.argNodes.slice(1), kwNodes: info.kwNodes });
    return obj;
  }

  /** namedtuple('Out', ['a', 'b']) / namedtuple('Out', 'a b') / NamedTuple('Out', [('a', int)]): a record class. */
  private namedtuple(info: CallInfo): Value {
    const [name, spec] = info.args;
    const specValue = spec ?? info.kwargs.get('field_names') ?? info.kwargs.get('fields');
    let names: string[] | undefined;
    if (specValue?.k === 'str') names = specValue.v.replace(/,/g, ' ').split(/\s+/).filter(Boolean);
    else if (specValue) {
      const items = this.a.interp.iterate(specValue);
      const got = items?.map((it) => (it.k === 'str' ? it.v : it.k === 'tuple' && it.items[0]?.k === 'str' ? it.items[0].v : undefined));
      if (got?.every((n): n is string => n !== undefined)) names = got;
    }
    if (!names || name?.k !== 'str') return UNKNOWN_VALUE;
    const defaults = info.kwargs.get('defaults');
    const d = defaults ? this.a.interp.iterate(defaults) ?? [] : [];
    const fields = names.map((n, i) => {
      const dv = d[i - (names.length - d.length)];
      return dv ? { name: n, default: dv } : { name: n };
    });
    return { k: 'class', name: name.v, node: info.node, bases: [], attrs: new Map(), isModule: false, native: 'namedtuple', fields, tupleLike: true };
  }

  private addArgument(options: DictValue, info: CallInfo): void {
    const { kwargs } = info;
    const flags = info.args.map((v) => (v.k === 'str' ? v.v : undefined));
    if (flags.some((f) => f === undefined) || info.unknownSplat) {
      options.uncertain = true;
      return;
    }
    const names = flags as string[];
    const long = names.find((f) => f.startsWith('--')) ?? names.find((f) => f.startsWith('-'));
    const dest = kwargs.get('dest');
    const positional = long === undefined;
    const key = dest?.k === 'str' ? dest.v : positional ? names[0] : long.replace(/^-+/, '').replace(/-/g, '_');
    if (key === undefined) return;
    dictSet(options, str(key), this.optionDefault(positional, kwargs));
  }

  /** The value parse_args gives an option that is not on the command line. */
  private optionDefault(positional: boolean, kwargs: ReadonlyMap<string, Value>): Value {
    const required = kwargs.get('required');
    const nargs = kwargs.get('nargs');
    if (required?.k === 'bool' && required.v) return UNKNOWN_VALUE;
    if (positional && !(nargs?.k === 'str' && (nargs.v === '?' || nargs.v === '*'))) return UNKNOWN_VALUE;
    const action = kwargs.get('action');
    const given = kwargs.get('default');
    if (given === undefined) {
      if (action?.k === 'str' && action.v === 'store_true') return FALSE;
      if (action?.k === 'str' && action.v === 'store_false') return { k: 'bool', v: true };
      return NONE;
    }
    // argparse passes a string default through the option's type (default='32', type=int gives 32).
    const type = kwargs.get('type');
    if (given.k === 'str' && type?.k === 'ref' && (type.path === 'builtins.int' || type.path === 'builtins.float')) {
      const n = Number(given.v);
      if (given.v.trim() === '' || !Number.isFinite(n) || (type.path === 'builtins.int' && !/^\s*[-+]?\d+\s*$/.test(given.v))) return UNKNOWN_VALUE;
      return num(n, type.path === 'builtins.float');
    }
    return given;
  }

  private native(kind: string, node: SyntaxNode, attrs: Map<string, Value>): ObjValue {
    let cls = this.nativeClasses.get(kind);
    if (!cls) {
      cls = { k: 'class', name: kind.slice(kind.lastIndexOf('.') + 1), node, bases: [], attrs: new Map(), isModule: false, native: kind };
      this.nativeClasses.set(kind, cls);
    }
    return { k: 'obj', cls, attrs };
  }
}

/** `super().__init__(...)` of a class deriving from a dataclass: the dataclass's generated __init__ (not a Python name). */
export const RECORD_INIT = '<record_init>';

/** The fields of a record class, or of the nearest record class it derives from (a subclass inherits the generated __init__). */
export function recordFields(cls: ClassValue, seen = new Set<ClassValue>()): ClassValue['fields'] {
  if (cls.fields) return cls.fields;
  if (seen.has(cls)) return undefined;
  seen.add(cls);
  for (const b of cls.bases) {
    const f = b.k === 'class' ? recordFields(b, seen) : undefined;
    if (f) return f;
  }
  return undefined;
}

/** The items of a tuple-like record, in field order. */
export function recordItems(obj: ObjValue): Value[] | undefined {
  if (!obj.cls.tupleLike || !obj.cls.fields) return undefined;
  return obj.cls.fields.map((f) => obj.attrs.get(f.name) ?? UNKNOWN_VALUE);
}
