// Inputs from data code: torchvision datasets, their transforms, TensorDataset, random_split and DataLoader, modelled
// natively (like torch) so that a batch drawn from a loader has the shape the model really sees. Datasets are described
// by their item: a PIL image of a known mode and size (CIFAR10: RGB 32x32) or a tensor, and a label.
import { add, dimEquals, isKnown, sym, unknownDim, type Dim, type Shape } from '../dims';
import { rangeOf, child, type SyntaxNode } from '../syntax';
import type { Analyzer, CallInfo } from './analyzer';
import { toDim, toNumber } from './interpreter';
import { list, tuple, UNKNOWN_VALUE, type DataValue, type Value } from './values';

/** One item's image as the transforms see it: a PIL image (channels from its mode) or, after ToTensor, a tensor [C, H, W]. */
export interface ImageState {
  c: Dim;
  h: Dim;
  w: Dim;
  tensor: boolean;
}

/** A part of a dataset item, before batching. */
export type ItemPart =
  | { k: 'image'; state: ImageState }
  | { k: 'tensor'; shape: Shape }
  /** A class index (int, or a 0-d tensor): batched as [B]. */
  | { k: 'label' }
  | { k: 'unknown' };

export type DataObject =
  | { type: 'transform'; apply: (s: ImageState) => ImageState | undefined; label: string | undefined }
  | { type: 'dataset'; parts: ItemPart[]; length: number | undefined; describe: string[]; name?: string }
  | { type: 'loader'; dataset: DataObject & { type: 'dataset' }; batch: Dim | undefined; collate: boolean; dropLast: boolean; describe: string[]; name?: string };

/** PIL mode and size (C, H, W) of the items of torchvision's fixed-size datasets (torchvision 0.14). */
const FIXED: Record<string, [number, number, number]> = {
  MNIST: [1, 28, 28], FashionMNIST: [1, 28, 28], KMNIST: [1, 28, 28], EMNIST: [1, 28, 28], QMNIST: [1, 28, 28],
  CIFAR10: [3, 32, 32], CIFAR100: [3, 32, 32], SVHN: [3, 32, 32], STL10: [3, 96, 96],
};

/** Transforms that never change an image's size or channels. */
const SAME = new Set([
  'RandomHorizontalFlip', 'RandomVerticalFlip', 'ColorJitter', 'RandomRotation', 'GaussianBlur', 'RandomAffine',
  'RandomPerspective', 'RandomInvert', 'RandomPosterize', 'RandomSolarize', 'RandomAdjustSharpness', 'RandomAutocontrast',
  'RandomEqualize', 'AutoAugment', 'RandAugment', 'TrivialAugmentWide', 'AugMix', 'RandomGrayscale',
]);

/** Transforms that need a tensor and keep its shape. */
const SAME_TENSOR = new Set(['Normalize', 'RandomErasing', 'ConvertImageDtype']);

export class DataOps {
  constructor(private readonly a: Analyzer) {}

  /** `torchvision.datasets.X(...)`, `torchvision.transforms.X(...)`, `torch.utils.data.X(...)`; undefined when not one of them. */
  call(path: string, info: CallInfo): Value | undefined {
    const name = path.slice(path.lastIndexOf('.') + 1);
    if (path.startsWith('torchvision.datasets.')) return this.dataset(name, info);
    if (path.startsWith('torchvision.transforms.')) return this.transform(name, info);
    if (path.startsWith('torch.utils.data.')) {
      if (name === 'DataLoader') return this.loader(info);
      if (name === 'TensorDataset') return this.tensorDataset(info);
      if (name === 'random_split') return this.randomSplit(info);
    }
    return undefined;
  }

