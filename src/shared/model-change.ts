// The model message as a change from the last one a surface received. VS Code's webview transport costs time by the
// kilobyte (measured in the workbench: 0.15-0.4 ms a KB), and ResNet-18's model is 50 KB of which an edit of its stem
// changes 4 of 60 layers: layers and graph nodes equal to one the panel already has are sent as its index there.
import type { GraphNode, LayerReport, ModelGraph, ModelReport } from '../core/types';
import type { PreviewModel } from './protocol';

/** A PreviewModel whose layers and graph nodes are either new or the index of an equal one in the base model. */
export interface PreviewChange extends Omit<PreviewModel, 'model'> {
  model: Omit<ModelReport, 'layers' | 'graph'> & {
    layers: Array<LayerReport | number>;
    graph: Omit<ModelGraph, 'nodes'> & { nodes: Array<GraphNode | number> };
  };
}

/** What the sender keeps of the last model a surface received: each layer's and node's JSON, to find them again. */
export interface SentModel {
  layers: Map<string, number>;
  nodes: Map<string, number>;
}

/** Indexes of items by their JSON text (the first of equal ones). */
function byText<T>(items: readonly T[]): { index: Map<string, number>; texts: string[] } {
  const index = new Map<string, number>();
  const texts = items.map((item, i) => {
    const text = JSON.stringify(item);
    if (!index.has(text)) index.set(text, i);
    return text;
  });
  return { index, texts };
}

/** Items found in the base by their JSON text become its index there. */
function referenced<T>(items: readonly T[], texts: readonly string[], base: Map<string, number>): Array<T | number> {
  return items.map((item, i) => base.get(texts[i] as string) ?? item);
}

/**
 * The change from the model behind `sent` to `next` (undefined: there is none, send `next` whole), and what to keep
 * for the next change.
 */
export function describeChange(sent: SentModel | undefined, next: PreviewModel): { change: PreviewChange | undefined; kept: SentModel } {
  const layers = byText(next.model.layers);
  const nodes = byText(next.model.graph.nodes);
  const kept = { layers: layers.index, nodes: nodes.index };
  if (!sent) return { change: undefined, kept };
  const change: PreviewChange = {
    ...next,
    model: {
      ...next.model,
      layers: referenced(next.model.layers, layers.texts, sent.layers),
      graph: { ...next.model.graph, nodes: referenced(next.model.graph.nodes, nodes.texts, sent.nodes) },
    },
  };
  return { change, kept };
}

/** The model a change describes, from the base it was made against; null when it refers to what the base lacks. */
export function applyChange(base: PreviewModel, change: PreviewChange): PreviewModel | null {
  const layers = resolve(change.model.layers, base.model.layers);
  const nodes = resolve(change.model.graph.nodes, base.model.graph.nodes);
  if (!layers || !nodes) return null;
  return { ...change, model: { ...change.model, layers, graph: { ...change.model.graph, nodes } } };
}

function resolve<T extends object>(items: ReadonlyArray<T | number>, base: readonly T[]): T[] | null {
  const out: T[] = [];
  for (const item of items) {
    const value = typeof item === 'number' ? base[item] : item;
    if (value === undefined) return null;
    out.push(value);
  }
  return out;
}
