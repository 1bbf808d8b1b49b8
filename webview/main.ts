// The preview webview: the model flow (from the extension's analysis) and its feature maps (from the
// engine worker). Built by esbuild into out/webview/preview.js; the worker's bundle is inlined as text.
import WORKER_SOURCE from 'conv-lens-preview-worker';
import { formatCount, formatMacs } from '../src/core/presentation/numbers';
import {
  RequestClient, asBytes, type ColourScale, type HostMessage, type Normalisation, type Picture, type PreviewModel, type ViewMessage,
  type WeightsSource, type WorkerMessage, type WorkerRequest,
} from '../src/shared/protocol';
import { buildFlow, concreteInput, formatDims, itemAtOffset, runnableGraph, type Flow, type FlowGroup, type FlowItem } from './logic/flow';
import { PATTERNS, describeNormalisation, rgbaToImage, syntheticImage, toModelInput, type Pattern, type RgbImage } from './logic/inputs';

interface VsCodeApi {
  postMessage(message: ViewMessage): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives hiding the view and reloading the window (getState/setState; the serializer restores panels). */
interface ViewState {
  seed: number;
  pattern: Pattern | 'image';
  normalisation: Normalisation;
  scale: ColourScale;
  /** Blocks the user opened or folded against their default (repeats of the block before them start folded). */
  toggled: string[];
}

const vscode = acquireVsCodeApi();
const MAX_CHANNELS = 32;

function restoreState(): ViewState {
  const saved = vscode.getState() as Partial<ViewState> | undefined;
  return {
    seed: typeof saved?.seed === 'number' ? saved.seed : 0,
    pattern: (PATTERNS as readonly string[]).includes(saved?.pattern ?? '') ? (saved?.pattern as Pattern) : 'gradient',
    normalisation: saved?.normalisation ?? 'none',
    scale: saved?.scale ?? 'layer',
    toggled: Array.isArray(saved?.toggled) ? saved.toggled : [],
  };
}

const state = restoreState();
const saveState = (): void => vscode.setState(state);
const requests = new RequestClient((message) => vscode.postMessage(message));

let preview: PreviewModel | null = null;
let flow: Flow | null = null;
let image: { name: string; data: RgbImage } | null = null;
let weights: WeightsSource = { kind: 'seed', seed: state.seed };

// ---- DOM ----

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const root = document.getElementById('conv-lens-root') as HTMLElement;
const header = el('div', { class: 'toolbar' });
const status = el('div', { class: 'status', id: 'status' });
const weightsLine = el('div', { class: 'weights', id: 'weights-report' });
const inputLine = el('div', { class: 'input-note', id: 'input-note' });
const flowBox = el('div', { class: 'flow', id: 'flow' });
flowBox.append(el('div', { class: 'empty' }, 'Open a PyTorch or TensorFlow.js model file to see its layers and feature maps.'));
root.replaceChildren(header, inputLine, weightsLine, status, flowBox);

function select<T extends string>(id: string, label: string, options: ReadonlyArray<readonly [T, string]>, value: T, onChange: (v: T) => void): HTMLElement {
  const s = el('select', { id, 'aria-label': label });
  for (const [v, text] of options) {
    const o = el('option', { value: v }, text);
    if (v === value) o.selected = true;
    s.append(o);
  }
  s.addEventListener('change', () => onChange(s.value as T));
  return el('label', {}, `${label} `, s);
}

function button(id: string, text: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { id, title }, text);
  b.addEventListener('click', onClick);
  return b;
}

const seedLabel = el('span', { id: 'seed' });
function renderToolbar(): void {
  seedLabel.textContent = weights.kind === 'seed' ? `seed ${state.seed}` : weights.name;
  header.replaceChildren(
    select<Pattern | 'image'>('pattern', 'Input', [...PATTERNS.map((p) => [p, p] as const), ...(image ? [['image', image.name] as const] : [])], state.pattern, (v) => {
      state.pattern = v;
      saveState();
      schedule();
    }),
    select<Normalisation>('normalisation', 'Normalise', [['none', '[0, 1]'], ['symmetric', '[-1, 1]'], ['imagenet', 'ImageNet']], state.normalisation, (v) => {
      state.normalisation = v;
      saveState();
      schedule();
    }),
    select<ColourScale>('scale', 'Colours per', [['layer', 'layer'], ['channel', 'channel']], state.scale, (v) => {
      state.scale = v;
      saveState();
      schedule();
    }),
    button('load-image', 'Image…', 'Use a PNG or JPEG from the workspace as the input', () => void pickImage()),
    el('span', { class: 'sep' }),
    seedLabel,
    button('reroll', 'Re-roll', 'New random weights (default initialisation with the next seed)', () => {
      state.seed++;
      weights = { kind: 'seed', seed: state.seed };
      saveState();
      renderToolbar();
      schedule();
    }),
    button('load-weights', 'Weights…', 'Load a .safetensors or .pt state_dict from the workspace', () => void pickWeights()),
  );
}

