// How each layer output is drawn: what its dims mean, as far as the graph says (a Conv1d gives channels x time,
// an LSTM with batch_first=False gives time x batch x features, a softmax over q @ k^T gives attention weights),
// and from that which 2-D pictures of the first sample the preview shows. Pure: runs in the worker and in Node tests.
import type { GraphNode, ModelGraph } from '../../src/core/types';
import type { MapView } from '../../src/shared/protocol';

/** What one dim of a tensor holds; null when the graph does not say. */
export type Axis = 'batch' | 'channels' | 'depth' | 'height' | 'width' | 'positions' | 'time' | 'features' | 'heads' | 'queries' | 'keys';
export type Axes = ReadonlyArray<Axis | null>;

/** Layers whose 3-D output is [N, C, L]: channels along a length, read as time. */
const CHANNELS_BY_LENGTH = new Set([
  'Conv1d', 'ConvTranspose1d', 'MaxPool1d', 'AvgPool1d', 'AdaptiveAvgPool1d', 'AdaptiveMaxPool1d', 'LPPool1d', 'BatchNorm1d',
  'InstanceNorm1d', 'Dropout1d', 'ZeroPad1d', 'ConstantPad1d', 'ReflectionPad1d', 'ReplicationPad1d', 'CircularPad1d',
  'conv1d', 'conv_transpose1d', 'max_pool1d', 'avg_pool1d', 'adaptive_avg_pool1d', 'adaptive_max_pool1d',
]);
/** Layers with a batch_first argument whose output is a sequence of features. */
const SEQUENCE_LAYERS = new Set([
  'LSTM', 'GRU', 'RNN', 'MultiheadAttention', 'TransformerEncoderLayer', 'TransformerEncoder', 'TransformerDecoderLayer',
  'TransformerDecoder', 'Transformer',
]);
/** Ops between attention scores (q @ k^T) and their softmax: scaling, masks, biases. */
const SCORE_STEPS = new Set(['mul', 'div', 'add', 'sub', 'masked_fill', 'masked_fill_']);

function normDim(d: unknown, rank: number): number | null {
  return typeof d === 'number' && Number.isInteger(d) && d >= -rank && d < rank ? (d < 0 ? d + rank : d) : null;
}

function typeOf(node: GraphNode): string {
  return node.op === 'module' ? (node.module?.type ?? '') : node.op;
}

/** Scores of attention: a matmul (q @ k^T, bmm, einsum), possibly scaled or masked on the way to the softmax. */
function isScores(node: GraphNode | undefined, byId: ReadonlyMap<number, GraphNode>): boolean {
  for (let hops = 0; node !== undefined && hops < 6; hops++) {
    if (node.op === 'matmul' || node.op === 'bmm' || node.op === 'einsum') return true;
    if (!SCORE_STEPS.has(node.op)) return false;
    node = byId.get(node.inputs[0] as number);
  }
  return false;
}

function isSoftmax(node: GraphNode): boolean {
  const type = typeOf(node);
  return type === 'softmax' || type === 'Softmax';
}

