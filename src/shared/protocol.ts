// The preview's one message protocol: extension <-> webview, and webview <-> its engine worker.
// Discriminated unions on `type`; requests carry an id and get exactly one response. No `vscode`, no DOM.
import type { ModelGraph, ModelReport, Range, ShapeJSON } from '../core/types';
import type { PreviewChange } from './model-change';

/** An error finding inside the previewed model, as the panel shows it. */
export interface PreviewError {
  message: string;
  range: Range;
}

/** What the panel shows: one model of one document at one version. */
export interface PreviewModel {
  uri: string;
  fileName: string;
  version: number;
  /** TF.js models (typescript) are listed with their shapes but not run: their layout is NHWC. */
  language: 'python' | 'typescript';
  model: ModelReport;
  errors: PreviewError[];
}

/** A workspace file the user picked in the panel, with its bytes. */
export interface PickedFile {
  /** Workspace-relative path, as shown. */
  name: string;
  /** Its URI: kept in the webview's state so that a reload reads the same file again (`reopen`). */
  uri: string;
  bytes: Uint8Array;
}

/** The kinds of workspace file the panel reads. */
export type FileKind = 'weights' | 'image';

/**
 * File bytes as they arrive after a postMessage hop: a Uint8Array, or (when the transport fell back to
 * JSON) an ArrayBuffer, an array or an object with index keys. Always a Uint8Array over its own ArrayBuffer.
 */
export function asBytes(value: unknown): Uint8Array<ArrayBuffer> {
  if (value instanceof Uint8Array || ArrayBuffer.isView(value)) {
    const view = value as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  // Node's Buffer.toJSON: { type: 'Buffer', data: [...] }.
  if (typeof value === 'object' && value !== null && Array.isArray((value as { data?: unknown }).data)) return Uint8Array.from((value as { data: number[] }).data);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const length = Object.keys(record).length;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Number(record[String(i)] ?? 0);
    return out;
  }
  throw new Error(`expected file bytes, got ${typeof value}`);
}

/** Request methods the webview can call on the extension: params and result types. */
export interface HostRequests {
  /** A quick pick of the workspace's files of that kind; null when the user dismissed it. */
  pick: { params: { kind: FileKind }; result: PickedFile | null };
  /** A file picked before the window reloaded, read again; null when it is gone. */
  reopen: { params: { kind: FileKind; uri: string }; result: PickedFile | null };
}
export type HostMethod = keyof HostRequests;

export type RequestMessage = {
  [M in HostMethod]: { type: 'request'; id: number; method: M; params: HostRequests[M]['params'] };
}[HostMethod];

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string };

/**
 * For the e2e's latency breakdown: when the extension host sent a model (Date.now()), the ms it took to analyse and
 * find it, and when the last edit of the followed document reached the extension host.
 */
export interface HostTiming { sentAt: number; ms: number; changedAt: number }

/** Extension -> webview. */
export type HostMessage =
  | { type: 'model'; seq: number; preview: PreviewModel; host?: HostTiming }
  /** The model as a change from the one sent as `base` (model-change.ts): most of an edited model is as it was. */
  | { type: 'modelChange'; seq: number; base: number; change: PreviewChange; host?: HostTiming }
  | { type: 'empty'; reason: string }
  | { type: 'cursor'; uri: string; offset: number }
  | ResponseMessage;

/** Webview -> extension. */
export type ViewMessage =
  | { type: 'ready' }
  /** A model change came against a model the panel does not have (it was reset): send the model whole. */
  | { type: 'resend' }
  /** `path`: the position is in another file of the program (a block's module), with the model's scheme. */
  | { type: 'reveal'; uri: string; line: number; character: number; path?: string }
  | RequestMessage;

/** One side of the request/response exchange: the webview calls `request`, feeds every response to `settle`. */
export class RequestClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly post: (message: RequestMessage) => void) {}

  request<M extends HostMethod>(method: M, params: HostRequests[M]['params']): Promise<HostRequests[M]['result']> {
    const id = this.nextId++;
    return new Promise<HostRequests[M]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.post({ type: 'request', id, method, params } as RequestMessage);
    });
  }

  /** Resolves the matching request; returns false for an id this client never sent. */
  settle(message: ResponseMessage): boolean {
    const waiting = this.pending.get(message.id);
    if (!waiting) return false;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new Error(message.error));
    return true;
  }
}

export type RequestHandlers = { [M in HostMethod]: (params: HostRequests[M]['params']) => Promise<HostRequests[M]['result']> };

