// Feature maps as pictures: per-layer statistics and a grid of channel heatmaps, from a layer output.
// Pure: runs in the worker and in Node tests.
import type { ColourScale, LayerStats, Picture } from '../../src/shared/protocol';
import { summarize } from '../../src/engine/ops/summary';
import { VIRIDIS } from './colormap';
import { outputView, sampleValues, type OutputView } from './views';
import { gridLayout, viewLayout, type GridLayout, type Planes } from './gridLayout';

/**
 * How an output tensor is shown as planes when nothing else is known of it: [N, C, H, W] -> C planes of HxW
 * (first sample); [N, C, D, H, W] -> C planes of one depth slice; [N, A, B] -> one A x B plane; [N, F] -> one 1xF
 * strip; anything else -> one strip of all values (see views.ts).
 */
export function planesOf(shape: readonly number[]): Planes {
  const v = outputView(shape);
  return { channels: v.tiles, height: v.rows, width: v.columns };
}

/** A layer's statistics, in one wasm pass when the values are resident in the engine's memory (see summary.ts). */
export function layerStats(data: Float32Array, count = data.length): LayerStats {
  if (count === 0) return { min: 0, max: 0, mean: 0, zeros: 0 };
  const { min, max, sum, zeros } = summarize(data, count);
  return { min, max, mean: sum / count, zeros: zeros / count };
}

export function channelRange(data: Float32Array, offset: number, length: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = data[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return length === 0 ? [0, 0] : [lo, hi];
}

/** The table as whole RGBA pixels (bytes in memory order, so any endianness), and the pixel of a NaN. */
const PALETTE = ((): { colours: Uint32Array; nan: number } => {
  const bytes = new Uint8Array(257 * 4);
  for (let k = 0; k < 256; k++) bytes.set([VIRIDIS[k * 3] as number, VIRIDIS[k * 3 + 1] as number, VIRIDIS[k * 3 + 2] as number, 255], k * 4);
  // colourIndex of NaN is NaN: no table entry, so black (an opaque pixel with no colour).
  bytes.set([0, 0, 0, 255], 256 * 4);
  const colours = new Uint32Array(bytes.buffer);
  return { colours, nan: colours[256] as number };
})();

/**
 * Draws one plane into `out` (RGBA, row stride `stride` pixels) at (x0, y0), nearest-neighbour resampled.
 * Whole pixels are written through a 32-bit view with the source columns found once per tile: drawing every
 * layer of a ResNet after each edit is on the path to the repaint.
 */
function drawPlane(
  data: Float32Array, offset: number, planes: Planes, lo: number, hi: number,
  out: Uint8ClampedArray, stride: number, x0: number, y0: number, w: number, h: number,
): void {
  const pixels = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  const { colours, nan } = PALETTE;
  const columns = new Int32Array(w);
  for (let x = 0; x < w; x++) columns[x] = Math.min(planes.width - 1, Math.floor(((x + 0.5) * planes.width) / w));
  const flat = !(hi > lo);
  const scale = 255 / (hi - lo);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(planes.height - 1, Math.floor(((y + 0.5) * planes.height) / h));
    const row = offset + sy * planes.width;
    let p = (y0 + y) * stride + x0;
    for (let x = 0; x < w; x++, p++) {
      if (flat) {
        pixels[p] = colours[128] as number;
        continue;
      }
      // colourIndex, inlined: the same arithmetic, so the same pixels.
      const f = ((data[row + (columns[x] as number)] as number) - lo) * scale + 0.5;
      pixels[p] = f >= 1 ? (f < 256 ? colours[f | 0] as number : colours[255] as number) : f === f ? colours[0] as number : nan;
    }
  }
}

/**
 * The grid of up to `maxChannels` channel heatmaps of one output (first sample) from channel `first` on,
 * transparent between tiles. Per-layer colours span all channels (and all depths of a volume), so every page and
 * slice is on one scale; per-channel colours span the channel's whole volume. `view`: how the output is drawn
 * (by default from its shape alone); a volume shows the view's depth slice. `layerRange`: the view's min and max
 * when the caller has them already (its statistics), saving a pass over the output. `bytes`: the picture's pixels,
 * all zero (transparent), of the length asked for.
 */