/** The axes of a node's output, from its layer and the axes of its first input. */
function axesOf(node: GraphNode, input: Axes | undefined, byId: ReadonlyMap<number, GraphNode>): Axes {
  const rank = node.shape.length;
  const type = typeOf(node);
  const args = node.op === 'module' ? (node.module?.args ?? {}) : node.args;
  // TransformerEncoder/Decoder take batch_first from their layer, which the graph does not carry: as their input.
  if (SEQUENCE_LAYERS.has(type) && 'batch_first' in args) {
    // MultiheadAttention's weights per head, when the graph records them as the output.
    if (rank === 4 && type === 'MultiheadAttention') return ['batch', 'heads', 'queries', 'keys'];
    if (rank === 3) return args['batch_first'] === true ? ['batch', 'time', 'features'] : ['time', 'batch', 'features'];
    if (rank === 2) return ['time', 'features'];
    return new Array<null>(rank).fill(null);
  }
  if (CHANNELS_BY_LENGTH.has(type) && rank === 3) return ['batch', 'channels', 'time'];
  if (isSoftmax(node) && normDim(args['dim'], rank) === rank - 1 && isScores(byId.get(node.inputs[0] as number), byId)) {
    if (rank === 4) return ['batch', 'heads', 'queries', 'keys'];
    if (rank === 3) return ['batch', 'queries', 'keys'];
  }
  if (input === undefined) return new Array<null>(rank).fill(null);
  switch (type) {
    case 'permute': {
      const dims = Array.isArray(args['dims']) ? args['dims'] : [];
      return node.shape.map((_, i) => input[normDim(dims[i], rank) ?? -1] ?? null);
    }
    case 'transpose': {
      const a = normDim(args['dim0'], rank), b = normDim(args['dim1'], rank);
      if (a === null || b === null || input.length !== rank) return new Array<null>(rank).fill(null);
      const out = [...input];
      [out[a], out[b]] = [input[b] ?? null, input[a] ?? null];
      return out;
    }
    case 'flatten': {
      const inRank = input.length;
      const start = normDim(args['start_dim'] ?? 0, inRank), end = normDim(args['end_dim'] ?? -1, inRank);
      if (start === null || end === null || inRank - (end - start) !== rank) break;
      const merged = input.slice(start, end + 1);
      // A flattened grid (H x W -> H*W) is the positions of a token sequence, as in a patch embedding.
      const spatial = merged.every((a) => a === 'height' || a === 'width' || a === 'depth');
      return [...input.slice(0, start), spatial && merged.length > 0 ? 'positions' : merged.length === 1 ? (merged[0] ?? null) : null, ...input.slice(end + 1)];
    }
    case 'squeeze': {
      const source = byId.get(node.inputs[0] as number)?.shape;
      const d = normDim(args['dim'], input.length);
      if (d !== null) return input.length === rank + 1 ? input.filter((_, i) => i !== d) : input;
      if (source === undefined) break;
      const kept = input.filter((_, i) => source[i] !== 1);
      return kept.length === rank ? kept : new Array<null>(rank).fill(null);
    }
    case 'unsqueeze': {
      const d = normDim(args['dim'], rank);
      if (d === null || input.length + 1 !== rank) break;
      return [...input.slice(0, d), null, ...input.slice(d)];
    }
    case 'Linear':
    case 'linear':
    case 'Embedding':
      if (type === 'Embedding') return input.length + 1 === rank ? [...input, 'features'] : new Array<null>(rank).fill(null);
      return input.length === rank ? [...input.slice(0, -1), 'features'] : new Array<null>(rank).fill(null);
    default: {
      // Elementwise layers and ops (activations, norms, dropout, a residual add) keep the meaning of every dim.
      const source = byId.get(node.inputs[0] as number)?.shape;
      if (input.length === rank && source !== undefined && source.every((d, i) => d === node.shape[i])) return input;
    }
  }
  return new Array<null>(rank).fill(null);
}

/** TF.js layers whose 3-D output is [N, L, C]: a length (read as time) of channels. */
const LENGTH_BY_CHANNELS = new Set(['conv1d', 'maxPooling1d', 'maxPool1d', 'averagePooling1d', 'avgPool1d']);

/** The axes of a TF.js (channels-last) layer's output: images [N, H, W, C], sequences [N, L, C], dense features last. */
function channelsLastAxes(node: GraphNode, input: Axes | undefined): Axes {
  const rank = node.shape.length;
  const type = typeOf(node);
  if (rank === 4) return ['batch', 'height', 'width', 'channels'];
  if (rank === 3 && LENGTH_BY_CHANNELS.has(type)) return ['batch', 'time', 'channels'];
  if (input !== undefined && input.length === rank) {
    if (type === 'dense') return [...input.slice(0, -1), 'features'];
    // tf.layers.permute counts dims from 1, after the batch.
    if (type === 'permute' && Array.isArray(node.module?.args['dims'])) return ['batch', ...(node.module.args['dims'] as unknown[]).map((d) => (typeof d === 'number' ? (input[d] ?? null) : null))];
  }
  return axesOf(node, input, new Map());
}

/** The axes of every node's output by node id, starting from the model input's. */
export function graphAxes(graph: ModelGraph, inputShape: readonly number[]): Map<number, Axes> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const axes = new Map<number, Axes>([[graph.input, inputAxes(graph, inputShape.length)]]);
  for (const node of graph.nodes) {
    const first = node.inputs[0];
    const input = first === undefined ? undefined : axes.get(first);
    axes.set(node.id, graph.channelsLast === true ? channelsLastAxes(node, input) : axesOf(node, input, byId));
  }
  return axes;
}