  /** The items a for-loop (or next(iter(...))) gets: one representative batch or item. */
  iterate(v: DataValue): Value[] | undefined {
    const d = v.data;
    if (d.type === 'dataset') {
      if (d.length === 0) return [];
      const source = `${d.name ?? 'a dataset'} (${d.describe.join(', ')})`;
      const item = d.parts.map((p) => this.part(p, undefined, source));
      return [tuple(item)];
    }
    if (d.type !== 'loader') return undefined;
    if (!d.collate) return undefined;
    const n = d.dataset.length;
    let b = d.batch;
    // Fewer items than a batch: one short batch, or none with drop_last.
    if (b !== undefined && isKnown(b) && n !== undefined && n < b) {
      if (d.dropLast || n === 0) return [];
      b = n;
    }
    const source = `${d.name ?? 'a DataLoader'} (${[...d.dataset.describe, ...d.describe].join(', ')})`;
    const batch = d.dataset.parts.map((p) => this.part(p, b, source));
    // The default collate keeps a tuple item's structure: a list of one batch per part.
    return [list(batch)];
  }

  /** Names a loader or dataset after the variable it is first assigned to, for the input's description. */
  named(v: DataValue, name: string): void {
    if (v.data.type !== 'transform') v.data.name ??= name;
  }

  private part(p: ItemPart, batch: Dim | undefined, source: string | undefined): Value {
    let shape: Shape | undefined;
    if (p.k === 'image' && p.state.tensor) shape = [p.state.c, p.state.h, p.state.w];
    else if (p.k === 'tensor') shape = p.shape;
    else if (p.k === 'label' && batch !== undefined) shape = [];
    if (!shape) return UNKNOWN_VALUE;
    const t = this.a.tensors.make(batch === undefined ? shape : [batch, ...shape]);
    if (source !== undefined && p.k !== 'label') t.source = source;
    return t;
  }

  private dataset(name: string, info: CallInfo): Value | undefined {
    const { args, kwargs } = info;
    let image: ImageState | undefined;
    let length: number | undefined;
    const fixed = FIXED[name];
    if (fixed) image = { c: fixed[0], h: fixed[1], w: fixed[2], tensor: false };
    else if (name === 'FakeData') {
      const size = kwargs.get('image_size') ?? args[1];
      const dims = size ? this.a.interp.iterate(size)?.map(toNumber) : [3, 224, 224];
      const [c, h, w] = dims ?? [];
      if (dims?.length !== 3 || c === undefined || h === undefined || w === undefined || ![1, 3, 4].includes(c)) return UNKNOWN_VALUE;
      image = { c, h, w, tensor: false };
      const n = kwargs.get('size') ?? args[0];
      length = n ? toNumber(n) : 1000;
    } else if (name === 'ImageFolder' && !kwargs.has('loader')) {
      // Its default loader converts every file to RGB; the files' sizes are not known.
      image = { c: 3, h: sym('H'), w: sym('W'), tensor: false };
    } else return name === 'DatasetFolder' ? UNKNOWN_VALUE : undefined;
    const t = kwargs.get('transform');
    const describe = [name];
    if (t && t.k !== 'none') {
      if (t.k !== 'data' || t.data.type !== 'transform') return UNKNOWN_VALUE;
      image = t.data.apply(image);
      if (t.data.label) describe.push(t.data.label);
    }
    const target = kwargs.get('target_transform');
    const label: ItemPart = target && target.k !== 'none' ? { k: 'unknown' } : { k: 'label' };
    return data({ type: 'dataset', parts: [image ? { k: 'image', state: image } : { k: 'unknown' }, label], length, describe });
  }