async function pickImage(): Promise<void> {
  const file = await requests.request('pickImage', {});
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(new Blob([asBytes(file.bytes)]));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    image = { name: file.name, data: rgbaToImage(pixels.data, bitmap.width, bitmap.height) };
    state.pattern = 'image';
    renderToolbar();
    schedule();
  } catch (error) {
    status.textContent = `${file.name} could not be decoded as an image: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function pickWeights(): Promise<void> {
  const file = await requests.request('pickWeights', {});
  if (!file) return;
  weights = { kind: 'file', name: file.name, bytes: asBytes(file.bytes) };
  renderToolbar();
  schedule();
}

// ---- flow ----

const layerBoxes = new Map<string, HTMLElement>();
/** The last pictures per layer key, shown (dimmed) while a new run is under way. */
const pictures = new Map<string, { grid: Picture; text: string; tileWidth: number; tileHeight: number; columns: number; gap: number; shown: number }>();

function paint(canvas: HTMLCanvasElement, picture: Picture): void {
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.putImageData(new ImageData(new Uint8ClampedArray(picture.rgba), picture.width, picture.height), 0, 0);
}

function layerBox(item: FlowItem): HTMLElement {
  const facts = [formatDims(item.shape)];
  if (item.params !== null && item.params > 0) facts.push(`${formatCount(item.params)} params`);
  if (item.macs !== null && item.macs > 0) facts.push(`${formatMacs(item.macs)} MACs`);
  const head = el('div', { class: 'layer-head', title: `Go to line ${item.line + 1}` },
    el('span', { class: 'name' }, item.label), el('span', { class: 'type' }, item.type === item.label ? '' : item.type),
    el('span', { class: 'shape' }, facts.join(' · ')));
  const box = el('div', { class: `layer${item.error ? ' error' : ''}`, 'data-key': item.key, 'data-line': String(item.line) }, head);
  head.addEventListener('click', () => {
    if (preview) vscode.postMessage({ type: 'reveal', uri: preview.uri, line: item.line, character: item.character });
  });
  if (item.error) {
    box.append(el('div', { class: 'error-message' }, item.error));
    return box;
  }
  const canvas = el('canvas', { class: 'maps', title: 'Click a map to enlarge it' });
  const stats = el('div', { class: 'stats' });
  const old = pictures.get(item.key);
  if (old) {
    paint(canvas, old.grid);
    stats.textContent = old.text;
    box.classList.add('stale');
    box.dataset['shown'] = String(old.shown);
  }
  canvas.addEventListener('click', (event) => enlarge(item.key, canvas, event));
  box.append(stats, canvas, el('div', { class: 'detail' }));
  layerBoxes.set(item.key, box);
  return box;
}

/** Blocks opened to show the layer under the cursor: their toggle event is not the user's choice. */
const autoOpened = new WeakSet<HTMLDetailsElement>();

function groupBox(group: FlowGroup): HTMLElement {
  const body = el('div', { class: 'group-body' });
  for (const child of group.children) body.append(child.kind === 'group' ? groupBox(child) : layerBox(child));
  if (group.path === '') return body;
  const summary = el('summary', {}, group.path, group.sameAs === null ? '' : el('span', { class: 'muted' }, ` — same layers and shapes as ${group.sameAs}`));
  const details = el('details', { class: 'group', 'data-path': group.path }, summary, body);
  // Blocks are open and repeats of the block before them folded, unless the user toggled them.
  const folded = group.sameAs !== null;
  details.open = state.toggled.includes(group.path) ? folded : !folded;
  details.addEventListener('toggle', () => {
    if (autoOpened.delete(details)) return;
    const toggled = details.open === folded;
    state.toggled = toggled ? [...new Set([...state.toggled, group.path])] : state.toggled.filter((p) => p !== group.path);
    saveState();
  });
  return details;
}

function renderFlow(): void {
  layerBoxes.clear();
  if (!preview || !flow) return;
  const m = preview.model;
  const title = el('div', { class: 'model-title' },
    el('strong', {}, m.name), ` · ${preview.fileName} · input ${formatDims(m.input[0] ?? null)} → ${formatDims(m.output)}`,
    m.totalParams === null ? '' : ` · ${formatCount(m.totalParams)} params`, m.totalMacs === null ? '' : ` · ${formatMacs(m.totalMacs)} MACs`);
  flowBox.replaceChildren(title, groupBox(flow.root));
  if (flow.error) flowBox.append(el('div', { class: 'flow-stop' }, 'The flow stops at this error: fix it to see the layers after it.'));
}

// ---- the engine worker ----

let worker: Worker | null = null;
let busy = false;
let runId = 0;
let lastRunKey = '';
let runStarted = 0;

function startWorker(): Worker {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.addEventListener('message', (event: MessageEvent<WorkerMessage>) => onWorker(event.data));
  w.addEventListener('error', (event) => {
    busy = false;
    status.textContent = `The engine worker failed: ${event.message}`;
  });
  return w;
}

function post(request: WorkerRequest, transfer: Transferable[] = []): void {
  worker ??= startWorker();
  worker.postMessage(request, transfer);
}

function inputImage(h: number, w: number): RgbImage {
  return state.pattern === 'image' && image ? image.data : syntheticImage(state.pattern === 'image' ? 'gradient' : state.pattern, w, h, state.seed);
}

let scheduled = false;
/** Coalesces changes made in one task (a model update plus a cursor move) into one run. */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    startRun();
  });
}

function markPainted(): void {
  document.body.dataset['paintedAt'] = String(Date.now());
  document.body.dataset['paintedVersion'] = String(preview?.version ?? -1);
}

function startRun(): void {
  if (!preview || !flow) return;
  const input = concreteInput(preview.model.input[0]);
  const [, c = 3, h = 32, w = 32] = input.shape;
  inputLine.textContent = `Input [${input.shape.join(', ')}]: ${state.pattern === 'image' && image ? image.name : state.pattern}, ${c === 1 ? 'grey' : c === 3 ? 'RGB' : `grey repeated to ${c} channels`}, ${describeNormalisation(state.normalisation, c)}${input.note ? ` (${input.note})` : ''}`;
  const graph = runnableGraph(preview.model.graph, flow);
  if (graph.nodes.length === 0) {
    status.textContent = flow.error ? 'Nothing runs before the error.' : 'The model has no layers to run.';
    markPainted();
    return;
  }
  const weightsKey = weights.kind === 'seed' ? `seed:${weights.seed}` : `file:${weights.name}:${weights.bytes.length}`;
  const key = JSON.stringify([graph.nodes.map((n) => [n.op, n.module?.type, n.module?.args, n.args, n.inputs, n.shape]), input.shape, state.pattern, image?.name, state.normalisation, state.scale, weightsKey]);
  if (key === lastRunKey) {
    // Same computation (an edit elsewhere in the file): the maps on screen are current.
    for (const box of layerBoxes.values()) box.classList.remove('stale');
    if (!busy) markPainted();
    return;
  }
  lastRunKey = key;
  if (busy && worker) {
    // The engine runs synchronously inside the worker: terminating it is how a stale run is cancelled.
    worker.terminate();
    worker = null;
  }
  busy = true;
  runId++;
  runStarted = performance.now();
  status.textContent = 'Running…';
  const data = toModelInput(inputImage(h, w), input.shape, state.normalisation);
  const inputKey = JSON.stringify([input.shape, state.pattern, image?.name, state.normalisation, state.seed, weightsKey]);
  post({ type: 'run', runId, graph, input: { shape: input.shape, data }, inputKey, weights, scale: state.scale, maxChannels: MAX_CHANNELS }, [data.buffer]);
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3);
}

function onWorker(message: WorkerMessage): void {
  if (message.runId !== runId) return;
  switch (message.type) {
    case 'progress':
      status.textContent = `Running ${message.key} (${message.done}/${message.total})…`;
      break;
    case 'layer': {
      const s = message.stats;
      const text = `min ${formatValue(s.min)} · max ${formatValue(s.max)} · mean ${formatValue(s.mean)} · zeros ${(s.zeros * 100).toFixed(1)}%${message.shown < message.channels ? ` · first ${message.shown} of ${message.channels} channels` : ''}`;
      pictures.set(message.key, { grid: message.grid, text, tileWidth: message.tileWidth, tileHeight: message.tileHeight, columns: message.columns, gap: message.gap, shown: message.shown });
      const box = layerBoxes.get(message.key);
      if (!box) break;
      const canvas = box.querySelector('canvas');
      const stats = box.querySelector('.stats');
      if (canvas) paint(canvas, message.grid);
      if (stats) stats.textContent = text;
      box.classList.remove('stale');
      box.dataset['shown'] = String(message.shown);
      break;
    }
    case 'layerSame': {
      const box = layerBoxes.get(message.key);
      if (box && pictures.has(message.key)) box.classList.remove('stale');
      break;
    }
    case 'done': {
      busy = false;
      const r = message.weights;
      const problems = [
        r.missing.length ? `missing (seeded instead): ${r.missing.join(', ')}` : '',
        r.mismatched.length ? `wrong shape (seeded instead): ${r.mismatched.join('; ')}` : '',
        r.unexpected.length ? `not used by the model: ${r.unexpected.join(', ')}` : '',
      ].filter((p) => p !== '');
      weightsLine.textContent = `Weights: ${r.source}${weights.kind === 'file' ? ` — ${r.matched} tensor(s) matched by name${problems.length ? `; ${problems.join('; ')}` : ', all of the model\'s parameters'}` : ''}`;
      weightsLine.classList.toggle('warn', problems.length > 0);
      status.textContent = `Ran in ${message.ms.toFixed(0)} ms (${(performance.now() - runStarted).toFixed(0)} ms with drawing); ${message.reused} of ${message.total} layer outputs unchanged by the edit and reused`;
      for (const [key, box] of layerBoxes) if (!pictures.has(key)) box.classList.remove('stale');
      markPainted();
      break;
    }
    case 'channel': {
      const box = layerBoxes.get(message.key);
      const detail = box?.querySelector('.detail');
      if (!detail) break;
      const big = el('canvas', { class: 'enlarged' });
      paint(big, message.picture);
      const parts: Array<Node | string> = [el('div', {}, `channel ${message.channel}: min ${formatValue(message.min)}, max ${formatValue(message.max)}`), big];
      if (message.kernel) {
        const k = el('canvas', { class: 'kernel' });
        paint(k, message.kernel);
        parts.push(el('div', {}, message.kernelNote), k);
      } else {
        parts.push(el('div', { class: 'muted' }, message.kernelNote));
      }
      detail.replaceChildren(...parts);
      break;
    }
    case 'error':
      busy = false;
      status.textContent = `The engine could not run the model: ${message.message}`;
      markPainted();
      break;
  }
}

function enlarge(key: string, canvas: HTMLCanvasElement, event: MouseEvent): void {
  const grid = pictures.get(key);
  if (!grid) return;
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) / rect.width) * canvas.width;
  const y = ((event.clientY - rect.top) / rect.height) * canvas.height;
  const column = Math.floor(x / (grid.tileWidth + grid.gap));
  const row = Math.floor(y / (grid.tileHeight + grid.gap));
  const channel = row * grid.columns + column;
  if (column >= grid.columns || channel >= grid.shown) return;
  post({ type: 'channel', runId, key, channel });
}

// ---- messages from the extension ----

function highlight(offset: number): void {
  if (!flow) return;
  const item = itemAtOffset(flow, offset);
  for (const box of flowBox.querySelectorAll('.layer.current')) box.classList.remove('current');
  if (!item) return;
  const box = flowBox.querySelector(`.layer[data-key="${CSS.escape(item.key)}"]`);
  if (!box) return;
  box.classList.add('current');
  // A layer inside a folded block: unfold it to show the layer (without recording a user toggle).
  for (let d = box.parentElement?.closest('details'); d; d = d.parentElement?.closest('details')) {
    if (d.open) continue;
    autoOpened.add(d);
    d.open = true;
  }
  box.scrollIntoView({ block: 'nearest' });
}

let cursor: { uri: string; offset: number } | null = null;

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'model':
      document.body.dataset['modelAt'] = String(Date.now());
      document.body.dataset['shownVersion'] = String(message.preview.version);
      preview = message.preview;
      {
        const started = performance.now();
        flow = buildFlow(preview);
        renderFlow();
        // Kept for the e2e's latency breakdown.
        document.body.dataset['flowMs'] = (performance.now() - started).toFixed(1);
      }
      if (cursor && cursor.uri === preview.uri) highlight(cursor.offset);
      schedule();
      break;
    case 'empty':
      preview = null;
      flow = null;
      flowBox.replaceChildren(el('div', { class: 'empty' }, message.reason));
      status.textContent = '';
      markPainted();
      break;
    case 'cursor':
      cursor = { uri: message.uri, offset: message.offset };
      if (preview?.uri === message.uri) highlight(message.offset);
      break;
    case 'response':
      requests.settle(message);
      break;
  }
});

renderToolbar();
vscode.postMessage({ type: 'ready' });
