// Model inputs for the preview: synthetic patterns or a decoded image, resized to the model's H x W,
// converted to its channel count (1 gray, 3 RGB, otherwise gray repeated) and normalised. Pure.
import { mulberry32 } from '../../src/engine/weights/init';
import type { Normalisation } from '../../src/shared/protocol';

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

/** Bilinear resize with align_corners=False (torchvision's Resize on tensors, without antialiasing). */
export function resizeImage(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
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
  return { width, height, data: out };
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

/**
 * An image as the model's input tensor data, for shape [N, C, H, W]: resized, 1 channel as grey
 * (ITU-R 601 luma), 3 as RGB, any other count as grey repeated; normalised; the first sample repeated N times.
 */
export function toModelInput(image: RgbImage, shape: readonly number[], normalisation: Normalisation): Float32Array {
  const [n = 1, c = 3, h = 1, w = 1] = shape;
  const resized = resizeImage(image, w, h);
  const plane = w * h;
  const sample = new Float32Array(c * plane);
  const mean = (k: number): number => (c === 3 ? (IMAGENET_MEAN[k] as number) : 0.449);
  const std = (k: number): number => (c === 3 ? (IMAGENET_STD[k] as number) : 0.226);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < plane; i++) {
      const r = resized.data[i] as number, g = resized.data[plane + i] as number, b = resized.data[2 * plane + i] as number;
      const v = c === 3 ? (k === 0 ? r : k === 1 ? g : b) : 0.299 * r + 0.587 * g + 0.114 * b;
      sample[k * plane + i] = normalisation === 'none' ? v : normalisation === 'symmetric' ? (v - 0.5) / 0.5 : (v - mean(k)) / std(k);
    }
  }
  const out = new Float32Array(n * sample.length);
  for (let s = 0; s < n; s++) out.set(sample, s * sample.length);
  return out;
}
