// The preview's engine worker: runs the model with the bundled engine off the webview's main thread,
// then turns every layer output into statistics, and draws a page of channels for the layers the panel shows (the
// others when their box comes into view, by a `page` request). A run pauses every few milliseconds for the
// worker's messages: a later run, or a cancel, stops it there.
import type { GraphNode, ModelGraph } from '../src/core/types';
import { nodeKeys } from '../src/engine/node-keys';
import { Execution, Executor, type Running } from '../src/engine/executor';
import { graphParameters } from '../src/engine/graph';
import { permute } from '../src/engine/ops/shape';
import { runtime } from '../src/engine/runtime';
import { numel, type Tensor } from '../src/engine/tensor';
import { SeededTensor } from '../src/engine/weights/init';
import { matchStateDict, readWeightsFile } from '../src/engine/weights/state-dict';
import type { ColourScale, LayerStats, WeightsReport, WeightsSource, WorkerMessage, WorkerRequest } from '../src/shared/protocol';
import { layerStats, renderChannel, renderGrid, renderKernel } from './logic/featureMaps';
import { viewLayout } from './logic/gridLayout';
import { nodeSignatures } from './logic/reuse';
import { explainFailure, planRun, withKnownParameters, type RunPlan } from './logic/runPlan';
import { withRunShapes } from './logic/runShapes';
import { attentionWeightsAxes, graphAxes, outputView, sampleValues, type Axes, type OutputView } from './logic/views';

