// The model view's data: the forward pass as a flow of layer applications, nested by module path,
// with the first error marked and the flow cut there. Pure.
import type { DimJSON, GraphNode, LayerReport, ModelGraph, ShapeJSON } from '../../src/core/types';
import { nodeKeys } from '../../src/engine/node-keys';
import type { PreviewModel } from '../../src/shared/protocol';

export interface FlowItem {
  kind: 'item';
  /** The engine's output key (qualified name, op name, "#k" for repeats). */
  key: string;
  /** Node id in the graph, or -1 for a layer the graph never reached (the erroneous one). */
  nodeId: number;
  label: string;
  type: string;
  shape: ShapeJSON | null;
  params: number | null;
  macs: number | null;
  /** Where a click takes the user (0-based), in `file` when that is another file of the program (a block's module). */
  line: number;
  character: number;
  file?: string;
  /** Source offsets that select this item when the cursor is in one of them. */
  spans: Array<[number, number]>;
  /** A torch.nn module application (its label is the qualified name), not a functional op. */
  module: boolean;
  error: string | null;
}

export interface FlowGroup {
  kind: 'group';
  /** Qualified module path ("layer1", "layer1.0"). */
  path: string;
  children: FlowNode[];
  /** The first block of a run of identical blocks this one repeats (same layer types and shapes), shown folded. */
  sameAs: string | null;
}

export type FlowNode = FlowItem | FlowGroup;

export interface Flow {
  root: FlowGroup;
  items: FlowItem[];
  /** The error the flow stops at, if any. */
  error: FlowItem | null;
}

