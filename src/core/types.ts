// The core's public data model: what the CLI, the extension and the webview read.
// Positions are 0-based lines and UTF-16 columns (VS Code's convention); the CLI adds 1.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
  /** UTF-16 offsets into the document text. */
  startOffset: number;
  endOffset: number;
  /** Another file of the program (an imported module), by the host's path; absent for the analysed document. */
  file?: string;
  /** A notebook cell, by its index among all the notebook's cells: the range is then within that cell. */
  cell?: number;
}

/** A dimension as shown to users: an integer, or a symbolic expression such as "N" or "(H - 2) // 2", or "?" when unknown. */
export type DimJSON = number | string;
export type ShapeJSON = DimJSON[];

export type Severity = 'error' | 'warning' | 'info';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The one fix that is clearly right (VS Code's isPreferred). */
  preferred: boolean;
}

export interface RelatedLocation {
  range: Range;
  message: string;
}

export interface Finding {
  /** Stable code such as "channel-mismatch"; documented in the README. */
  code: string;
  severity: Severity;
  range: Range;
  message: string;
  /** PyTorch's own runtime error text for this case, when it has one. */
  pytorchError?: string;
  /** TensorFlow.js's own error text, for TF.js models (never under PyTorch's name). */
  tfjsError?: string;
  related: RelatedLocation[];
  fixes: Fix[];
  /** The finding marks code that is never used (VS Code's DiagnosticTag.Unnecessary). */
  unnecessary?: boolean;
}

export interface LayerReport {
  /** Qualified name as PyTorch's named_modules() gives it: "features.0", "layer1.0.conv1". */
  name: string;
  /** Layer class, e.g. "Conv2d". */
  type: string;
  /** Where the layer object is constructed. */
  range: Range;
  /** Where it is applied in forward (the call expression). */
  callRange: Range;
  inputs: ShapeJSON[];
  output: ShapeJSON | null;
  params: number | null;
  macs: number | null;
  /** Receptive field (height, width) in input pixels of one output element, when known. */
  receptiveField: [number, number] | null;
  /** Product of strides from the model input to this output (height, width), when known. */
  cumulativeStride: [number, number] | null;
  /** Human-readable shape formula with the actual numbers, e.g. "H_out = floor((32 + 2*1 - 1*(3-1) - 1)/1 + 1) = 32". */
  formula: string[];
  /**
   * A built-in layer made of other layers (MultiheadAttention, Transformer*): PyTorch runs it as one fused op or
   * through sub-layers Conv Lens does not list, so it is not a leaf of named_modules().
   */
  composite?: boolean;
}

export type InputSource = 'explicit' | 'comment' | 'example' | 'data' | 'default' | 'symbolic';

export interface ModelReport {
  name: string;
  /** The class definition or the variable assignment that defines the model. */
  range: Range;
  input: ShapeJSON[];
  inputSource: InputSource;
  /** With inputSource 'data': the loader and pipeline the batch came from, e.g. "train_loader (CIFAR10, RandomCrop(32, padding=4), batch_size=128)". */
  inputFrom?: string;
  output: ShapeJSON | null;
  layers: LayerReport[];
  totalParams: number | null;
  totalMacs: number | null;
  /** With a symbolic input: what input sizes the model accepts, e.g. "H >= 4, W >= 4" or "H = W = 32". */
  accepts: string[];
  /** The tensor dataflow of one forward pass. */
  graph: ModelGraph;
  /**
   * The file builds this model (an instance outside any other module, or --construct). False for a class nothing
   * in the file builds, analysed on its own with default arguments and a symbolic input: a block, not a model to
   * pick when the file builds one.
   */
  instantiated: boolean;
  /** Not built by the file, and its constructor has parameters without defaults: analysed with those unknown. */
  needsArguments?: true;
  /** When `output` is null: whether a reported error stops the flow, and otherwise why the output is unknown. */
  outputUnknown?: { error: boolean; reason: string };
}

/** The shape(s) a tensor-valued expression had when the model ran: for inlay hints and variable hovers. */
export interface ShapeSite {
  range: Range;
  /** Distinct shapes seen at this site (a block used several times can see several). */
  shapes: ShapeJSON[];
  /** The same shapes by the model whose forward pass reached the site (a block several models use). */
  byModel?: Record<string, ShapeJSON[]>;
  /** True for the statement-level sites that get an inlay hint (`x = self.conv1(x)`, a Sequential child). */
  hint: boolean;
}

export interface Analysis {
  language: 'python' | 'typescript';
  models: ModelReport[];
  findings: Finding[];
  sites: ShapeSite[];
  /** Parse errors and other reasons parts of the file were skipped: never fatal. */
  notes: string[];
}

/** One tensor operation in the order forward executed it: what the engine runs. */
export interface GraphNode {
  /** Id of the tensor this node produces. */
  id: number;
  /** "module" for a built-in torch.nn leaf module; otherwise the functional op: "relu", "max_pool2d", "view", "cat", "add", ... */
  op: string;
  /** For op "module": the layer, its qualified name and its constructor arguments bound to parameter names (defaults filled in). */
  module?: { name: string; type: string; args: Record<string, unknown>; forward?: Record<string, unknown> };
  /** Non-tensor arguments of a functional op, by the torch function's parameter names (e.g. {kernel_size: 2}, {dim: 1}, {shape: [-1, 2048]}). */
  args: Record<string, unknown>;
  /** Ids of the input tensors, in argument order. */
  inputs: number[];
  /**
   * A module whose forward returns a tuple (an LSTM's (output, (h_n, c_n))): the ids of its tensors flattened in
   * order, null for a None; the first is `id`.
   */
  outputs?: Array<number | null>;
  shape: ShapeJSON;
  range: Range;
}

export interface ModelGraph {
  /** Id of the model's input tensor. */
  input: number;
  nodes: GraphNode[];
  output: number | null;
  /** TF.js models: tensors are channels-last ([N, H, W, C], [N, L, C]) and module types are tf.layers names. */
  channelsLast?: boolean;
}
