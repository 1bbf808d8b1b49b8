// Model inputs for the preview: synthetic patterns or a decoded image, resized to the model's H x W,
// converted to its channel count (1 gray, 3 RGB, otherwise gray repeated) and normalised. Pure.
import { mulberry32 } from '../../src/engine/weights/random';
import type { Normalisation } from '../../src/shared/protocol';
import { outputView, type Axes } from './views';

export const PATTERNS = ['noise', 'gradient', 'checkerboard', 'edges'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** An RGB image with values in [0, 1], planar: r plane, g plane, b plane. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

export function syntheticImage(pattern: Pattern, width: number, height: number, seed = 0): RgbImage {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const random = mulberry32(seed + 1);
  const cell = Math.max(1, Math.round(Math.min(width, height) / 8));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const u = width > 1 ? x / (width - 1) : 0;
      const v = height > 1 ? y / (height - 1) : 0;
      let r: number, g: number, b: number;
      switch (pattern) {
        case 'noise':
          r = random(); g = random(); b = random();
          break;
        case 'gradient':
          r = u; g = v; b = 1 - (u + v) / 2;
          break;
        case 'checkerboard': {
          const on = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? 1 : 0;
          r = on; g = on; b = on;
          break;
        }
        case 'edges': {
          // A bright disc and a bar on a dark ground: vertical, horizontal and curved edges.
          const dx = u - 0.35, dy = v - 0.4;
          const disc = dx * dx + dy * dy < 0.06 ? 1 : 0;
          const bar = u > 0.62 && u < 0.82 && v > 0.15 && v < 0.85 ? 1 : 0;
          r = Math.max(disc, bar * 0.6); g = disc * 0.8; b = bar;
          break;
        }
      }
      data[i] = r;
      data[plane + i] = g;
      data[2 * plane + i] = b;
    }
  }
  return { width, height, data };
}

/** RGBA bytes (as decoders give them) to a planar RGB image in [0, 1]. */
export function rgbaToImage(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = (rgba[i * 4 + c] as number) / 255;
  return { width, height, data };
}

/** The last resize of each picture: every edit runs the model on the same input again. */
const lastResize = new WeakMap<RgbImage, RgbImage>();

/**
 * Bilinear resize with align_corners=False (torchvision's Resize on tensors, without antialiasing). The result is
 * only read by its callers: the same picture at the same size is resized once.
 */
export function resizeImage(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const last = lastResize.get(image);
  if (last !== undefined && last.width === width && last.height === height) return last;
  const out = new Float32Array(3 * width * height);
  const sx = image.width / width, sy = image.height / height;
  const src = image.width * image.height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(image.height - 1, Math.floor(fy)), y1 = Math.min(image.height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(image.width - 1, Math.floor(fx)), x1 = Math.min(image.width - 1, x0 + 1), wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const o = c * src;
        const a = image.data[o + y0 * image.width + x0] as number, b = image.data[o + y0 * image.width + x1] as number;
        const d = image.data[o + y1 * image.width + x0] as number, e = image.data[o + y1 * image.width + x1] as number;
        out[c * width * height + y * width + x] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  const resized = { width, height, data: out };
  lastResize.set(image, resized);
  return resized;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** The normalisation in words, as the panel shows it. */
export function describeNormalisation(n: Normalisation, channels: number): string {
  switch (n) {
    case 'none':
      return 'values in [0, 1]';
    case 'symmetric':
      return '(x - 0.5) / 0.5: values in [-1, 1]';
    case 'imagenet':
      return channels === 3
        ? 'ImageNet: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)'
        : 'ImageNet grey: mean 0.449, std 0.226';
  }
}

/** How far a volume's frames zoom into the picture: the frames pan across the width this leaves. */
export const VOLUME_ZOOM = 1.5;

/** A volume input in words: how its slices are made from the picture. */
export function describeVolume(depth: number): string {
  return `panned left to right across ${depth} slice${depth === 1 ? '' : 's'} (zoomed ${VOLUME_ZOOM}x)`;
}

/** Writes the w x h window at (x0, y0) of `image` as c channels (grey, RGB or grey repeated), normalised, at `out[at]`. */
function writeChannels(image: RgbImage, x0: number, y0: number, w: number, h: number, c: number, normalisation: Normalisation, out: Float32Array, at: number, channelStride: number): void {
  const src = image.width * image.height;
  const mean = (k: number): number => (c === 3 ? (IMAGENET_MEAN[k] as number) : 0.449);
  const std = (k: number): number => (c === 3 ? (IMAGENET_STD[k] as number) : 0.226);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y0 + y) * image.width + x0 + x;
        const r = image.data[i] as number, g = image.data[src + i] as number, b = image.data[2 * src + i] as number;
        const v = c === 3 ? (k === 0 ? r : k === 1 ? g : b) : 0.299 * r + 0.587 * g + 0.114 * b;
        out[at + k * channelStride + y * w + x] = normalisation === 'none' ? v : normalisation === 'symmetric' ? (v - 0.5) / 0.5 : (v - mean(k)) / std(k);
      }
    }
  }
}