export function renderGrid(
  data: Float32Array, shape: readonly number[], scale: ColourScale, maxChannels: number, first = 0, view: OutputView = outputView(shape),
  layerRange?: readonly [number, number], bytes: (length: number) => Uint8ClampedArray = (length) => new Uint8ClampedArray(length),
): { picture: Picture; layout: GridLayout } {
  const planes = { channels: view.tiles, height: view.rows, width: view.columns };
  const layout = viewLayout(view, maxChannels, first);
  const rgba = bytes(layout.width * layout.height * 4);
  const sample = sampleValues(data, view);
  const plane = planes.height * planes.width;
  const volume = plane * view.depths;
  const depth = view.view.kind === 'volume' ? view.view.depth : 0;
  const [layerLo, layerHi] = layerRange ?? (scale === 'channel' ? [0, 0] : channelRange(sample, 0, Math.min(sample.length, planes.channels * volume)));
  for (let t = 0; t < layout.shown; t++) {
    const c = layout.first + t;
    const [lo, hi] = scale === 'channel' ? channelRange(sample, c * volume, volume) : [layerLo, layerHi];
    const x0 = (t % layout.columns) * (layout.tileWidth + layout.gap);
    const y0 = Math.floor(t / layout.columns) * (layout.tileHeight + layout.gap);
    drawPlane(sample, c * volume + depth * plane, planes, lo, hi, rgba, layout.width, x0, y0, layout.tileWidth, layout.tileHeight);
  }
  return { picture: { width: layout.width, height: layout.height, rgba }, layout };
}

/** One channel (of a volume: its view's depth slice), enlarged to about `side` pixels on its long edge, scaled to its own range. */
export function renderChannel(
  data: Float32Array, shape: readonly number[], channel: number, side = 256, view: OutputView = outputView(shape),
): { picture: Picture; min: number; max: number } {
  const planes = { channels: view.tiles, height: view.rows, width: view.columns };
  const sample = sampleValues(data, view);
  const plane = planes.height * planes.width;
  const offset = channel * plane * view.depths + (view.view.kind === 'volume' ? view.view.depth : 0) * plane;
  const [lo, hi] = channelRange(sample, offset, plane);
  const scale = side / Math.max(planes.height, planes.width);
  const w = Math.max(1, Math.round(planes.width * scale));
  const h = planes.height === 1 ? 24 : Math.max(1, Math.round(planes.height * scale));
  const rgba = new Uint8ClampedArray(w * h * 4);
  drawPlane(sample, offset, planes, lo, hi, rgba, w, 0, 0, w, h);
  return { picture: { width: w, height: h, rgba }, min: lo, max: hi };
}

/**
 * The kernels that produced output channel `channel` of a conv: weight [Co, Ci/groups, kh, kw] ->
 * one kh x kw tile per input channel, on a diverging scale centred on zero (blue negative, red positive).
 */
export function renderKernel(weight: Float32Array, shape: readonly number[], channel: number, maxInputs = 64): Picture {
  const [, ci = 1, kh = 1, kw = 1] = shape;
  const per = ci * kh * kw;
  const shown = Math.min(ci, maxInputs);
  let bound = 0;
  for (let i = channel * per; i < (channel + 1) * per; i++) bound = Math.max(bound, Math.abs(weight[i] as number));
  const cell = Math.max(2, Math.floor(48 / Math.max(kh, kw)));
  const columns = Math.min(shown, 16);
  const rows = Math.ceil(shown / columns);
  const gap = 2;
  const width = columns * (kw * cell + gap) - gap;
  const height = rows * (kh * cell + gap) - gap;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < shown; i++) {
    const bx = (i % columns) * (kw * cell + gap);
    const by = Math.floor(i / columns) * (kh * cell + gap);
    for (let y = 0; y < kh * cell; y++) {
      for (let x = 0; x < kw * cell; x++) {
        const v = weight[channel * per + i * kh * kw + Math.floor(y / cell) * kw + Math.floor(x / cell)] as number;
        const t = bound > 0 ? v / bound : 0;
        const p = ((by + y) * width + bx + x) * 4;
        // White at zero, towards red for positive and blue for negative weights.
        rgba[p] = Math.round(255 * (t < 0 ? 1 + t : 1));
        rgba[p + 1] = Math.round(255 * (1 - Math.abs(t)));
        rgba[p + 2] = Math.round(255 * (t > 0 ? 1 - t : 1));
        rgba[p + 3] = 255;
      }
    }
  }
  return { width, height, rgba };
}

/** True when a picture has at least two different opaque colours (a drawn map, not a blank or flat one). */
export function isDrawn(picture: Picture): boolean {
  let first = -1;
  for (let p = 0; p < picture.rgba.length; p += 4) {
    if ((picture.rgba[p + 3] as number) === 0) continue;
    const colour = ((picture.rgba[p] as number) << 16) | ((picture.rgba[p + 1] as number) << 8) | (picture.rgba[p + 2] as number);
    if (first < 0) first = colour;
    else if (colour !== first) return true;
  }
  return false;
}