function parentPath(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

function contains(span: [number, number], offset: number): boolean {
  return span[0] <= offset && offset <= span[1];
}

function itemOf(node: GraphNode, key: string, layer: LayerReport | undefined, first: boolean): FlowItem {
  const target = layer?.range ?? node.range;
  // Offsets in another file say nothing about the cursor in this one.
  const spans: Array<[number, number]> = [];
  if (node.range.file === undefined) spans.push([node.range.startOffset, node.range.endOffset]);
  if (layer && layer.range.file === undefined) spans.push([layer.range.startOffset, layer.range.endOffset]);
  return {
    ...(target.file !== undefined ? { file: target.file } : {}),
    kind: 'item', key, nodeId: node.id,
    label: node.module?.name ?? node.op,
    type: node.module?.type ?? node.op,
    shape: node.shape,
    params: first ? (layer?.params ?? null) : null,
    macs: layer?.macs ?? null,
    line: target.start.line, character: target.start.character,
    spans, module: node.op === 'module' && node.module !== undefined, error: null,
  };
}

/** A TF.js model's layers as the analysis lists them (its graph is not built: the engine does not run TF.js yet). */
function layerItems(model: PreviewModel['model']): FlowItem[] {
  return model.layers.map((layer) => ({
    kind: 'item', key: layer.name, nodeId: -1, label: layer.name, type: layer.type, shape: layer.output, params: layer.params, macs: layer.macs,
    line: layer.range.start.line, character: layer.range.start.character,
    spans: [[layer.range.startOffset, layer.range.endOffset]], module: false, error: null,
  }));
}

export function buildFlow(preview: PreviewModel): Flow {
  const { model, errors } = preview;
  if (preview.language === 'typescript' && model.graph.nodes.length === 0) {
    const items = layerItems(model).map((item) => {
      const error = errors.find((e) => item.spans.some((span) => contains(span, e.range.startOffset)));
      return error === undefined ? item : { ...item, error: error.message };
    });
    return { root: { kind: 'group', path: '', children: items, sameAs: null }, items, error: null };
  }
  const keys = nodeKeys(model.graph);
  const layers = new Map(model.layers.map((l) => [l.name, l]));
  const seen = new Set<string>();
  let items: FlowItem[] = model.graph.nodes.map((node, i) => {
    const name = node.module?.name;
    const layer = name === undefined ? undefined : layers.get(name);
    const first = name !== undefined && !seen.has(name);
    if (name !== undefined) seen.add(name);
    return itemOf(node, keys[i] as string, layer, first);
  });

  let error: FlowItem | null = null;
  const firstError = [...errors].sort((a, b) => a.range.startOffset - b.range.startOffset)[0];
  if (firstError) {
    const at = firstError.range.startOffset;
    let index = items.findIndex((it) => it.spans.some((s) => contains(s, at)));
    if (index < 0) {
      // The erroneous layer never ran: show it after the last layer that did.
      const layer = model.layers.find((l) => contains([l.range.startOffset, l.range.endOffset], at) || contains([l.callRange.startOffset, l.callRange.endOffset], at));
      const pseudo: FlowItem = {
        kind: 'item', key: layer?.name ?? 'error', nodeId: -1, label: layer?.name ?? 'error', type: layer?.type ?? '', shape: null,
        params: layer?.params ?? null, macs: null,
        line: firstError.range.start.line, character: firstError.range.start.character,
        spans: layer ? [[layer.range.startOffset, layer.range.endOffset], [layer.callRange.startOffset, layer.callRange.endOffset]] : [[at, firstError.range.endOffset]],
        module: layer !== undefined, error: null,
      };
      items.push(pseudo);
      index = items.length - 1;
    }
    items = items.slice(0, index + 1);
    error = { ...(items[index] as FlowItem), error: firstError.message, shape: null };
    items[index] = error;
  }
  return { root: nest(items), items, error };
}

function within(ancestor: string, path: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`);
}

/** Groups items by module path; a functional op joins the block of the module applied before it. */
function nest(items: FlowItem[]): FlowGroup {
  const root: FlowGroup = { kind: 'group', path: '', children: [], sameAs: null };
  // The chain of groups items are being appended to, root first; a block applied again starts a new group.
  const open: FlowGroup[] = [root];
  let current = '';
  for (const item of items) {
    if (item.module) current = parentPath(item.label);
    while (open.length > 1 && !within((open[open.length - 1] as FlowGroup).path, current)) open.pop();
    let top = open[open.length - 1] as FlowGroup;
    const parts = current === '' ? [] : current.split('.');
    while (top.path !== current) {
      const depth = top.path === '' ? 1 : top.path.split('.').length + 1;
      const group: FlowGroup = { kind: 'group', path: parts.slice(0, depth).join('.'), children: [], sameAs: null };
      top.children.push(group);
      open.push(group);
      top = group;
    }
    top.children.push(item);
  }
  markRepeats(root);
  return root;
}

/** What makes two blocks identical for folding: their layers' types and output shapes, nested. */
function structure(node: FlowNode): string {
  return node.kind === 'item' ? `${node.type}${JSON.stringify(node.shape)}${node.error === null ? '' : '!'}` : `(${node.children.map(structure).join(',')})`;
}

function markRepeats(group: FlowGroup): void {
  let runStart: FlowGroup | null = null;
  let runShape = '';
  for (const child of group.children) {
    if (child.kind !== 'group') {
      runStart = null;
      continue;
    }
    markRepeats(child);
    const shape = structure(child);
    if (runStart !== null && shape === runShape) {
      child.sameAs = runStart.path;
    } else {
      runStart = child;
      runShape = shape;
    }
  }
}

/** The item whose source spans hold the cursor offset; the innermost (shortest span) wins. */
export function itemAtOffset(flow: Flow, offset: number): FlowItem | undefined {
  let best: FlowItem | undefined;
  let bestLength = Infinity;
  for (const item of flow.items) {
    for (const s of item.spans) {
      if (contains(s, offset) && s[1] - s[0] < bestLength) {
        best = item;
        bestLength = s[1] - s[0];
      }
    }
  }
  return best;
}

/**
 * A concrete input shape for a run: batch 1, symbolic sizes replaced by `fallback`. `batchDim`: where the batch
 * is (1 for a time-major sequence [T, N, F], whose time steps are all kept).
 */
export function concreteInput(shape: ShapeJSON | undefined, fallback = 32, batchDim = 0): { shape: number[]; note: string } {
  const dims: DimJSON[] = shape ?? [1, 3, fallback, fallback];
  const out = dims.map((d, i) => (i === batchDim ? 1 : typeof d === 'number' ? d : fallback));
  const replaced = dims.some((d, i) => i !== batchDim && typeof d !== 'number');
  const notes: string[] = [];
  if (dims[batchDim] !== 1) notes.push(`batch 1 (the first sample${batchDim === 0 ? '' : `, dim ${batchDim}`})`);
  if (replaced) notes.push(`symbolic sizes set to ${fallback}`);
  return { shape: out, note: notes.join('; ') };
}

/** The graph the engine can run: nodes before the first error, and its output only when the flow is whole. */
export function runnableGraph(graph: ModelGraph, flow: Flow): ModelGraph {
  if (flow.error === null) return graph;
  const stop = graph.nodes.findIndex((n) => n.id === flow.error?.nodeId);
  const nodes = stop < 0 ? graph.nodes : graph.nodes.slice(0, stop);
  return { ...graph, nodes, output: null };
}

export function formatDims(shape: ShapeJSON | null): string {
  return shape === null ? '?' : `[${shape.join(', ')}]`;
}
