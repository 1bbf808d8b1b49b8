// The contract between the interpreter and the per-layer shape rules.
// One file per layer family (conv.ts, pool.ts, norm.ts, ...); registry.ts maps class names to specs.
import type { Dim, Shape } from '../dims';

/**
 * The clause of a rule's message that says where a mismatched input comes from. A rule sees only shapes and assumes a
 * previous layer; the interpreter, which knows the tensor's history, puts what is true in its place.
 */
export const FROM_PREVIOUS_LAYER = '(from the previous layer)';

/** A rule's message saying the input comes `from` (e.g. "the input", "the view") instead of the previous layer. */
export function messageFrom(message: string, from: string | undefined): string {
  return from === undefined ? message : message.replace(FROM_PREVIOUS_LAYER, `(from ${from})`);
}

/** A constructor argument as the interpreter could evaluate it. UNKNOWN when it could not. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type ArgValue = number | string | boolean | null | typeof UNKNOWN | ArgValue[] | Dim | LayerRef;

/** A built-in layer passed as an argument (TransformerEncoder's encoder_layer, its norm). */
export interface LayerRef {
  readonly kind: 'layer';
  readonly type: string;
  readonly args: LayerArgs;
  /** Its parameter count, when known. */
  readonly params: number | null;
}

export function isLayerRef(v: ArgValue): v is LayerRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { kind?: unknown }).kind === 'layer';
}

export interface LayerArgs {
  readonly type: string;
  /** The bound value of a parameter (explicit or default); UNKNOWN when not evaluable. */
  get(name: string): ArgValue;
  /** Whether the user wrote this argument (positionally or by keyword). */
  given(name: string): boolean;
  /** The call had a *args/**kwargs splat the interpreter could not expand: any argument may have been given. */
  readonly open?: boolean;
}

export interface LayerIssue {
  code: string;
  severity: 'error' | 'warning' | 'info';
  /** Names the numbers and says what to write instead. */
  message: string;
  /** PyTorch's runtime error text, exactly as PyTorch 1.13 prints it. */
  pytorch?: string;
  /** The constructor argument the finding points at (its source range); absent: the whole constructor call. */
  arg?: string;
  /** A one-argument fix: set `arg` to `value` (source text). */
  fix?: { arg: string; value: string; title: string };
  /** For mismatches caused by the incoming tensor: the finding also points at the layer that produced it. */
  blamesInput?: boolean;
}

/**
 * What a symbolic input must satisfy for the layer to work, e.g. H >= 5 or C == 64 (for "accepts" lines).
 * Only emitted when the rule could not decide it from the shapes.
 */
export interface DimRequirement {
  dim: Dim;
  op: '>=' | '==';
  value: Dim;
  /** Short reason, e.g. "Conv2d kernel 5 needs H >= 5". */
  why: string;
}

export type ApplyResult =
  | {
      output: Shape;
      issues?: LayerIssue[];
      /** For layers that return a tuple (return_indices=True, an LSTM's (output, (h_n, c_n))): every element; `output` is the first tensor. */
      outputs?: OutputTree[];
      /** Conditions on symbolic dims this result relies on. */
      requires?: DimRequirement[];
    }
  | { error: LayerIssue };

/** One element of a tuple output: a tensor's shape, None, or a nested tuple. */
export type OutputTree = Shape | null | { items: OutputTree[] };

export interface Geometry {
  /** Per spatial dimension: kernel extent, stride, dilation; for receptive field and cumulative stride. */
  kernel: number[];
  stride: number[];
  dilation: number[];
}

export interface LayerSpec {
  /** Class name as in torch.nn, e.g. "Conv2d". */
  type: string;
  /** Constructor parameter names in positional order (after self). */
  signature: string[];
  /** The class whose __init__ PyTorch names in argument errors, when not `type` (LSTM's is RNNBase). */
  initName?: string;
  defaults: Record<string, ArgValue>;
  /** The constructor takes *args/**kwargs (nn.Identity): any argument binds, none is reported. */
  acceptsAnyArgs?: boolean;
  /**
   * Names of the tensor arguments of forward (or of the function), in the order they come in `inputs`;
   * default ['input']. Entries after `minInputs` are optional (F.linear: input, weight, bias).
   */
  inputNames?: string[];
  minInputs?: number;
  /**
   * Tensor parameters among the later arguments (F.layer_norm's weight and bias, after normalized_shape): given as
   * inputs after the leading ones, in this order; a tensor given after one left out is not (its position names it).
   */
  laterInputs?: string[];
  /**
   * Modules: the non-tensor parameters of forward after the tensor ones (need_weights, output_size), in positional
   * order, with their defaults; given to apply as `forward`. A tuple of tensors for a tensor parameter (an LSTM's
   * (h_0, c_0)) counts as consecutive inputs.
   */
  forwardSignature?: string[];
  forwardDefaults?: Record<string, ArgValue>;
  /** Constructor-time checks (PyTorch raises these in __init__). */
  check?(a: LayerArgs): LayerIssue[];
  /** Output shape for the given input shapes, or the error PyTorch would raise. */
  apply(a: LayerArgs, inputs: Shape[], forward?: LayerArgs): ApplyResult;
  /** Built-in layers made of other layers that PyTorch may run as one fused op (MultiheadAttention, Transformer*). */
  composite?: boolean;
  /** Learnable parameter count, when the arguments are known. */
  paramCount?(a: LayerArgs): number | null;
  /** Multiply-accumulates for one forward pass at these shapes, when known. */
  macs?(a: LayerArgs, inputs: Shape[], output: Shape): number | null;
  geometry?(a: LayerArgs): Geometry | null;
  /** Hover text: the output-size formula with the actual numbers substituted. */
  formula?(a: LayerArgs, inputs: Shape[], output: Shape): string[];
}