interface WorkerScope {
  postMessage(message: WorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Seeded parameters by name, shape and seed: a re-run after an edit re-initialises only what changed. */
const seeded = new Map<string, SeededTensor>();
let loadedFile: { name: string; size: number; tensors: Map<string, Tensor> } | null = null;
/** The input of the last run request that carried one, kept as it arrived (RunRequest.input). */
let heldInput: { made: string; data: Float32Array } | null = null;

interface LastRun {
  runId: number;
  graph: ModelGraph;
  keys: string[];
  /** Each layer's output, read from the run's memory when first asked for (a page, a channel, the next run's reuse). */
  outputs: Map<string, Output>;
  /** What the dims of each output hold, by layer key: how it is drawn. */
  axes: Map<string, Axes>;
  params: Map<string, Tensor>;
  /** Each layer's node signature, by key: what its drawn pages are remembered under. */
  sigs: Map<string, string>;
  scale: ColourScale;
  maxChannels: number;
}
let last: LastRun | null = null;
/**
 * A layer output of the last run, left in the engine's memory: drawn from there, a page or channel asked for is
 * drawn from there too, and the next run reuses it there after an edit (with every output kept, an edit leaves the
 * outputs before it where they were). Nothing is copied out: in Chromium, copying every ResNet-18 output (33 MB)
 * into fresh arrays took 100-300 ms, more than running the model.
 */
interface Output {
  shape: readonly number[];
  /** The output, to read before the engine runs again; null once the engine has run since. */
  view(): Tensor | null;
}

function outputOf(result: Execution, key: string, shape: readonly number[]): Output {
  return { shape, view: () => (result.readable(key) ? result.view(key) ?? null : null) };
}

/** Outputs of the last run by node signature: what the next run can reuse. */
let previous = new Map<string, Output>();
/**
 * What the webview holds for each layer key: the page it was last sent (drawn by a run or a page request), by what
 * it shows; `facts|` before it when it was sent the statistics alone (its box was off screen), without the picture.
 */
let grids = new Map<string, string>();

/** What a drawn page shows: the output (by signature), colours, page and view. */
function gridKey(sig: string, scale: ColourScale, maxChannels: number, first: number, view: OutputView): string {
  return `${sig}|${scale}|${maxChannels}|${first}|${JSON.stringify(view.view)}`;
}

/** A layer's drawn page of channels and its statistics. */
type Grid = ReturnType<typeof renderGrid> & { stats: LayerStats; view: OutputView };

/** Picture buffers the webview gave back, by size (see RecycleRequest); at most SPARE of them are kept. */
const spare = new Map<number, ArrayBuffer[]>();
const SPARE = 32;
let spareCount = 0;

function recycle(buffers: readonly ArrayBuffer[]): void {
  for (const buffer of buffers) {
    if (spareCount >= SPARE || !(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) continue;
    const list = spare.get(buffer.byteLength) ?? [];
    list.push(buffer);
    spare.set(buffer.byteLength, list);
    spareCount++;
  }
}

/** A picture's pixels, all zero: a buffer given back of that size when there is one, else a fresh one. */
function pictureBytes(length: number): Uint8ClampedArray {
  const buffer = spare.get(length)?.pop();
  if (buffer === undefined) return new Uint8ClampedArray(length);
  spareCount--;
  return new Uint8ClampedArray(buffer).fill(0);
}

/** Statistics and the page's picture, read straight from the output (a view of the engine's memory, not a copy). */
function grid(y: Tensor, view: OutputView, scale: ColourScale, maxChannels: number, first: number): Grid {
  const stats = layerStats(sampleValues(y.data, view));
  return { ...renderGrid(y.data, y.shape, scale, maxChannels, first, view, [stats.min, stats.max], pictureBytes), stats, view };
}

/** The other tensors of a tuple-valued layer (the engine's TupleTensor: an LSTM's h_n, attention's weights). */
function tupleRest(y: Tensor): ReadonlyArray<Tensor | null> {
  return 'rest' in y ? (y as Tensor & { rest: ReadonlyArray<Tensor | null> }).rest : [];
}

function postLayer(runId: number, key: string, y: Tensor, drawn: Grid, node: GraphNode | undefined, maxChannels: number): void {
  const { picture, layout, stats, view } = drawn;
  // The picture goes to the webview (transferred, not copied): nothing here keeps it.
  post({
    type: 'layer', runId, key, shape: [...y.shape], stats, grid: picture, view: view.view, channels: view.tiles, first: layout.first,
    shown: layout.shown, tileWidth: layout.tileWidth, tileHeight: layout.tileHeight, gap: layout.gap, columns: layout.columns,
  }, [picture.rgba.buffer]);
  // Attention weights returned beside the output: a map per head, on their own scale, under the layer's maps.
  const weights = tupleRest(y)[0];
  const axes = node && weights ? attentionWeightsAxes(node, weights.shape.length) : null;
  if (!weights || !axes) return;
  const heads = outputView(weights.shape, axes);
  const drawnHeads = renderGrid(weights.data, weights.shape, 'layer', maxChannels, 0, heads);
  post({ type: 'attention', runId, key, shape: [...weights.shape], grid: drawnHeads.picture, view: heads.view, heads: heads.tiles, shown: drawnHeads.layout.shown }, [drawnHeads.picture.rgba.buffer]);
}

/** A layer's facts without its picture: statistics (of every value, as when drawn) and where its page's tiles go. */
function postStats(runId: number, key: string, y: Tensor, view: OutputView, maxChannels: number, first: number): void {
  const stats = layerStats(sampleValues(y.data, view));
  const layout = viewLayout(view, maxChannels, first);
  post({
    type: 'layerStats', runId, key, shape: [...y.shape], stats, view: view.view, channels: view.tiles, first: layout.first, shown: layout.shown,
    tileWidth: layout.tileWidth, tileHeight: layout.tileHeight, gap: layout.gap, columns: layout.columns, width: layout.width, height: layout.height,
  });
}

/** Drawn when first read (a conv's weights straight into the engine's packing), kept across runs and edits. */
function seededParameter(name: string, shape: readonly number[], init: SeededTensor['init'], seed: number): SeededTensor {
  const key = `${seed}|${name}|${shape.join('x')}|${JSON.stringify(init)}`;
  let t = seeded.get(key);
  if (!t) {
    t = new SeededTensor(shape, init, seed, name);
    seeded.set(key, t);
  }
  return t;
}

/** Every parameter the graph needs: from the file where names and shapes match, seeded otherwise. */
function parameters(graph: ModelGraph, source: WeightsSource): { params: Map<string, Tensor>; report: WeightsReport } {
  const specs = graphParameters(graph);
  const seed = source.seed;
  let file: Map<string, Tensor> | null = null;
  if (source.kind === 'file') {
    if (!loadedFile || loadedFile.name !== source.name || loadedFile.size !== source.bytes.length) {
      loadedFile = { name: source.name, size: source.bytes.length, tensors: readWeightsFile(source.bytes, source.name) };
    }
    file = loadedFile.tensors;
  }
  const match = file === null ? { missing: [], unexpected: [], mismatched: [] } : matchStateDict(specs, file);
  const bad = new Set([...match.missing, ...match.mismatched.map((m) => m.name)]);
  const params = new Map<string, Tensor>();
  for (const [name, spec] of specs) {
    const fromFile = file?.get(name);
    params.set(name, fromFile !== undefined && !bad.has(name) ? fromFile : seededParameter(name, spec.shape, spec.init, seed));
  }
  const report: WeightsReport = {
    source: source.kind === 'seed' ? `default init, seed ${source.seed}` : source.name,
    matched: specs.size - bad.size,
    missing: match.missing,
    unexpected: match.unexpected,
    mismatched: match.mismatched.map((m) => `${m.name} is [${m.got.join(', ')}], the model needs [${m.expected.join(', ')}]`),
  };
  return { params, report };
}

/** The conv whose output channel `channel` feeds this node, through channel-preserving single-input ops. */
function producingConv(graph: ModelGraph, node: GraphNode): GraphNode | null {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const channels = (shape: GraphNode['shape'] | undefined): unknown => (graph.channelsLast === true ? shape?.at(-1) : shape?.[1]);
  let current: GraphNode | undefined = node;
  for (let hops = 0; current && hops < 8; hops++) {
    if (current.module?.type === 'Conv1d' || current.module?.type === 'Conv2d' || current.module?.type === 'Conv3d' || current.module?.type === 'conv2d') return current;
    if (current.inputs.length !== 1 || channels(current.shape) !== channels(byId.get(current.inputs[0] as number)?.shape)) return null;
    current = byId.get(current.inputs[0] as number);
  }
  return null;
}

/**
 * The compiled model, kept across runs and edits: an edit re-plans it, and only layers whose parameters
 * changed are packed again (the parameters keep their arrays). The same executor as `conv-lens run`.
 */
let executor: Executor | null = null;

/** A run stops at its next pause when a later run request is waiting: the webview has moved on to another model or edit. */
const queue: Exclude<WorkerRequest, { type: 'recycle' }>[] = [];
const superseded = (): boolean => queue.some((r) => r.type === 'run' || r.type === 'cancel');

/** How long a run computes before it lets the worker read its messages (a new edit, a page asked for). */
const SLICE_MS = 12;
/** Lets the messages that arrived during a slice be queued (a task after them), then goes on. */
function pause(): Promise<void> {
  return new Promise((resolve) => {
    // A channel per pause, closed once used: no open port is left behind when the worker goes idle.
    const channel = new MessageChannel();
    channel.port1.onmessage = (): void => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Runs what the plan allows, one step at a time, pausing between slices to see whether a later run was asked for
 * (then it stops and returns null). Each node's output is handed to `onNode` as soon as it is made. A node that
 * fails at run time is explained, left out with what needs it, and the rest runs again.
 */
async function execute(graph: ModelGraph, unbuilt: string | null, input: Tensor, params: Map<string, Tensor>, reuse: Map<number, Tensor>, shapes: (g: ModelGraph) => ModelGraph,
  onNode: (id: number, output: () => Tensor | undefined) => void): Promise<{ result: Execution; keyOfId: Map<number, string>; plan: RunPlan } | null> {
  const failed = new Map<number, string>();
  for (;;) {
    const plan = planRun(graph, failed, unbuilt);
    const subKeys = nodeKeys(plan.graph);
    const idOfKey = new Map(plan.graph.nodes.map((n, i) => [subKeys[i] as string, n.id]));
    try {
      // Every parameter is in `params` (file or seeded), so the executor only takes them.
      // Planned with the shapes of this run (its batch of one), so that every op's output is placed in the engine's memory.
      const shaped = shapes(plan.graph);
      if (executor === null) executor = new Executor(shaped, { weights: params });
      else executor.update(shaped, { weights: params });
      // Every node's exact output: the preview draws them all (from the engine's memory, copying none).
      let running: Running | null = null;
      running = executor.start(input, { outputs: 'all', reuse, onNode: (timing) => {
        const id = idOfKey.get(timing.key) ?? -1;
        onNode(id, () => running?.view(id));
      } });
      let sliceAt = performance.now();
      while (running.step()) {
        if (performance.now() - sliceAt < SLICE_MS) continue;
        await pause();
        if (superseded()) {
          running.cancel();
          return null;
        }
        sliceAt = performance.now();
      }
      const result = running.finish();
      const keyOfId = new Map<number, string>();
      for (const [key, id] of idOfKey) if (result.has(key)) keyOfId.set(id, key);
      return { result, keyOfId, plan };
    } catch (error) {
      const { message, node } = explainFailure(error, unbuilt);
      // The failed attempt wrote over the last run's outputs (and may have grown the memory, emptying views of
      // it): reuse only what JavaScript holds.
      for (const [id, t] of reuse) if (t.data.length !== numel(t.shape) || executor?.runtime.addressOf(t.data) !== null) reuse.delete(id);
      // Each retry leaves out one more node, so this ends; without a node to blame there is nothing to retry.
      if (node === null || failed.has(node.id)) throw new Error(message);
      failed.set(node.id, message);
    }
  }
}

async function run(request: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const { runId, graph } = request;
  const started = performance.now();
  const keys = nodeKeys(graph);
  const keyOf = new Map(graph.nodes.map((n, i) => [n.id, keys[i] as string]));
  const nodeOf = new Map(graph.nodes.map((n) => [n.id, n]));
  // Parameters of every layer whose arguments are known, so the weights report speaks of the whole model.
  const { params, report } = parameters(withKnownParameters(graph), request.weights);
  const sigs = nodeSignatures(graph, request.inputKey);
  // The last run's outputs this run can reuse, where they are (the executor uses each in place or runs its node again).
  const reuse = new Map<number, Tensor>();
  for (const node of graph.nodes) {
    const known = previous.get(sigs.get(node.id) ?? '')?.view();
    if (known) reuse.set(node.id, known);
  }
  const axes = graphAxes(graph, request.input.shape);
  const draw = new Set(request.draw);
  const nextGrids = new Map<string, string>();
  /**
   * Sends the webview one layer: `layerSame` when it holds this very picture (or these statistics) already, the
   * picture of a box on screen, or the statistics alone of one off screen. Drawn from the engine's memory, where
   * the output stays: nothing is copied out for the picture.
   */
  const send = (node: GraphNode, y: Tensor): void => {
    const key = keyOf.get(node.id) as string;
    const view = outputView(y.shape, axes.get(node.id) ?? [], request.depths[key]);
    const first = request.pages[key] ?? 0;
    const drawn = gridKey(sigs.get(node.id) ?? '', request.scale, request.maxChannels, first, view);
    const held = grids.get(key);
    if (held === drawn || (held === `facts|${drawn}` && !draw.has(key))) {
      nextGrids.set(key, held);
      post({ type: 'layerSame', runId, key });
    } else if (!draw.has(key)) {
      // Off screen or folded: its statistics and the size of its page; the picture when the webview asks for it.
      nextGrids.set(key, `facts|${drawn}`);
      postStats(runId, key, y, view, request.maxChannels, first);
    } else {
      nextGrids.set(key, drawn);
      postLayer(runId, key, y, grid(y, view, request.scale, request.maxChannels, first), node, request.maxChannels);
    }
  };
  let done = 0;
  let progressAt = 0;
  const data = request.input.data ?? (heldInput?.made === request.input.made ? heldInput.data : null);
  if (data === null) throw new Error('internal: the run\'s input was neither sent nor kept');
  const executed = await execute(graph, request.unbuilt ?? null, { shape: request.input.shape, data }, params, reuse,
    (g) => withRunShapes(g, axes, request.analysedInput, request.input.shape), (id, output) => {
      // The boxes on screen are sent as soon as their layer has run: the maps the user looks at repaint before the
      // rest of the model has run. A retry after a failure does not send them again: the layers before the node
      // that failed give the same outputs.
      const node = nodeOf.get(id);
      const key = keyOf.get(id);
      const y = key !== undefined && draw.has(key) ? output() : undefined;
      if (node && key !== undefined && y && !nextGrids.has(key)) send(node, y);
      // The first node at once, then at most one update per 30 ms: each is a status line laid out in the webview,
      // whose main thread also paints the maps.
      const now = performance.now();
      if (++done > 1 && now - progressAt < 30) return;
      progressAt = now;
      post({ type: 'progress', runId, done, total: graph.nodes.length, key: key ?? '' });
    });
  if (executed === null) {
    // A later run is waiting. This one wrote over what the last finished run left to reuse; and what it sent may or
    // may not have been shown (the webview ignores a stale run's messages), so those layers are sent again in full.
    previous = new Map();
    for (const key of nextGrids.keys()) grids.delete(key);
    return;
  }
  const { result, keyOfId, plan } = executed;
  post({ type: 'plan', runId, blocked: Object.fromEntries(plan.blocked), reason: plan.reason });
  const outputs = new Map<string, Output>();
  const nextPrevious = new Map<string, Output>();
  const axesByKey = new Map<string, Axes>();
  const sigByKey = new Map<string, string>();
  graph.nodes.forEach((node, i) => {
    const key = keys[i] as string;
    const subKey = keyOfId.get(node.id);
    const shape = subKey === undefined ? undefined : result.shape(subKey);
    if (subKey === undefined || shape === undefined) return;
    const output = outputOf(result, subKey, shape);
    outputs.set(key, output);
    axesByKey.set(key, axes.get(node.id) ?? []);
    const sig = sigs.get(node.id) ?? '';
    nextPrevious.set(sig, output);
    sigByKey.set(key, sig);
    // Sent while the model ran (a box on screen).
    if (nextGrids.has(key)) return;
    send(node, result.view(subKey) as Tensor);
  });
  previous = nextPrevious;
  grids = nextGrids;
  last = { runId, graph, keys, outputs, axes: axesByKey, params, sigs: sigByKey, scale: request.scale, maxChannels: request.maxChannels };
  const reused = plan.graph.nodes.filter((n) => reuse.has(n.id)).length;
  post({ type: 'done', runId, ms: performance.now() - started, reused, ran: plan.graph.nodes.length, total: graph.nodes.length, weights: report });
}

function page(request: Extract<WorkerRequest, { type: 'page' }>): void {
  const y = last?.runId === request.runId ? last.outputs.get(request.key)?.view() : undefined;
  if (!last || !y) return;
  const view = outputView(y.shape, last.axes.get(request.key), request.depth);
  // The webview now holds this page: the next run need not draw it again if the layer is unchanged.
  grids.set(request.key, gridKey(last.sigs.get(request.key) ?? '', last.scale, last.maxChannels, request.first, view));
  postLayer(request.runId, request.key, y, grid(y, view, last.scale, last.maxChannels, request.first), last.graph.nodes[last.keys.indexOf(request.key)], last.maxChannels);
}

function channel(request: Extract<WorkerRequest, { type: 'channel' }>): void {
  if (!last || last.runId !== request.runId) return;
  const y = last.outputs.get(request.key)?.view();
  const node = last.graph.nodes[last.keys.indexOf(request.key)];
  if (!y || !node) return;
  const view = outputView(y.shape, last.axes.get(request.key), request.depth);
  const { picture, min, max } = renderChannel(y.data, y.shape, request.channel, 256, view);
  const conv = producingConv(last.graph, node);
  const name = conv?.module?.name;
  // A TF.js conv2d kernel is [kh, kw, in, out]: drawn as PyTorch's [out, in, kh, kw].
  const tfKernel = conv?.module?.type === 'conv2d' ? last.params.get(`${name ?? ''}.kernel`) : undefined;
  const weight = tfKernel !== undefined ? permute(tfKernel, [3, 2, 0, 1]) : name === undefined ? undefined : last.params.get(name === '' ? 'weight' : `${name}.weight`);
  // Kernels are drawn as 2-D tiles: a Conv1d's or Conv3d's are named, not drawn.
  const flat = conv?.module?.type === 'Conv2d' || conv?.module?.type === 'conv2d';
  const kernel = weight && flat ? renderKernel(weight.data, weight.shape, request.channel) : null;
  const kernelNote = weight && conv?.module && flat
    ? `kernels of ${conv.module.name} for output channel ${request.channel}: ${weight.shape[1]} input channel(s) of ${weight.shape[2]}x${weight.shape[3]} (red positive, blue negative)`
    : weight && conv?.module ? `produced by ${conv.module.name} (${conv.module.type}, kernels ${weight.shape.slice(2).join('x')}; not drawn)`
      : 'no convolution kernel produced this map directly';
  post({ type: 'channel', runId: request.runId, key: request.key, channel: request.channel, picture, min, max, kernel, kernelNote },
    kernel ? [picture.rgba.buffer, kernel.rgba.buffer] : [picture.rgba.buffer]);
}

let draining = false;
/** Requests in order, one at a time: a run pauses between slices, and what arrived meanwhile waits here for it. */
async function drain(): Promise<void> {
  for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
    // A run with a later one waiting is stale before it starts: the webview ignores its messages.
    if (request.type === 'run' && superseded()) continue;
    try {
      if (request.type === 'run') await run(request);
      else if (request.type === 'page') page(request);
      else if (request.type === 'channel') channel(request);
    } catch (error) {
      post({ type: 'error', runId: request.runId, message: error instanceof Error ? error.message : String(error) });
    }
  }
  draining = false;
}

// The engine's WebAssembly is compiled as the worker starts (the webview starts it with the panel), not on the first run.
runtime();

scope.addEventListener('message', (event) => {
  const request = event.data as WorkerRequest;
  // Taken at once, even during a run: the next pictures can use them.
  if (request.type === 'recycle') {
    if (Array.isArray(request.buffers)) recycle(request.buffers);
    return;
  }
  // Kept on arrival: a later run that refers to it may arrive while this one waits, or skip it.
  if (request.type === 'run' && request.input.data !== null) heldInput = { made: request.input.made, data: request.input.data };
  queue.push(request);
  if (draining) return;
  draining = true;
  void drain();
});