/**
 * An image as the model's input tensor data, for shape [N, C, H, W]: resized, 1 channel as grey
 * (ITU-R 601 luma), 3 as RGB, any other count as grey repeated; normalised; the first sample repeated N times.
 * A volume [N, C, D, H, W] is the picture zoomed in and panned left to right over its D slices, as a camera
 * panning across it (so slices differ, as the frames of a video or the slices of a scan do).
 */
export function toModelInput(image: RgbImage, shape: readonly number[], normalisation: Normalisation, axes: Axes = []): Float32Array {
  if (shape.length === 3) return toSequenceInput(image, shape, normalisation, axes);
  const volume = shape.length === 5;
  const [n = 1, c = 3] = shape;
  const [d = 1, h = 1, w = 1] = volume ? shape.slice(2) : [1, shape[2] ?? 1, shape[3] ?? 1];
  const wide = volume ? resizeImage(image, Math.round(w * VOLUME_ZOOM), Math.round(h * VOLUME_ZOOM)) : resizeImage(image, w, h);
  const plane = w * h;
  const sample = new Float32Array(c * d * plane);
  const y0 = Math.floor((wide.height - h) / 2);
  for (let z = 0; z < d; z++) {
    const x0 = d === 1 ? Math.floor((wide.width - w) / 2) : Math.round((z * (wide.width - w)) / (d - 1));
    writeChannels(wide, x0, y0, w, h, c, normalisation, sample, z * plane, d * plane);
  }
  const out = new Float32Array(n * sample.length);
  for (let s = 0; s < n; s++) out.set(sample, s * sample.length);
  return out;
}

/** A sequence input in words: the picture as a grey matrix, drawn the way the panel draws the sequence. */
export function describeSequenceInput(shape: readonly number[], axes: Axes = []): string {
  const { view, rows, columns } = outputView(shape, axes);
  if (view.kind !== 'sequence') return '';
  return `read as a grey ${rows} x ${columns} picture (${view.rows.name} down, ${view.columns.name} across)`;
}

/**
 * A 3-D input ([N, C, L], [N, T, F] or [T, N, F]) from a picture: the picture in grey, resized to the sample's
 * rows x columns as the panel draws it (time across), so each time step and feature gets its own value.
 */
function toSequenceInput(image: RgbImage, shape: readonly number[], normalisation: Normalisation, axes: Axes): Float32Array {
  const v = outputView(shape, axes);
  const resized = resizeImage(image, v.columns, v.rows);
  const grey = new Float32Array(v.rows * v.columns);
  writeChannels(resized, 0, 0, v.columns, v.rows, 1, normalisation, grey, 0, 0);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  // Every sample the same, wherever the batch dim is.
  const batch = Math.max(0, axes.indexOf('batch'));
  const size = shape[batch] as number;
  const stride = shape.slice(batch + 1).reduce((a, b) => a * b, 1);
  for (let b = 0; b < size; b++) {
    for (let r = 0; r < v.rows; r++) {
      for (let c = 0; c < v.columns; c++) out[b * stride + r * v.strides.row + c * v.strides.column] = grey[r * v.columns + c] as number;
    }
  }
  return out;
}

/** toModelInput for a TF.js image input [N, H, W, C]: the same picture, channels last. */
export function toChannelsLastInput(image: RgbImage, shape: readonly number[], normalisation: Normalisation): Float32Array {
  const [n = 1, h = 1, w = 1, c = 3] = shape;
  const planar = toModelInput(image, [n, c, h, w], normalisation);
  const out = new Float32Array(planar.length);
  const plane = h * w;
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) for (let i = 0; i < plane; i++) out[(s * plane + i) * c + k] = planar[(s * c + k) * plane + i] as number;
  }
  return out;
}