  private transform(name: string, info: CallInfo): Value | undefined {
    const { args, kwargs } = info;
    const label = this.label(info.node);
    const make = (apply: (s: ImageState) => ImageState | undefined, shown: boolean): Value =>
      data({ type: 'transform', apply, label: shown ? label : undefined });
    if (name === 'Compose') {
      const items = args[0] ? this.a.interp.iterate(args[0]) : undefined;
      const steps = items?.map((x) => (x.k === 'data' && x.data.type === 'transform' ? x.data : undefined));
      if (!steps || steps.some((s) => s === undefined)) return make(() => undefined, false);
      const known = steps as Array<DataObject & { type: 'transform' }>;
      const labels = known.flatMap((s) => (s.label ? [s.label] : []));
      return data({
        type: 'transform',
        apply: (s) => known.reduce<ImageState | undefined>((acc, step) => (acc ? step.apply(acc) : undefined), s),
        label: labels.length ? labels.join(', ') : undefined,
      });
    }
    if (SAME.has(name)) return make((s) => s, false);
    if (SAME_TENSOR.has(name)) return make((s) => (s.tensor ? s : undefined), false);
    if (name === 'ToTensor' || name === 'PILToTensor') return make((s) => (s.tensor ? undefined : { ...s, tensor: true }), false);
    const size = sizeArg(args[0] ?? kwargs.get('size'));
    switch (name) {
      case 'Resize': {
        if (!size) return make(() => undefined, true);
        if (size.length === 2) return make((s) => ({ ...s, h: size[0] as Dim, w: size[1] as Dim }), true);
        const target = size[0] as Dim;
        return make((s) => resizeShorter(s, target), true);
      }
      case 'CenterCrop':
      case 'RandomResizedCrop':
        if (!size) return make(() => undefined, true);
        return make((s) => ({ ...s, h: size[0] as Dim, w: (size[1] ?? size[0]) as Dim }), true);
      case 'RandomCrop': {
        const pad = padArg(args[1] ?? kwargs.get('padding'));
        const ifNeeded = kwargs.get('pad_if_needed');
        if (!size || !pad) return make(() => undefined, true);
        const [ch, cw] = [size[0] as Dim, (size[1] ?? size[0]) as Dim];
        return make((s) => {
          const h = add(s.h, pad[1] + pad[3]);
          const w = add(s.w, pad[0] + pad[2]);
          // Smaller than the crop: PyTorch raises unless pad_if_needed; Conv Lens says nothing then.
          const small = (isKnown(h) && isKnown(ch) && h < ch) || (isKnown(w) && isKnown(cw) && w < cw);
          if (small && !(ifNeeded?.k === 'bool' && ifNeeded.v)) return undefined;
          return { ...s, h: ch, w: cw };
        }, true);
      }
      case 'Pad': {
        const pad = padArg(args[0] ?? kwargs.get('padding'));
        if (!pad) return make(() => undefined, true);
        return make((s) => ({ ...s, h: add(s.h, pad[1] + pad[3]), w: add(s.w, pad[0] + pad[2]) }), true);
      }
      case 'Grayscale': {
        const n = toNumber(args[0] ?? kwargs.get('num_output_channels') ?? { k: 'num', v: 1, float: false });
        if (n !== 1 && n !== 3) return make(() => undefined, true);
        return make((s) => (s.tensor && s.c !== 3 ? undefined : { ...s, c: n }), true);
      }
      default:
        return make(() => undefined, true);
    }
  }

  private loader(info: CallInfo): Value {
    const { args, kwargs } = info;
    const ds = args[0] ?? kwargs.get('dataset');
    if (ds?.k !== 'data' || ds.data.type !== 'dataset') return UNKNOWN_VALUE;
    const bs = args[1] ?? kwargs.get('batch_size');
    const collateFn = kwargs.get('collate_fn');
    const sampler = kwargs.get('batch_sampler');
    // batch_size=None gives unbatched items; a batch size from elsewhere (argparse) is a symbol.
    const batch = bs === undefined ? 1 : bs.k === 'none' ? undefined : toDim(bs) ?? sym('N');
    const collate = batch !== undefined && (collateFn === undefined || collateFn.k === 'none') && (sampler === undefined || sampler.k === 'none');
    const describe = batch !== undefined ? [`batch_size=${isKnown(batch) ? batch : bsText(info)}`] : [];
    const drop = kwargs.get('drop_last');
    return data({ type: 'loader', dataset: ds.data, batch, collate, dropLast: drop?.k === 'bool' && drop.v, describe });
  }