/** The other side: runs the handler for a request and always answers, with the result or the error's message. */
export async function answerRequest(message: RequestMessage, handlers: RequestHandlers, post: (response: ResponseMessage) => void): Promise<void> {
  try {
    const handler = handlers[message.method] as (params: unknown) => Promise<unknown>;
    post({ type: 'response', id: message.id, ok: true, result: await handler(message.params) });
  } catch (error) {
    post({ type: 'response', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

// ---- webview <-> engine worker ----

/** Parameters a file does not have (or has in the wrong shape) are seeded with `seed`. */
export type WeightsSource = { kind: 'seed'; seed: number } | { kind: 'file'; name: string; bytes: Uint8Array; seed: number };
export type Normalisation = 'none' | 'imagenet' | 'symmetric';
export type ColourScale = 'layer' | 'channel';

export interface RunRequest {
  type: 'run';
  runId: number;
  graph: ModelGraph;
  /**
   * `made` describes what the input was made from (picture, size, normalisation). `data` is null when the last run
   * request that carried data carried this input (an edit of the model): the worker keeps it, so the panel neither
   * makes nor sends 600 KB again.
   */
  input: { shape: number[]; made: string; data: Float32Array | null };
  /** The input shape the graph's shapes were analysed with (the file's example, batch and named sizes as written). */
  analysedInput: ShapeJSON;
  /**
   * Describes the model (file and name), the input and the weights: outputs of nodes unchanged since the last
   * run under the same key are reused, so one model never gets another's outputs.
   */
  inputKey: string;
  /** The model's class when nothing in the file builds it and its constructor needs arguments (unknown to the analysis). */
  unbuilt: string | null;
  weights: WeightsSource;
  scale: ColourScale;
  /** Largest number of channel tiles per layer: a page. */
  maxChannels: number;
  /** The first channel of the page shown, by layer key, for layers the user paged through (0 otherwise). */
  pages: Record<string, number>;
  /** The depth slice shown, by layer key, for volumes whose slider the user moved (the middle one otherwise). */
  depths: Record<string, number>;
  /**
   * Keys of the layers whose boxes the panel shows (on screen, with a margin): only these are drawn. The others
   * get their statistics and shape (`layerStats`), and a `page` request when their box comes into view.
   */
  draw: string[];
}

/** Another page of one layer's channels (or the page of a layer not drawn yet), from the outputs of run `runId`. */
export interface PageRequest {
  type: 'page';
  runId: number;
  key: string;
  first: number;
  /** The depth slice of a volume (5-D output); ignored for other outputs. */
  depth?: number;
}

export interface ChannelRequest {
  type: 'channel';
  runId: number;
  key: string;
  channel: number;
  /** The depth slice of a volume (5-D output); ignored for other outputs. */
  depth?: number;
}

/** Stops the run under way (at its next pause): the panel shows another model, or none. */
export interface CancelRequest {
  type: 'cancel';
  runId: number;
}

/**
 * Pictures the webview no longer holds (replaced by a layer's newer one), given back (transferred) so the worker
 * draws the next ones into memory already touched: a fresh 300 KiB picture cost about 0.8 ms of page faults here.
 */
export interface RecycleRequest {
  type: 'recycle';
  buffers: ArrayBuffer[];
}

export type WorkerRequest = RunRequest | PageRequest | ChannelRequest | CancelRequest | RecycleRequest;

export interface LayerStats {
  min: number;
  max: number;
  mean: number;
  /** Fraction of exact zeros (after a ReLU: the dead activations). */
  zeros: number;
}

/** An RGBA picture ready for putImageData. */
export interface Picture {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export interface WeightsReport {
  source: string;
  matched: number;
  missing: string[];
  unexpected: string[];
  mismatched: string[];
}

/**
 * How a layer's output is drawn (webview/logic/views.ts decides from its shape and the graph): `channels`, a map
 * per channel of [N, C, H, W] (or one strip for [N, F]); `volume`, a map per channel of one depth slice of
 * [N, C, D, H, W]; `sequence`, one heatmap of a sequence's sample with its axes named (`rows` down, `columns`
 * across, `sample` says which dim the sample was taken from when it is not dim 0); `heads`, attention weights as
 * one queries x keys map per head.
 */
export type MapView =
  | { kind: 'channels' }
  | { kind: 'volume'; depth: number; depths: number }
  | { kind: 'sequence'; rows: AxisLabel; columns: AxisLabel; sample: string }
  | { kind: 'heads'; rows: AxisLabel; columns: AxisLabel };

/** A drawn axis: what it holds ("time", "features", or "dim 2" when the graph does not say) and its length. */
export interface AxisLabel {
  name: string;
  size: number;
}

/** What a layer's box shows besides its picture: its output's shape, statistics, view and the layout of its page. */
export interface LayerFacts {
  key: string;
  shape: number[];
  stats: LayerStats;
  view: MapView;
  channels: number;
  first: number;
  shown: number;
  tileWidth: number;
  tileHeight: number;
  gap: number;
  columns: number;
}

export type WorkerMessage =
  | { type: 'progress'; runId: number; done: number; total: number; key: string }
  | ({ type: 'layer'; runId: number; grid: Picture } & LayerFacts)
  /** A layer the panel does not show now: its facts and its page's size, no picture (asked for with `page` when shown). */
  | ({ type: 'layerStats'; runId: number; width: number; height: number } & LayerFacts)
  /** Attention weights the layer returned beside its output (MultiheadAttention), drawn a map per head under its maps. */
  | { type: 'attention'; runId: number; key: string; shape: number[]; grid: Picture; view: MapView; heads: number; shown: number }
  /** The layer's output and picture (or, for a layer sent as `layerStats`, its statistics) are the ones the webview already holds under this key. */
  | { type: 'layerSame'; runId: number; key: string }
  /** The layers that cannot run, by key, with why in the user's terms; `reason`: the first cause, for the status line. */
  | { type: 'plan'; runId: number; blocked: Record<string, string>; reason: string | null }
  /** `ran` of the `total` nodes ran (the others are in the plan's `blocked`); `reused` of them were kept from the last run. */
  | { type: 'done'; runId: number; ms: number; reused: number; ran: number; total: number; weights: WeightsReport }
  | { type: 'channel'; runId: number; key: string; channel: number; picture: Picture; min: number; max: number; kernel: Picture | null; kernelNote: string }
  | { type: 'error'; runId: number; message: string; key?: string };

export type { ShapeJSON };