/** The model input's axes: images and volumes by rank; a sequence as its first layer reads it (batch_first or not). */
export function inputAxes(graph: ModelGraph, rank: number): Axes {
  if (graph.channelsLast === true) {
    return rank === 4 ? ['batch', 'height', 'width', 'channels'] : rank === 3 ? ['batch', 'time', 'channels'] : ['batch', ...new Array<null>(Math.max(0, rank - 1)).fill(null)];
  }
  const reader = graph.nodes.find((n) => n.inputs[0] === graph.input);
  const type = reader === undefined ? '' : typeOf(reader);
  if (SEQUENCE_LAYERS.has(type) && rank === 3 && 'batch_first' in (reader?.module?.args ?? {})) {
    return (reader?.module?.args ?? {})['batch_first'] === true ? ['batch', 'time', 'features'] : ['time', 'batch', 'features'];
  }
  if (CHANNELS_BY_LENGTH.has(type) && rank === 3) return ['batch', 'channels', 'time'];
  if (rank === 4) return ['batch', 'channels', 'height', 'width'];
  if (rank === 5) return ['batch', 'channels', 'depth', 'height', 'width'];
  return new Array<null>(rank).fill(null);
}

/** The dim of the model input that holds the batch: 1 for a time-major sequence ([T, N, F]), 0 otherwise. */
export function inputBatchDim(graph: ModelGraph, rank: number): number {
  const dim = inputAxes(graph, rank).indexOf('batch');
  return dim < 0 ? 0 : dim;
}

/**
 * One layer output as pictures of its first sample: `tiles` 2-D maps (channels, heads) of rows x columns, each in
 * `depths` slices; element (t, d, r, c) of the sample is at offset + t*tile + d*depth + r*row + c*column in the data.
 */
export interface OutputView {
  view: MapView;
  tiles: number;
  depths: number;
  rows: number;
  columns: number;
  strides: { offset: number; tile: number; depth: number; row: number; column: number };
}

const NAMES: Record<Axis, string> = {
  batch: 'batch', channels: 'channels', depth: 'depth', height: 'height', width: 'width', positions: 'positions',
  time: 'time', features: 'features', heads: 'heads', queries: 'queries', keys: 'keys',
};

/** An axis as the panel labels it: its meaning, or its dim number when the graph does not say. */
function label(axes: Axes, dim: number): string {
  const axis = axes[dim];
  return axis === null || axis === undefined ? `dim ${dim}` : NAMES[axis];
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = (out[i + 1] as number) * (shape[i + 1] as number);
  return out;
}

/** Along time, positions or space: drawn left to right, so a sequence reads as in a spectrogram whatever its dim order. */
const ALONG: ReadonlySet<Axis | null> = new Set(['time', 'positions', 'width', 'height']);

/** The middle depth slice (of 16: the 8th), shown until the user picks another. */
export function middleDepth(depths: number): number {
  return Math.max(0, Math.floor((depths - 1) / 2));
}

/**
 * The attention weights a layer returns beside its output (MultiheadAttention's (attn_output, attn_weights)):
 * their axes by rank, batch first whatever batch_first says ([N, L, S] averaged over heads, or [N, heads, L, S]
 * with average_attn_weights=False); null for other layers and ranks.
 */
export function attentionWeightsAxes(node: GraphNode, rank: number): Axes | null {
  // Unbatched attention ([L, E] queries) returns [heads, L, S] or [L, S]: not drawn.
  if (node.op !== 'module' || node.module?.type !== 'MultiheadAttention' || node.shape.length !== 3) return null;
  return rank === 4 ? ['batch', 'heads', 'queries', 'keys'] : rank === 3 ? ['batch', 'queries', 'keys'] : null;
}

/** "depth 8 / 16": the slice shown, counted from 1, of how many. */
export function depthText(depth: number, count: number): string {
  return `depth ${depth + 1} / ${count}`;
}

/**
 * How an output of this shape and these axes is drawn. 5-D: channels of one depth slice (`depth`, kept while it
 * exists, else the middle one); 4-D: a map per channel, or per head for attention weights; 3-D: one heatmap of
 * the sample (time across, features down; queries x keys for attention; dim by dim when the graph does not say);
 * 2-D: the sample as one row; anything else: one strip of all values.
 */
