// Where a layer's picture puts its tiles: a page of channel heatmaps laid out in a grid of about 420 px. Geometry
// alone (no engine): the worker lays out what it draws, the panel the boxes it has not drawn yet.
import type { OutputView } from './views';

export interface Planes {
  /** Number of channels (feature maps). */
  channels: number;
  height: number;
  width: number;
}

/** Tile edge in pixels: small maps are enlarged (nearest neighbour), large ones shrunk, to about 24-64 px. */
export function tileScale(height: number, width: number, target = 48): number {
  const side = Math.max(height, width);
  if (side >= target) return target / side;
  return Math.max(1, Math.floor(target / side));
}

export interface GridLayout {
  /** The first channel drawn (a page of `shown` channels starting there). */
  first: number;
  shown: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  gap: number;
  width: number;
  height: number;
}

/** Largest height of a single heatmap (a sequence): a long feature axis is shrunk to it. */
const HEATMAP_HEIGHT = 240;

/**
 * The tiles of channels first .. first + maxChannels - 1; a `first` past the end means the last page.
 * `heatmap`: one map (a sequence) fitted to the width, instead of a tile of about `target` px.
 */
export function gridLayout(planes: Planes, maxChannels: number, first = 0, maxWidth = 420, heatmap = false, target = 48): GridLayout {
  const start = Math.max(0, Math.min(first, Math.floor((planes.channels - 1) / maxChannels) * maxChannels));
  const shown = Math.max(0, Math.min(planes.channels - start, maxChannels));
  const strip = planes.height === 1;
  const fit = Math.min(maxWidth / Math.max(1, planes.width), HEATMAP_HEIGHT / Math.max(1, planes.height));
  const scale = strip ? Math.max(1, Math.min(24, Math.floor(maxWidth / Math.max(1, planes.width))))
    : heatmap ? (fit >= 1 ? Math.floor(fit) : fit) : tileScale(planes.height, planes.width, target);
  const tileWidth = Math.max(1, Math.round(planes.width * scale));
  const tileHeight = strip ? 16 : Math.max(1, Math.round(planes.height * scale));
  const gap = 2;
  const columns = Math.max(1, Math.min(shown, Math.floor((maxWidth + gap) / (tileWidth + gap))));
  const rows = Math.ceil(shown / columns);
  return { first: start, shown, columns, rows, tileWidth, tileHeight, gap, width: columns * (tileWidth + gap) - gap, height: rows * (tileHeight + gap) - gap };
}

/** Where renderGrid puts the page's tiles, without drawing them (a layer the panel does not show yet). */
export function viewLayout(view: OutputView, maxChannels: number, first = 0): GridLayout {
  const planes = { channels: view.tiles, height: view.rows, width: view.columns };
  // Attention maps are read cell by cell (which key a query attends to): twice the tile of a feature map.
  const heads = view.view.kind === 'heads';
  return gridLayout(planes, maxChannels, first, 420, view.view.kind === 'sequence' || (heads && view.tiles === 1), heads ? 96 : 48);
}
