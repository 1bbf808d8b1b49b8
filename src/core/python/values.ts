// Abstract values of the Python subset that model definitions use.
import type { Packed } from './packed-sequence';
import type { Dim, Shape } from '../dims';
import type { LayerSpec, LayerArgs } from '../rules/layer-spec';
import type { SyntaxNode } from '../syntax';
import type { Range } from '../types';
import type { Concrete } from './tensor-values';
import type { ResolvedModule } from '../program/resolver';
import type { ModuleInfo } from './imports';
import type { DataObject } from './data';

export type Value =
  | NumValue
  | SymValue
  | StrValue
  | BoolValue
  | NoneValue
  | SeqValue
  | DictValue
  | FuncValue
  | ClassValue
  | RefValue
  | ModuleValue
  | TensorValue
  | ObjValue
  | MethodValue
  | PyModuleValue
  | DataValue
  | UnknownValue;

export interface NumValue {
  k: 'num'; v: number; float: boolean;
  /** The `/` operator a float came from (`mid = planes / 4`), for a fix to `//`. */
  divAt?: Range;
}
/** An integer known only symbolically (a tensor size with a symbolic input). */
export interface SymValue { k: 'sym'; d: Dim }
export interface StrValue { k: 'str'; v: string }
export interface BoolValue { k: 'bool'; v: boolean }
export interface NoneValue { k: 'none' }
export interface SeqValue { k: 'list' | 'tuple'; items: Value[]; uncertain?: boolean; /** torch.Size */ size?: boolean }
export interface DictValue {
  k: 'dict'; keys: Value[]; vals: Value[]; uncertain?: boolean;
  /** `module._modules`: writing an item adds a child to this module. */
  childrenOf?: ModuleValue;
}
export interface UnknownValue { k: 'unknown' }

export interface Param {
  name: string;
  kind: 'plain' | 'star' | 'kwstar' | 'kwonly';
  default?: Value;
}

/** A method bound to its instance (`{ ...fn, self }`, written out: this runs for every forward and __init__). */
export function boundTo(fn: FuncValue, self: Value): FuncValue {
  const out: FuncValue = { k: 'func', name: fn.name, node: fn.node, params: fn.params, closure: fn.closure };
  if (fn.owner !== undefined) out.owner = fn.owner;
  out.self = self;
  if (fn.binding !== undefined) out.binding = fn.binding;
  return out;
}

export interface FuncValue {
  k: 'func';
  name: string;
  node: SyntaxNode;
  params: Param[];
  closure: Scope;
  /** The class a method was defined in (for super()). */
  owner?: ClassValue;
  self?: Value;
  /** @staticmethod, @classmethod or @property: how attribute access binds it. */
  binding?: 'static' | 'class' | 'property';
}

export interface ClassValue {
  k: 'class';
  name: string;
  node: SyntaxNode;
  bases: Value[];
  attrs: Map<string, Value>;
  /** Derived from nn.Module (directly or through user classes). */
  isModule: boolean;
  /** The torch.nn container it derives from, if any. */
  container?: 'Sequential' | 'ModuleList' | 'ModuleDict' | undefined;
  /** The built-in torch.nn layer it derives from (`class LayerNorm2d(nn.LayerNorm)`): 'LayerNorm'. */
  layer?: string;
  /** A standard-library type modelled in stdlib.ts ('argparse.ArgumentParser', 'functools.partial', ...). */
  native?: string;
  /** Record fields in order (namedtuple, NamedTuple, @dataclass): the generated __init__'s parameters. */
  fields?: Array<{ name: string; default?: Value; factory?: Value }>;
  /** Instances unpack, index and compare like tuples (namedtuple, NamedTuple). */
  tupleLike?: boolean;
  /** An enum.Enum subclass: its class attributes are members with .name and .value. */
  enumLike?: boolean;
}

/** Something outside the file: a module, class or function of torch, math, collections... by dotted path. */
export interface RefValue { k: 'ref'; path: string; self?: Value }

/** Modules whose attributes are the library's own classes, functions and constants, as the analysis models them. */
const LIBRARY_ROOTS = new Set([
  'torch', 'torchvision', 'math', 'numpy', 'collections', 'builtins', 'functools', 'typing', 'itertools', 'operator',
  'copy', 'warnings', 'abc', 'enum', 'dataclasses', 'inspect', 'torchsummary', 'torchinfo', 'argparse', 'types', 'os',
  'sys', 're', 'json', 'logging', 'random', 'time',
]);

/** An attribute of a module the analysis does not read (`import config; config.DEPTH`): any value, unknown. */
export function isOpaqueRef(v: Value): boolean {
  if (v.k !== 'ref' || v.path.startsWith('<')) return false;
  const dot = v.path.indexOf('.');
  return !LIBRARY_ROOTS.has(dot < 0 ? v.path : v.path.slice(0, dot));
}

export interface ObjValue { k: 'obj'; cls: ClassValue; attrs: Map<string, Value> }

/** A Python module of the program (a file of the workspace or of an installed package), run when first used. */
export interface PyModuleValue { k: 'pymodule'; module: ResolvedModule }

/** A dataset, transform or DataLoader of the data pipeline (see data.ts). */
export interface DataValue { k: 'data'; data: DataObject }

/** A built-in method bound to a value: list.append, x.view, dict.items. */
export interface MethodValue { k: 'method'; self: Value; name: string }