export function outputView(shape: readonly number[], axes: Axes = [], depth?: number): OutputView {
  const s = stridesOf(shape);
  const at = (i: number): number => shape[i] as number;
  const st = (i: number): number => s[i] as number;
  if (shape.length === 5) {
    const depths = at(2);
    const chosen = depth !== undefined && depth >= 0 && depth < depths ? depth : middleDepth(depths);
    return { view: { kind: 'volume', depth: chosen, depths }, tiles: at(1), depths, rows: at(3), columns: at(4), strides: { offset: 0, tile: st(1), depth: st(2), row: st(3), column: st(4) } };
  }
  if (shape.length === 4 && axes[3] === 'channels') {
    // Channels last (TF.js): a map per channel, each a strided plane of the sample.
    return { view: { kind: 'channels' }, tiles: at(3), depths: 1, rows: at(1), columns: at(2), strides: { offset: 0, tile: st(3), depth: 0, row: st(1), column: st(2) } };
  }
  if (shape.length === 4) {
    const heads = axes[1] === 'heads' && axes[2] === 'queries' && axes[3] === 'keys';
    const view: MapView = heads ? { kind: 'heads', rows: { name: 'queries', size: at(2) }, columns: { name: 'keys', size: at(3) } } : { kind: 'channels' };
    return { view, tiles: at(1), depths: 1, rows: at(2), columns: at(3), strides: { offset: 0, tile: st(1), depth: 0, row: st(2), column: st(3) } };
  }
  if (shape.length === 3) {
    const batch = axes.indexOf('batch') >= 0 ? axes.indexOf('batch') : 0;
    let [r, c] = [0, 1, 2].filter((d) => d !== batch) as [number, number];
    const attention = axes[r] === 'queries' && axes[c] === 'keys';
    // Time (or positions) across and the features down, whichever order the tensor has them in.
    if (!attention && ALONG.has(axes[r] ?? null) && !ALONG.has(axes[c] ?? null)) [r, c] = [c, r];
    const sample = batch === 0 ? '' : `sample 0 of dim ${batch} (${label(axes, batch)})`;
    const rows = { name: label(axes, r), size: at(r) }, columns = { name: label(axes, c), size: at(c) };
    const view: MapView = attention ? { kind: 'heads', rows, columns } : { kind: 'sequence', rows, columns, sample };
    return { view, tiles: 1, depths: 1, rows: at(r), columns: at(c), strides: { offset: 0, tile: 0, depth: 0, row: st(r), column: st(c) } };
  }
  if (shape.length === 2 && axes[0] === 'time') {
    // An unbatched sequence (an RNN fed [T, F]): time across, features down.
    const view: MapView = { kind: 'sequence', rows: { name: label(axes, 1), size: at(1) }, columns: { name: 'time', size: at(0) }, sample: '' };
    return { view, tiles: 1, depths: 1, rows: at(1), columns: at(0), strides: { offset: 0, tile: 0, depth: 0, row: 1, column: at(1) } };
  }
  const columns = shape.length === 2 ? at(1) : shape.reduce((a, b) => a * b, 1);
  return { view: { kind: 'channels' }, tiles: 1, depths: 1, rows: 1, columns, strides: { offset: 0, tile: 0, depth: 0, row: 0, column: 1 } };
}

/**
 * The first sample's values the view draws, contiguous as [tiles][depths][rows][columns]: a view of the data
 * when the output is already laid out so (NCHW, NCDHW), else a copy.
 */
export function sampleValues(data: Float32Array, v: OutputView): Float32Array {
  const { tiles, depths, rows, columns, strides } = v;
  const plane = rows * columns;
  const size = tiles * depths * plane;
  if (strides.column === 1 && (rows === 1 || strides.row === columns) && (depths === 1 || strides.depth === plane) && (tiles === 1 || strides.tile === depths * plane) && strides.offset === 0) {
    return data.subarray(0, Math.min(size, data.length));
  }
  const out = new Float32Array(size);
  let k = 0;
  for (let t = 0; t < tiles; t++) {
    for (let d = 0; d < depths; d++) {
      for (let r = 0; r < rows; r++) {
        const base = strides.offset + t * strides.tile + d * strides.depth + r * strides.row;
        for (let c = 0; c < columns; c++) out[k++] = data[base + c * strides.column] as number;
      }
    }
  }
  return out;
}
