// The preview webview: the model flow (from the extension's analysis) and its feature maps (from the
// engine worker). Built by esbuild into out/webview/preview.js; the worker's bundle is inlined as text.
import WORKER_SOURCE from 'conv-lens-preview-worker';
import { formatCount, formatMacs } from '../src/core/presentation/numbers';
import { applyChange } from '../src/shared/model-change';
import {
  RequestClient, asBytes, type ColourScale, type FileKind, type HostMessage, type LayerFacts, type MapView, type Normalisation, type PickedFile, type Picture, type PreviewModel,
  type ViewMessage, type WeightsSource, type WorkerMessage, type WorkerRequest,
} from '../src/shared/protocol';
import { buildFlow, concreteInput, formatDims, itemAtOffset, runnableGraph, type Flow, type FlowGroup, type FlowItem } from './logic/flow';
import { describeWeights } from './logic/weights';
import { pictureSizes } from './logic/pictureSizes';
import { reuseRoot } from './logic/reuse';
import { depthText, inputAxes, inputBatchDim } from './logic/views';
import { PATTERNS, describeNormalisation, describeSequenceInput, describeVolume, rgbaToImage, syntheticImage, toChannelsLastInput, toModelInput, type Pattern, type RgbImage } from './logic/inputs';
import { SAMPLES, type Sample } from './samples/samples';