export interface ModuleValue {
  k: 'module';
  id: number;
  /** torch.nn class name for built-ins, the user class name otherwise. */
  type: string;
  spec?: LayerSpec;
  args?: BoundArgs;
  cls?: ClassValue;
  container?: 'Sequential' | 'ModuleList' | 'ModuleDict';
  children: Map<string, ModuleValue>;
  attrs: Map<string, Value>;
  /** The constructor call. */
  site: Range;
  uncertain: boolean;
  /** Set when constructor checks failed: applying it produces nothing further. */
  broken: boolean;
  /** The helper call (`conv3x3(...)`) that built this layer, when not built directly in __init__. */
  builtBy: Range | undefined;
  /** For a layer whose code is in another file: the call in the analysed document that built it. */
  builtFrom: Range | undefined;
  /** Its constructor call does not parse: its arguments are unknown. */
  syntaxError?: boolean;
  /**
   * A layer's own weight and bias as its subclass's forward reads them (a LayerNorm2d passing them to F.layer_norm):
   * the same tensor at every read. Counted by the layer's spec, not as attributes.
   */
  ownParams?: Map<string, TensorValue>;
}

export interface BoundArgs extends LayerArgs {
  /** Source range of an argument the user wrote. */
  rangeOf(name: string): Range | undefined;
  /** Plain JSON of every parameter (for the engine's graph). */
  toJSON(): Record<string, unknown>;
}

export interface Producer {
  /** Where the tensor's channel dimension was last set. */
  site: Range;
  label: string;
  /** The layer that produced it, so the message can name it (`conv1`) once the model's names are known. */
  module?: ModuleValue;
  /** The argument that set it (out_channels), for related locations. */
  argRange?: Range;
}

/**
 * Where a tensor's channels come from, as a rule's message names it: undefined when a layer set them (the rule's own
 * "previous layer"), the op that last set them (a view, a torch.cat), else the tensor is an input no layer touched.
 */
export function producedBy(producer: Producer | undefined): string | undefined {
  if (!producer) return 'the input';
  return producer.module ? undefined : producer.label.replace(/ here$/, '');
}

export interface TensorValue {
  k: 'tensor';
  id: number;
  /** null: rank unknown. */
  shape: Shape | null;
  producer?: Producer;
  /** Receptive field and cumulative stride per spatial dim (last two dims for 2-D). */
  rf?: { size: number[]; jump: number[] } | undefined;
  /** Shape depends on something the analysis could not know: findings downstream are suppressed. */
  uncertain?: boolean;
  /** Produced after an error: no further findings on it. */
  poisoned?: boolean;
  /** An nn.Parameter: its elements count as the module's parameters. */
  parameter?: boolean;
  /**
   * How a factory or an init filled it (torch.zeros: 0, torch.randn: normal, .normal_(std=0.02)): an nn.Parameter's
   * default init for the engine.
   */
  fill?: { kind: 'constant'; value: number } | { kind: 'normal'; std?: number; truncated?: true };
  /** The elements, for small tensors computed from known numbers (torch.arange(depth) * w_a + w_0). */
  values?: Concrete;
  /** A PackedSequence: this tensor is its data, from a padded batch (packed-sequence.ts). */
  packed?: Packed;
  /** A reshape of this tensor was computed and thrown away (`x.view(...)` on its own line). */
  discarded?: { range: Range; text: string };
  /** Drawn from a DataLoader or dataset: where from, e.g. "train_loader (CIFAR10, RandomCrop(32, padding=4), batch_size=128)". */
  source?: string;
}

export class Scope {
  readonly vars = new Map<string, Value>();
  /** Set on a module's global scope. */
  module: ModuleInfo | undefined;
  constructor(readonly parent?: Scope, readonly isModule = false) {}
  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

export const NONE: NoneValue = { k: 'none' };
export const UNKNOWN_VALUE: UnknownValue = { k: 'unknown' };
export const TRUE: BoolValue = { k: 'bool', v: true };
export const FALSE: BoolValue = { k: 'bool', v: false };

export function num(v: number, float = !Number.isInteger(v)): NumValue {
  return { k: 'num', v, float };
}
export function str(v: string): StrValue {
  return { k: 'str', v };
}
export function bool(v: boolean): BoolValue {
  return v ? TRUE : FALSE;
}
export function tuple(items: Value[]): SeqValue {
  return { k: 'tuple', items };
}
export function list(items: Value[]): SeqValue {
  return { k: 'list', items };
}

/** Python truthiness, or undefined when it cannot be known. */
export function truthy(v: Value): boolean | undefined {
  switch (v.k) {
    case 'num': return v.v !== 0;
    case 'str': return v.v.length > 0;
    case 'bool': return v.v;
    case 'none': return false;
    case 'list':
    case 'tuple': return v.uncertain ? undefined : v.items.length > 0;
    case 'dict': return v.uncertain ? undefined : v.keys.length > 0;
    case 'func':
    case 'class':
    case 'module':
    case 'obj':
    case 'method':
    case 'data': return true;
    case 'sym': return typeof v.d === 'number' ? v.d !== 0 : undefined;
    case 'ref': return isOpaqueRef(v) ? undefined : true;
    case 'pymodule': return true;
    default: return undefined;
  }
}

export function describe(v: Value): string {
  switch (v.k) {
    case 'num': return String(v.v);
    case 'str': return JSON.stringify(v.v);
    case 'bool': return v.v ? 'True' : 'False';
    case 'none': return 'None';
    case 'module': return v.type;
    case 'class': return v.name;
    case 'ref': return v.path;
    case 'pymodule': return `module ${v.module.name}`;
    default: return v.k;
  }
}