  private tensorDataset(info: CallInfo): Value {
    const parts: ItemPart[] = [];
    let length: number | undefined;
    for (const t of info.args) {
      if (t.k !== 'tensor' || !t.shape || t.shape.length === 0) return UNKNOWN_VALUE;
      const first = t.shape[0] as Dim;
      if (isKnown(first)) length = first;
      parts.push({ k: 'tensor', shape: t.shape.slice(1) });
    }
    if (parts.length === 0) return UNKNOWN_VALUE;
    return data({ type: 'dataset', parts, length, describe: ['TensorDataset'] });
  }

  private randomSplit(info: CallInfo): Value {
    const ds = info.args[0] ?? info.kwargs.get('dataset');
    const lengths = info.args[1] ?? info.kwargs.get('lengths');
    const items = lengths ? this.a.interp.iterate(lengths) : undefined;
    if (ds?.k !== 'data' || ds.data.type !== 'dataset' || !items) return UNKNOWN_VALUE;
    const base = ds.data;
    return list(items.map((n) => {
      const k = toNumber(n);
      const { name: _, ...rest } = base;
      return data({ ...rest, length: k !== undefined && Number.isInteger(k) ? k : undefined });
    }));
  }

  /** How a shape-changing transform reads in the input's description: its call without the module prefix. */
  private label(node: SyntaxNode): string {
    const fn = child(node, 'function');
    const argsNode = child(node, 'arguments');
    const name = fn?.type === 'attribute' ? child(fn, 'attribute')?.text : fn?.text;
    return `${name ?? ''}${argsNode ? this.a.textOf(rangeOf(argsNode)).replace(/\s+/g, ' ') : '()'}`;
  }
}

function data(d: DataObject): DataValue {
  return { k: 'data', data: d };
}

function bsText(info: CallInfo): string {
  const node = info.argNodes[1] ?? info.kwNodes.get('batch_size');
  return node ? node.text : '?';
}

/** `Resize(256)`: the shorter side becomes 256, the longer keeps the aspect ratio (a square image: both). */
function resizeShorter(s: ImageState, target: Dim): ImageState {
  if (dimEquals(s.h, s.w) === true) return { ...s, h: target, w: target };
  if (isKnown(s.h) && isKnown(s.w) && isKnown(target)) {
    const [short, long] = s.w <= s.h ? [s.w, s.h] : [s.h, s.w];
    const other = Math.floor((target * long) / short);
    return s.w <= s.h ? { ...s, w: target, h: other } : { ...s, h: target, w: other };
  }
  // Which side is shorter is not known: both sizes are unknown until a crop fixes them.
  return { ...s, h: unknownDim(), w: unknownDim() };
}

/** A size argument: `32` or `(32, 32)` / `[32]`. */
function sizeArg(v: Value | undefined): Dim[] | undefined {
  if (!v) return undefined;
  const d = toDim(v);
  if (d !== undefined) return [d];
  if ((v.k === 'tuple' || v.k === 'list') && !v.uncertain && (v.items.length === 1 || v.items.length === 2)) {
    const dims = v.items.map(toDim);
    return dims.every((x) => x !== undefined) ? (dims as Dim[]) : undefined;
  }
  return undefined;
}

/** Padding as (left, top, right, bottom): an int, (left/right, top/bottom) or four numbers. */
function padArg(v: Value | undefined): [number, number, number, number] | undefined {
  if (!v || v.k === 'none') return [0, 0, 0, 0];
  const n = toNumber(v);
  if (n !== undefined) return [n, n, n, n];
  if ((v.k === 'tuple' || v.k === 'list') && !v.uncertain) {
    const p = v.items.map(toNumber);
    if (p.some((x) => x === undefined)) return undefined;
    const q = p as number[];
    if (q.length === 2) return [q[0] as number, q[1] as number, q[0] as number, q[1] as number];
    if (q.length === 4) return [q[0] as number, q[1] as number, q[2] as number, q[3] as number];
  }
  return undefined;
}