interface VsCodeApi {
  postMessage(message: ViewMessage): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The input choices: a synthetic pattern, a bundled sample photo, or the workspace image the user picked. */
type InputChoice = Pattern | `sample:${string}` | 'image';
const INPUTS: ReadonlyArray<readonly [InputChoice, string]> = [
  ...SAMPLES.map((s) => [`sample:${s.name}`, `${s.name} (photo)`] as const),
  ...PATTERNS.map((p) => [p, p] as const),
];

/** A workspace file the user picked, without its bytes: read again by its URI after a reload. */
type PickedRef = Pick<PickedFile, 'name' | 'uri'>;

/** The input until the user picks another, and what the panel falls back to when a picked image is gone. */
const DEFAULT_INPUT: InputChoice = 'sample:cat';

function sampleOf(choice: InputChoice): Sample | undefined {
  return SAMPLES.find((s) => `sample:${s.name}` === choice);
}

/** What survives hiding the view and reloading the window (getState/setState; the serializer restores panels). */
interface ViewState {
  seed: number;
  input: InputChoice;
  normalisation: Normalisation;
  scale: ColourScale;
  /** Blocks the user opened or folded against their default (repeats of the block before them start folded). */
  toggled: string[];
  image: PickedRef | null;
  weights: PickedRef | null;
}

const vscode = acquireVsCodeApi();
// Kept for the e2e: when the panel's script started (the workbench has made the webview by then).
document.body.dataset['scriptAt'] = String(Date.now());
const MAX_CHANNELS = 32;

function pickedRef(value: unknown): PickedRef | null {
  const v = value as Partial<PickedRef> | null | undefined;
  return typeof v?.name === 'string' && typeof v.uri === 'string' ? { name: v.name, uri: v.uri } : null;
}

function restoreState(): ViewState {
  const saved = vscode.getState() as Partial<ViewState> | undefined;
  const image = pickedRef(saved?.image);
  const input = INPUTS.some(([v]) => v === saved?.input) || (saved?.input === 'image' && image) ? (saved?.input as InputChoice) : DEFAULT_INPUT;
  return {
    seed: typeof saved?.seed === 'number' ? saved.seed : 0,
    input,
    normalisation: saved?.normalisation ?? 'none',
    scale: saved?.scale ?? 'layer',
    toggled: Array.isArray(saved?.toggled) ? saved.toggled : [],
    image,
    weights: pickedRef(saved?.weights),
  };
}

const state = restoreState();
const saveState = (): void => vscode.setState(state);
const requests = new RequestClient((message) => vscode.postMessage(message));

let preview: PreviewModel | null = null;
/** The number the host gave `preview`: a model change names the model it was made against. */
let previewSeq = -1;
let flow: Flow | null = null;
/** The file and model the panel shows: pictures, boxes and reused outputs never cross from one to another. */
let modelId = '';
/** Decoded pictures by input choice ('image' is the picked file): decoding is asynchronous, so it happens once. */
const decoded = new Map<InputChoice, RgbImage>();
let weights: WeightsSource = { kind: 'seed', seed: state.seed };
/** A file being read again after a reload: the run waits for it rather than showing the seeded weights first. */
let reopening = 0;
/** The first channel shown per layer key, for layers paged past their first page. */
const pages: Record<string, number> = {};
/** The depth slice shown per layer key, for volumes whose slider the user moved (kept across edits while it exists). */
const depths: Record<string, number> = {};

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
    select<InputChoice>('input', 'Input', [...INPUTS, ...(state.image ? [['image', state.image.name] as const] : [])], state.input, (v) => {
      state.input = v;
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
    button('load-image', 'Image…', 'Use a PNG or JPEG from the workspace as the input', () => void pick('image')),
    el('span', { class: 'sep' }),
    seedLabel,
    button('reroll', 'Re-roll', 'New random weights (default initialisation with the next seed)', () => {
      state.seed++;
      weights = { kind: 'seed', seed: state.seed };
      state.weights = null;
      saveState();
      renderToolbar();
      schedule();
    }),
    button('load-weights', 'Weights…', 'Load a .safetensors or .pt state_dict from the workspace', () => void pick('weights')),
  );
}

/** Longest side kept of a decoded image: inputs are resized to the model's H x W anyway, and a huge photo would cost GBs. */
const MAX_IMAGE_SIDE = 2048;

/** PNG or JPEG bytes to a planar RGB image, by the browser's own decoder. */
async function decodeImage(bytes: Uint8Array<ArrayBuffer>): Promise<RgbImage> {
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const shrink = Math.min(1, MAX_IMAGE_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * shrink)), Math.max(1, Math.round(bitmap.height * shrink)));
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return rgbaToImage(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** No picked image to show: the input goes back to the default if it was the image. */
function forgetImage(): void {
  state.image = null;
  if (state.input === 'image') state.input = DEFAULT_INPUT;
}

async function useImage(file: PickedFile): Promise<void> {
  try {
    decoded.set('image', await decodeImage(asBytes(file.bytes)));
    state.image = { name: file.name, uri: file.uri };
    state.input = 'image';
  } catch (error) {
    // The input stays what it was (the image picked before this one, if any).
    status.textContent = `${file.name} could not be decoded as an image: ${describeError(error)}`;
    if (!decoded.has('image')) forgetImage();
  }
  saveState();
  renderToolbar();
  schedule();
}

function useWeights(file: PickedFile): void {
  weights = { kind: 'file', name: file.name, bytes: asBytes(file.bytes), seed: state.seed };
  state.weights = { name: file.name, uri: file.uri };
  saveState();
  renderToolbar();
  schedule();
}

async function pick(kind: FileKind): Promise<void> {
  try {
    const file = await requests.request('pick', { kind });
    if (!file) return;
    if (kind === 'image') await useImage(file);
    else useWeights(file);
  } catch (error) {
    status.textContent = `Could not read the file: ${describeError(error)}`;
  }
}

/** After a reload: the image and weights the user had picked, read again from the workspace. */
async function reopen(kind: FileKind, ref: PickedRef): Promise<void> {
  reopening++;
  try {
    const file = await requests.request('reopen', { kind, uri: ref.uri });
    if (file && kind === 'image') await useImage(file);
    else if (file) useWeights(file);
    else throw new Error('it is no longer in the workspace');
  } catch (error) {
    status.textContent = `${ref.name}, used before the reload, could not be read again: ${describeError(error)}`;
    if (kind === 'image') forgetImage();
    else state.weights = null;
    saveState();
    renderToolbar();
  } finally {
    reopening--;
    schedule();
  }
}

// ---- flow ----

const layerBoxes = new Map<string, HTMLElement>();
/** What each box on screen shows besides its maps: an edit that leaves them alone moves the box, maps and all. */
const boxFacts = new WeakMap<HTMLElement, string>();
/**
 * The last pictures per layer key, shown (dimmed) while a new run is under way; `grid` is null for a layer the run
 * did not draw (off screen), whose box keeps the page's size until its picture is asked for.
 */
const pictures = new Map<string, { grid: Picture | null; text: string; view: MapView; tileWidth: number; tileHeight: number; columns: number; gap: number; channels: number; first: number; shown: number; width: number; height: number }>();
/** Layers of the current run shown without their picture (off screen or folded when it ran): drawn when they come into view. */
const undrawn = new Set<string>();
/** Pages asked for because their box came into view, not painted yet. */
const asked = new Set<string>();
/** The run is done but boxes on screen wait for their pictures: the panel counts as painted once they arrive. */
let paintPending = false;

/** Pixels beyond the panel's edges within which a box counts as shown: scrolling a little finds its maps drawn. */
const MARGIN = 300;

/** Is the box laid out (not in a folded block) and on screen, give or take `margin` px? */
function onScreen(box: HTMLElement, margin = MARGIN): boolean {
  const r = box.getBoundingClientRect();
  return r.height > 0 && r.bottom > -margin && r.top < window.innerHeight + margin;
}

/** Asks the worker for the pictures of this run's undrawn layers whose boxes are on screen now. */
function drawShown(): void {
  for (const key of undrawn) {
    const box = layerBoxes.get(key);
    if (asked.has(key) || !box || !onScreen(box)) continue;
    asked.add(key);
    post({ type: 'page', runId, key, first: pages[key] ?? 0, ...(depths[key] === undefined ? {} : { depth: depths[key] }) });
  }
}

/** Boxes scrolled into view or unfolded get their pictures; during a run, its end asks for them. */
const observer = new IntersectionObserver(() => {
  if (!busy) drawShown();
}, { rootMargin: `${MARGIN}px 0px` });

/** Previous and next page of a layer's channels, when it has more than one page. */
function pager(key: string, channels: number, first: number, shown: number): HTMLElement {
  const bar = el('div', { class: 'pager' });
  if (channels <= MAX_CHANNELS) return bar;
  const go = (to: number): void => {
    if (to <= 0) delete pages[key];
    else pages[key] = to;
    redraw(key);
  };
  const previous = el('button', { class: 'page-previous', title: 'Previous channels' }, '‹');
  const next = el('button', { class: 'page-next', title: 'Next channels' }, '›');
  previous.disabled = first === 0;
  next.disabled = first + shown >= channels;
  previous.addEventListener('click', () => go(Math.max(0, first - MAX_CHANNELS)));
  next.addEventListener('click', () => go(first + MAX_CHANNELS));
  bar.append(previous, el('span', { class: 'page-range' }, `channels ${first + 1}–${first + shown} of ${channels}`), next);
  return bar;
}

/** Between runs the worker draws another page or slice from the outputs it kept; during one, the run starts again with it. */
function redraw(key: string): void {
  if (busy) schedule();
  else post({ type: 'page', runId, key, first: pages[key] ?? 0, ...(depths[key] === undefined ? {} : { depth: depths[key] }) });
}

/**
 * What the maps of a layer are, above them: a volume's depth slider, a sequence's axes, attention's heads. A slider
 * already on screen for the same volume is updated in place, so a drag is never cut short by the repaint it causes.
 */
function showView(box: HTMLElement, key: string, view: MapView, channels: number): void {
  const bar = box.querySelector<HTMLElement>('.view-bar');
  if (!bar) return;
  const signature = JSON.stringify([key, view.kind, view.kind === 'volume' ? view.depths : 0]);
  if (view.kind === 'volume' && bar.dataset['view'] === signature) {
    const slider = bar.querySelector<HTMLInputElement>('input.depth');
    if (slider && Number(slider.value) !== view.depth) slider.value = String(view.depth);
    bar.querySelector('.depth-label')?.replaceChildren(depthText(view.depth, view.depths));
    return;
  }
  bar.dataset['view'] = signature;
  switch (view.kind) {
    case 'channels':
      bar.replaceChildren();
      break;
    case 'volume': {
      const label = el('span', { class: 'depth-label' }, depthText(view.depth, view.depths));
      const slider = el('input', { type: 'range', class: 'depth', min: '0', max: String(view.depths - 1), step: '1', value: String(view.depth), 'aria-label': `Depth slice of ${key}` });
      slider.disabled = view.depths === 1;
      slider.addEventListener('input', () => {
        const depth = Number(slider.value);
        depths[key] = depth;
        label.textContent = depthText(depth, view.depths);
        redraw(key);
      });
      bar.replaceChildren(label, slider, el('span', { class: 'muted' }, `colours span all ${view.depths} slices`));
      break;
    }
    case 'sequence':
      bar.replaceChildren(el('span', { class: 'axes' },
        `${view.rows.name} (${view.rows.size}) down · ${view.columns.name} (${view.columns.size}) across${view.sample === '' ? '' : ` · ${view.sample}`}`));
      break;
    case 'heads':
      bar.replaceChildren(el('span', { class: 'axes' },
        `attention weights${channels > 1 ? `, one map per head (${channels})` : ''}: ${view.rows.name} (${view.rows.size}) down · ${view.columns.name} (${view.columns.size}) across`));
      break;
  }
}

function paint(canvas: HTMLCanvasElement, picture: Picture): void {
  // Resizing clears the canvas: only when the size changed (putImageData replaces every pixel, alpha included).
  if (canvas.width !== picture.width) canvas.width = picture.width;
  if (canvas.height !== picture.height) canvas.height = picture.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  // The worker's pixels as they are (putImageData copies them; nothing writes to them): copying ResNet-18's 16 MB
  // of pictures per run into fresh arrays first cost the page as much again.
  context.putImageData(new ImageData(picture.rgba as Uint8ClampedArray<ArrayBuffer>, picture.width, picture.height), 0, 0);
}

/** An empty canvas of the picture's size (resizing clears it, even to the same size): the layout stays put. */
function blank(canvas: HTMLCanvasElement, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
}

/** A box whose layer has no output of its own in the latest run: no picture, no statistics. */
function clearMaps(box: HTMLElement): void {
  const canvas = box.querySelector('canvas.maps');
  if (canvas instanceof HTMLCanvasElement) {
    canvas.width = 0;
    canvas.height = 0;
  }
  box.querySelector('.stats')?.replaceChildren();
  box.querySelector('.pager')?.replaceChildren();
  box.querySelector('.attention')?.replaceChildren();
  const bar = box.querySelector<HTMLElement>('.view-bar');
  bar?.replaceChildren();
  if (bar) delete bar.dataset['view'];
  box.querySelector('.detail')?.replaceChildren();
  box.classList.remove('stale');
  undrawn.delete(box.dataset['key'] ?? '');
  delete box.dataset['paintedFor'];
  delete box.dataset['shown'];
  delete box.dataset['enlarged'];
}

/** A layer the preview cannot run: why, instead of maps. */
function markBlocked(box: HTMLElement, why: string): void {
  clearMaps(box);
  box.classList.add('blocked');
  const note = box.querySelector('.blocked-message') ?? el('div', { class: 'blocked-message' });
  note.textContent = why;
  if (!note.parentElement) box.querySelector('.layer-head')?.after(note);
}

function unblock(box: HTMLElement): void {
  box.classList.remove('blocked');
  box.querySelector('.blocked-message')?.remove();
}

function layerBox(item: FlowItem, previous: ReadonlyMap<string, HTMLElement>): HTMLElement {
  const signature = JSON.stringify([item.key, item.label, item.type, item.shape, item.params, item.macs, item.error]);
  const reused = previous.get(item.key);
  const facts = [formatDims(item.shape)];
  if (item.params !== null && item.params > 0) facts.push(`${formatCount(item.params)} params`);
  if (item.macs !== null && item.macs > 0) facts.push(`${formatMacs(item.macs)} MACs`);
  // The same layer with other facts (an edit upstream changed its shape): its box is updated in place, its maps kept
  // dimmed until the run replaces them. Building every box again made a stem edit lay out the whole flow anew.
  if (reused && boxFacts.get(reused) !== signature && !item.error && !reused.classList.contains('error')) {
    const [name, type, shape] = ['.name', '.type', '.shape'].map((q) => reused.querySelector(q));
    if (name && type && shape) {
      name.textContent = item.label;
      type.textContent = item.type === item.label ? '' : item.type;
      shape.textContent = facts.join(' · ');
      boxFacts.set(reused, signature);
    }
  }
  if (reused && boxFacts.get(reused) === signature) {
    reused.dataset['line'] = String(item.line);
    reused.dataset['character'] = String(item.character);
    reused.dataset['file'] = item.file ?? '';
    reused.classList.remove('current');
    if (pictures.has(item.key)) reused.classList.add('stale');
    unblock(reused);
    layerBoxes.set(item.key, reused);
    return reused;
  }
  const head = el('div', { class: 'layer-head', title: 'Go to its line' },
    el('span', { class: 'name' }, item.label), el('span', { class: 'type' }, item.type === item.label ? '' : item.type),
    el('span', { class: 'shape' }, facts.join(' · ')));
  const box = el('div', { class: `layer${item.error ? ' error' : ''}`, 'data-key': item.key, 'data-line': String(item.line), 'data-character': String(item.character), 'data-file': item.file ?? '' }, head);
  boxFacts.set(box, signature);
  // The position is read at the click: a reused box has the one of the latest model.
  head.addEventListener('click', () => {
    const file = box.dataset['file'];
    if (preview) vscode.postMessage({ type: 'reveal', uri: preview.uri, line: Number(box.dataset['line']), character: Number(box.dataset['character']), ...(file ? { path: file } : {}) });
  });
  if (item.error) {
    box.append(el('div', { class: 'error-message' }, item.error));
    return box;
  }
  const canvas = el('canvas', { class: 'maps', title: 'Click a map to enlarge it', width: '0', height: '0' });
  const stats = el('div', { class: 'stats' });
  // The same model's last picture of this layer, dimmed until the run replaces or clears it.
  const old = pictures.get(item.key);
  let bar: HTMLElement = el('div', { class: 'pager' });
  const viewBar = el('div', { class: 'view-bar' });
  if (old) {
    if (old.grid) paint(canvas, old.grid);
    else blank(canvas, old.width, old.height);
    stats.textContent = old.text;
    bar = pager(item.key, old.channels, old.first, old.shown);
    box.classList.add('stale');
    if (old.grid) box.dataset['shown'] = String(old.shown);
    box.dataset['paintedFor'] = modelId;
  }
  canvas.addEventListener('click', (event) => enlarge(item.key, canvas, event));
  box.append(stats, bar, viewBar, canvas, el('div', { class: 'attention' }), el('div', { class: 'detail' }));
  if (old) showView(box, item.key, old.view, old.channels);
  layerBoxes.set(item.key, box);
  observer.observe(box);
  return box;
}

/** Blocks opened to show the layer under the cursor: their toggle event is not the user's choice. */
const autoOpened = new WeakSet<HTMLDetailsElement>();

function groupBox(group: FlowGroup, previous: ReadonlyMap<string, HTMLElement>): HTMLElement {
  const body = el('div', { class: 'group-body' });
  for (const child of group.children) body.append(child.kind === 'group' ? groupBox(child, previous) : layerBox(child, previous));
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

/** The flow's blocks and layers in order (and whether it stops at an error), as last laid out in the panel. */
let shownStructure = '';
function structureOf(flow: Flow): string {
  const walk = (group: FlowGroup): unknown => [group.path, group.sameAs, group.children.map((c) => (c.kind === 'group' ? walk(c) : [c.key, c.error !== null]))];
  return JSON.stringify([walk(flow.root), flow.error !== null]);
}

/** Each layer of a group and its blocks, in order. */
function* itemsOf(group: FlowGroup): Generator<FlowItem> {
  for (const child of group.children) {
    if (child.kind === 'group') yield* itemsOf(child);
    else yield child;
  }
}

function renderFlow(): void {
  const previous = new Map(layerBoxes);
  layerBoxes.clear();
  if (!preview || !flow) return;
  const m = preview.model;
  const title = el('div', { class: 'model-title' },
    el('strong', {}, m.name), ` · ${preview.fileName} · input ${formatDims(m.input[0] ?? null)} → ${formatDims(m.output)}`,
    m.totalParams === null ? '' : ` · ${formatCount(m.totalParams)} params`, m.totalMacs === null ? '' : ` · ${formatMacs(m.totalMacs)} MACs`);
  const structure = structureOf(flow);
  const shownTitle = flowBox.querySelector(':scope > .model-title');
  const items = [...itemsOf(flow.root)];
  if (structure === shownStructure && shownTitle && items.every((item) => previous.has(item.key))) {
    // The same blocks and layers in the same order (an edit of shapes or numbers): each box is updated where it is,
    // and the blocks stay folded or open as they are. Moving every box into new blocks had the whole flow styled and
    // laid out again (46 ms in a trace of ResNet-18's head edit, before its new picture could be drawn).
    shownTitle.replaceWith(title);
    for (const item of items) {
      const old = previous.get(item.key);
      const box = layerBox(item, previous);
      if (old && box !== old) old.replaceWith(box);
    }
  } else {
    flowBox.replaceChildren(title, groupBox(flow.root, previous));
    if (flow.error) flowBox.append(el('div', { class: 'flow-stop' }, 'The flow stops at this error: fix it to see the layers after it.'));
  }
  shownStructure = structure;
  for (const [key, box] of previous) if (layerBoxes.get(key) !== box) observer.unobserve(box);
}

// ---- the engine worker ----

let worker: Worker | null = null;
let busy = false;
let runId = 0;
let lastRunKey = '';
let runStarted = 0;
/** The document version of the run under way and of the last finished run of this model (null: none yet). */
let runVersion = -1;
let finishedVersion: number | null = null;
/** Layers the run under way drew (or confirmed), and the first reason some could not run. */
const drawnThisRun = new Set<string>();
/**
 * The boxes in view whose layers the run under way has not sent yet: the worker sends each as soon as its layer
 * has run, and once all are here the panel is painted (the rest of the model may still be running).
 */
let awaiting = new Set<string>();
function shownDuringRun(key: string): void {
  // Kept for the e2e's latency breakdown: when the run's first box on screen arrived.
  if (busy && awaiting.size > 0 && document.body.dataset['firstBoxRun'] !== String(runId)) {
    document.body.dataset['firstBoxRun'] = String(runId);
    document.body.dataset['firstBoxAt'] = String(Date.now());
  }
  if (busy && awaiting.delete(key) && awaiting.size === 0) markPainted();
}
/** Layer pictures drawn for the current run (by it, or asked for as boxes came into view). */
let picturesThisRun = 0;
let planReason: string | null = null;

function startWorker(): Worker {
  workerInput = null;
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

const decoding = new Set<InputChoice>();

async function decodeSample(choice: InputChoice): Promise<void> {
  const sample = sampleOf(choice);
  if (!sample || decoding.has(choice)) return;
  decoding.add(choice);
  try {
    decoded.set(choice, await decodeImage(asBytes(sample.bytes)));
  } catch (error) {
    status.textContent = `The sample ${sample.name} could not be decoded: ${describeError(error)}`;
    state.input = 'gradient';
    renderToolbar();
  } finally {
    decoding.delete(choice);
    schedule();
  }
}

/** The input picture at H x W, or null while it is being decoded or read (the run starts once it is there). */
function inputImage(h: number, w: number): RgbImage | null {
  const choice = state.input;
  if (choice === 'image' || choice.startsWith('sample:')) {
    const ready = decoded.get(choice);
    if (!ready && choice !== 'image') void decodeSample(choice);
    return ready ?? null;
  }
  // The same pattern object while it is the same: the worker keeps the input made from it (startRun's `made`).
  const key = JSON.stringify([choice, w, h, state.seed]);
  if (synthetic?.key !== key) synthetic = { key, image: syntheticImage(choice as Pattern, w, h, state.seed) };
  return synthetic.image;
}
let synthetic: { key: string; image: RgbImage } | null = null;

/** Input pictures by identity, numbered: what a model input was made from. */
const pictureIds = new WeakMap<RgbImage, number>();
let pictureCount = 0;
function pictureId(picture: RgbImage): number {
  let id = pictureIds.get(picture);
  if (id === undefined) pictureIds.set(picture, (id = ++pictureCount));
  return id;
}
/** What the input the worker keeps was made from (RunRequest.input): a run of the same input sends none. */
let workerInput: string | null = null;

/** The input as the panel names it. */
function inputName(): string {
  if (state.input === 'image') return state.image?.name ?? 'image';
  const sample = sampleOf(state.input);
  return sample ? `${sample.name}.jpg (${sample.credit})` : state.input;
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
  paintPending = false;
  // Kept for the e2e: how many layer pictures the run drew (with those asked for as boxes came into view), when the
  // last of them was put on its canvas, and when the frame showing them had been laid out and painted (a task after
  // the next animation frame: what the user sees). A hidden panel renders no frame.
  document.body.dataset['pictures'] = String(picturesThisRun);
  document.body.dataset['picturesAt'] = String(Date.now());
  const version = String(preview?.version ?? -1);
  const painted = (): void => {
    document.body.dataset['paintedAt'] = String(Date.now());
    document.body.dataset['paintedVersion'] = version;
  };
  if (document.visibilityState === 'hidden') painted();
  else requestAnimationFrame(() => setTimeout(painted, 0));
}

/** Stops a run of what was shown before: its messages, under an older run id, are then ignored. */
function cancelRun(): void {
  if (busy) post({ type: 'cancel', runId });
  busy = false;
  runId++;
  forgetUndrawn();
}

/** A new run (or none): pages asked for under the old run id will not come. */
function forgetUndrawn(): void {
  undrawn.clear();
  asked.clear();
  paintPending = false;
  picturesThisRun = 0;
}

/** Marks the panel painted once the boxes on screen have their pictures (asked for now if they came into view during the run). */
function paintedWhenShown(): void {
  drawShown();
  if (asked.size === 0) markPainted();
  else paintPending = true;
}

/** Every box the run did not draw loses what it showed: a picture from before would not be this run's. */
function clearUndrawn(): void {
  for (const [key, box] of layerBoxes) {
    if (drawnThisRun.has(key)) continue;
    pictures.delete(key);
    clearMaps(box);
  }
}

function startRun(): void {
  if (!preview || !flow) return;
  const channelsLast = preview.model.graph.channelsLast === true;
  if (preview.language === 'typescript' && !channelsLast) {
    inputLine.textContent = `Input ${formatDims(preview.model.input[0] ?? null)}`;
    status.textContent = 'PyTorch-style models written in TypeScript are not previewed yet: the panel lists their layers and output shapes.';
    markPainted();
    return;
  }
  const declared = preview.model.input[0];
  const input = concreteInput(declared, 32, inputBatchDim(preview.model.graph, declared?.length ?? 4));
  const axes = inputAxes(preview.model.graph, input.shape.length);
  // TF.js images are channels last: [N, H, W, C].
  const image = channelsLast && input.shape.length === 4;
  const [, c = 3, ...sizes] = image ? [input.shape[0], input.shape[3], input.shape[1], input.shape[2]] : input.shape;
  // A picture's height and width are the last two dims (of an image or a volume's slices).
  const [h = 32, w = 32] = sizes.length >= 2 ? sizes.slice(-2) : [sizes[0] ?? 32, 32];
  const colours = input.shape.length === 3 ? describeSequenceInput(input.shape, axes)
    : `${input.shape.length === 5 ? `${describeVolume(input.shape[2] ?? 1)}, ` : ''}${c === 1 ? 'grey' : c === 3 ? 'RGB' : `grey repeated to ${c} channels`}${image ? ', channels last as TensorFlow.js has them' : ''}`;
  inputLine.textContent = `Input [${input.shape.join(', ')}]: ${inputName()}, ${colours}, ${describeNormalisation(state.normalisation, input.shape.length === 3 ? 1 : c)}${input.note ? ` (${input.note})` : ''}`;
  const graph = runnableGraph(preview.model.graph, flow);
  if (graph.nodes.length === 0) {
    status.textContent = flow.error ? 'Nothing runs before the error.'
      : preview.model.layers.length === 0 ? 'The model has no layers to run.'
      : `Conv Lens could not follow ${preview.model.name}'s forward pass to any layer it can run.`;
    drawnThisRun.clear();
    clearUndrawn();
    markPainted();
    return;
  }
  const weightsKey = weights.kind === 'seed' ? `seed:${weights.seed}` : `file:${weights.name}:${weights.bytes.length}:${weights.seed}`;
  const picture = reopening > 0 ? null : inputImage(h, w);
  if (!picture) {
    status.textContent = `Reading ${reopening > 0 ? 'the files used before the reload' : inputName()}…`;
    return;
  }
  const inputId = [state.input, state.input === 'image' ? state.image?.uri : ''];
  const key = JSON.stringify([modelId, graph.nodes.map((n) => [n.op, n.module?.type, n.module?.args, n.args, n.inputs, n.shape]), input.shape, inputId, state.normalisation, state.scale, weightsKey, pages, depths]);
  if (key === lastRunKey) {
    // Same computation (an edit elsewhere in the file): the maps on screen are current.
    for (const box of layerBoxes.values()) box.classList.remove('stale');
    if (!busy) paintedWhenShown();
    return;
  }
  lastRunKey = key;
  // The run under way stops at its next pause in the worker when it sees this one waiting (the worker and its
  // packed weights are kept).
  if (busy) document.body.dataset['cancelled'] = String(Number(document.body.dataset['cancelled'] ?? 0) + 1);
  busy = true;
  runId++;
  forgetUndrawn();
  runStarted = performance.now();
  runVersion = preview.version;
  drawnThisRun.clear();
  planReason = null;
  status.textContent = 'Running…';
  // Started first: a new worker keeps no input yet (startWorker forgets workerInput).
  worker ??= startWorker();
  const made = JSON.stringify([pictureId(picture), image, input.shape, state.normalisation, axes]);
  const data = made === workerInput ? null
    : image ? toChannelsLastInput(picture, input.shape, state.normalisation) : toModelInput(picture, input.shape, state.normalisation, axes);
  workerInput = made;
  const inputKey = reuseRoot({ uri: preview.uri, name: preview.model.name }, [input.shape, inputId, state.normalisation, state.seed, weightsKey]);
  // Boxes without a picture take its size now, so that the boxes on screen are those that will be once drawn.
  const empty = [...layerBoxes].flatMap(([key, box]) => {
    const canvas = box.querySelector<HTMLCanvasElement>('canvas.maps');
    return canvas && canvas.width === 0 && !pictures.has(key) && !box.classList.contains('blocked') ? [[key, canvas] as const] : [];
  });
  const expected = empty.length === 0 ? null : pictureSizes(graph, input.shape, declared ?? input.shape, MAX_CHANNELS, pages, depths);
  for (const [key, canvas] of empty) {
    const size = expected?.get(key);
    if (size) blank(canvas, size.width, size.height);
  }
  // Only the boxes on screen are drawn; the others get their statistics, and their pictures when they come into view.
  const draw = [...layerBoxes].filter(([, box]) => onScreen(box)).map(([k]) => k);
  // Painted once those in view are: the ones within the margin are drawn for a scroll, and nobody sees them wait.
  awaiting = new Set(draw.filter((key) => onScreen(layerBoxes.get(key) as HTMLElement, 0)));
  // Kept for the e2e's latency breakdown.
  document.body.dataset['runPostedAt'] = String(Date.now());
  post({ type: 'run', runId, graph, input: { shape: input.shape, made, data }, analysedInput: declared ?? input.shape, inputKey, unbuilt: preview.model.needsArguments === true ? preview.model.name : null, weights, scale: state.scale, maxChannels: MAX_CHANNELS, pages: { ...pages }, depths: { ...depths }, draw }, data === null ? [] : [data.buffer]);
}

/** The status line after a run: what could not run first, then the timing; reuse only after an edit of this model. */
function runSummary(done: Extract<WorkerMessage, { type: 'done' }>): string {
  if (done.ran === 0) return planReason ?? 'Nothing ran.';
  const which = done.ran === done.total ? '' : `${done.ran} of ${done.total} layers `;
  const timing = `Ran ${which}in ${done.ms.toFixed(0)} ms (${(performance.now() - runStarted).toFixed(0)} ms with drawing)`;
  const edited = finishedVersion !== null && finishedVersion !== runVersion;
  const reuse = edited ? `; ${done.reused} of ${done.ran} layer outputs unchanged by the edit and reused` : '';
  return `${planReason === null ? '' : `${planReason} `}${timing}${reuse}.`;
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
    case 'layer':
    case 'layerStats':
      showLayer(message);
      if (message.type === 'layer') {
        picturesThisRun++;
        if (asked.delete(message.key) && paintPending && asked.size === 0) markPainted();
        shownDuringRun(message.key);
      }
      break;
    case 'attention': {
      const section = layerBoxes.get(message.key)?.querySelector('.attention');
      if (!section || message.view.kind !== 'heads') break;
      const maps = el('canvas', { class: 'attention-maps' });
      paint(maps, message.grid);
      const { rows, columns } = message.view;
      const heads = message.shape.length === 4 ? `one map per head (${message.shown < message.heads ? `first ${message.shown} of ` : ''}${message.heads})` : 'averaged over heads';
      section.replaceChildren(el('div', { class: 'axes' },
        `attention weights [${message.shape.join(', ')}], ${heads}: ${rows.name} (${rows.size}) down · ${columns.name} (${columns.size}) across`), maps);
      break;
    }
    case 'layerSame': {
      const box = layerBoxes.get(message.key);
      const held = pictures.get(message.key);
      if (box && held) box.classList.remove('stale');
      if (held && !held.grid) undrawn.add(message.key);
      else if (!held && box && !asked.has(message.key)) {
        // The worker drew it for this panel, which has since let the picture go: asked for again (after the run).
        asked.add(message.key);
        undrawn.add(message.key);
        post({ type: 'page', runId, key: message.key, first: pages[message.key] ?? 0, ...(depths[message.key] === undefined ? {} : { depth: depths[message.key] }) });
      }
      drawnThisRun.add(message.key);
      shownDuringRun(message.key);
      break;
    }
    case 'plan':
      planReason = message.reason;
      for (const [key, why] of Object.entries(message.blocked)) {
        pictures.delete(key);
        const box = layerBoxes.get(key);
        if (box) markBlocked(box, why);
      }
      break;
    case 'done': {
      busy = false;
      // Kept for the e2e: when the whole run ended (the boxes on screen may have been painted before).
      document.body.dataset['doneAt'] = String(Date.now());
      clearUndrawn();
      const described = describeWeights(message.weights, weights.kind === 'file');
      weightsLine.textContent = described.text;
      weightsLine.title = described.full;
      weightsLine.classList.toggle('warn', described.warn);
      status.textContent = runSummary(message);
      finishedVersion = runVersion;
      for (const [key, box] of layerBoxes) if (!pictures.has(key)) box.classList.remove('stale');
      paintedWhenShown();
      break;
    }
    case 'channel': {
      const box = layerBoxes.get(message.key);
      const detail = box?.querySelector('.detail');
      if (!detail) break;
      const big = el('canvas', { class: 'enlarged' });
      paint(big, message.picture);
      const view = pictures.get(message.key)?.view;
      const what = view?.kind === 'heads' ? `head ${message.channel}` : view?.kind === 'volume' ? `channel ${message.channel}, ${depthText(view.depth, view.depths)}` : `channel ${message.channel}`;
      const parts: Array<Node | string> = [el('div', {}, `${what}: min ${formatValue(message.min)}, max ${formatValue(message.max)}`), big];
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
      clearUndrawn();
      status.textContent = message.message;
      markPainted();
      break;
  }
}

/** A layer's statistics, pager and view, with its picture (`layer`) or an empty page of its size (`layerStats`). */
function showLayer(message: Extract<WorkerMessage, { type: 'layer' | 'layerStats' }>): void {
  const s = message.stats;
  const text = `min ${formatValue(s.min)} · max ${formatValue(s.max)} · mean ${formatValue(s.mean)} · zeros ${(s.zeros * 100).toFixed(1)}%`;
  const { key, channels, first, shown, view } = message as LayerFacts;
  const grid = message.type === 'layer' ? message.grid : null;
  // A depth the edited layer no longer has is forgotten: the worker showed the middle one instead.
  if (view.kind === 'volume' && depths[key] !== undefined && depths[key] !== view.depth) delete depths[key];
  const width = grid?.width ?? (message.type === 'layerStats' ? message.width : 0);
  const height = grid?.height ?? (message.type === 'layerStats' ? message.height : 0);
  const replaced = pictures.get(key)?.grid;
  pictures.set(key, { grid, text, view, tileWidth: message.tileWidth, tileHeight: message.tileHeight, columns: message.columns, gap: message.gap, channels, first, shown, width, height });
  // The picture this one replaces is held nowhere else now (a canvas keeps its own pixels): the worker draws into it again.
  if (replaced && replaced !== grid) post({ type: 'recycle', buffers: [replaced.rgba.buffer as ArrayBuffer] }, [replaced.rgba.buffer as ArrayBuffer]);
  const box = layerBoxes.get(key);
  if (!box) return;
  const canvas = box.querySelector('canvas');
  const stats = box.querySelector('.stats');
  if (canvas && grid) paint(canvas, grid);
  else if (canvas) blank(canvas, width, height);
  if (stats) stats.textContent = text;
  box.querySelector('.pager')?.replaceWith(pager(key, channels, first, shown));
  showView(box, key, view, channels);
  // Attention weights, when the layer returned them, follow in their own message (with its picture).
  box.querySelector('.attention')?.replaceChildren();
  // An enlarged channel follows the new output, or closes when the layer no longer has it.
  const enlarged = box.dataset['enlarged'];
  if (enlarged !== undefined && Number(enlarged) < channels) {
    post({ type: 'channel', runId, key, channel: Number(enlarged), ...depthOf(view) });
  } else if (enlarged !== undefined) {
    delete box.dataset['enlarged'];
    box.querySelector('.detail')?.replaceChildren();
  }
  box.classList.remove('stale');
  unblock(box);
  if (grid) {
    box.dataset['shown'] = String(shown);
    undrawn.delete(key);
  } else {
    delete box.dataset['shown'];
    undrawn.add(key);
  }
  box.dataset['paintedFor'] = modelId;
  drawnThisRun.add(key);
}

/** The depth a request about a volume's maps is for. */
function depthOf(view: MapView): { depth?: number } {
  return view.kind === 'volume' ? { depth: view.depth } : {};
}

function enlarge(key: string, canvas: HTMLCanvasElement, event: MouseEvent): void {
  const grid = pictures.get(key);
  // A sequence's one heatmap is drawn at full width already.
  if (!grid || grid.view.kind === 'sequence') return;
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) / rect.width) * canvas.width;
  const y = ((event.clientY - rect.top) / rect.height) * canvas.height;
  const column = Math.floor(x / (grid.tileWidth + grid.gap));
  const row = Math.floor(y / (grid.tileHeight + grid.gap));
  const tile = row * grid.columns + column;
  if (column >= grid.columns || tile >= grid.shown) return;
  const box = canvas.closest<HTMLElement>('.layer');
  if (box) box.dataset['enlarged'] = String(grid.first + tile);
  post({ type: 'channel', runId, key, channel: grid.first + tile, ...depthOf(grid.view) });
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
  scrollToCurrent(box);
}

/**
 * Scrolls the current box into view just before the next frame is laid out, not now: scrolling lays the flow out at
 * once, and after an edit the flow was just rebuilt, so the frame would lay it out a second time once the worker's
 * first pictures had changed it (ResNet-18's stem edit: a forced layout, 32 ms in a profile, before those pictures could be
 * handled). Meanwhile the worker's messages are handled, and the frame's one layout takes them all in.
 */
let scrollFrame = 0;
function scrollToCurrent(box: Element): void {
  cancelAnimationFrame(scrollFrame);
  scrollFrame = requestAnimationFrame(() => {
    if (box.isConnected && box.classList.contains('current')) box.scrollIntoView({ block: 'nearest' });
  });
}

let cursor: { uri: string; offset: number } | null = null;

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'model':
    case 'modelChange': {
      const next = message.type === 'model' ? message.preview : preview && previewSeq === message.base ? applyChange(preview, message.change) : null;
      if (!next) {
        // A change against a model this panel no longer has: the host sends it whole.
        previewSeq = -1;
        vscode.postMessage({ type: 'resend' });
        break;
      }
      previewSeq = message.seq;
      document.body.dataset['modelAt'] = String(Date.now());
      // Kept for the e2e's latency breakdown: when the host sent the model, and its analysis time.
      document.body.dataset['hostSentAt'] = String(message.host?.sentAt ?? 0);
      document.body.dataset['hostMs'] = String(message.host?.ms ?? 0);
      document.body.dataset['hostChangedAt'] = String(message.host?.changedAt ?? 0);
      document.body.dataset['shownVersion'] = String(next.version);
      preview = next;
      {
        const id = JSON.stringify([preview.uri, preview.model.name]);
        const edited = id === modelId;
        if (id !== modelId) {
          // Another model: nothing on screen, cached or paged belongs to it.
          modelId = id;
          document.body.dataset['model'] = id;
          pictures.clear();
          observer.disconnect();
          layerBoxes.clear();
          for (const key of Object.keys(pages)) delete pages[key];
          for (const key of Object.keys(depths)) delete depths[key];
          lastRunKey = '';
          finishedVersion = null;
          cancelRun();
        }
        flow = buildFlow(preview);
        // An edit of the model on screen: its run starts before the flow is laid out again (the worker computes
        // while this thread lays it out), drawing the boxes on screen now; a box that comes on screen with the new
        // layout gets its picture when the run ends.
        if (edited) startRun();
        const started = performance.now();
        renderFlow();
        // Kept for the e2e's latency breakdown.
        document.body.dataset['flowMs'] = (performance.now() - started).toFixed(1);
      }
      if (cursor && cursor.uri === preview.uri) highlight(cursor.offset);
      schedule();
      break;
    }
    case 'empty':
      preview = null;
      previewSeq = -1;
      flow = null;
      modelId = '';
      cancelRun();
      delete document.body.dataset['model'];
      pictures.clear();
      observer.disconnect();
      layerBoxes.clear();
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
// Started with the panel: it compiles the engine while the extension reads the model.
worker ??= startWorker();
vscode.postMessage({ type: 'ready' });
if (state.image) void reopen('image', state.image);
if (state.weights) void reopen('weights', state.weights);
