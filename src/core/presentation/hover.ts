// What the editor shows when hovering a layer or a tensor variable. Markdown, no editor types.
import type { Analysis, LayerReport, ModelReport, Range, ShapeJSON, ShapeSite } from '../types';
import { formatExact, formatMacs } from './numbers';
import { formatShape, formatShapes } from './shapes';

export type HoverTarget =
  | { kind: 'layers'; model: ModelReport; layers: LayerReport[]; range: Range }
  | { kind: 'site'; site: ShapeSite; range: Range }
  /** A block (a module of layers, `self.layer1`) called in forward: `others` are more instances the same call runs. */
  | { kind: 'block'; model: ModelReport; name: string; others: string[]; site: ShapeSite; range: Range };

/** The word under the cursor, when the host knows it (VS Code's getWordRangeAtPosition). */
export interface HoverWord {
  text: string;
  startOffset: number;
  endOffset: number;
}

/** Offsets are the document's own: a range in another file or another notebook cell never contains one. */
function contains(range: Range, offset: number): boolean {
  return range.file === undefined && range.cell === undefined && range.startOffset <= offset && offset <= range.endOffset;
}

function width(range: Range): number {
  return range.endOffset - range.startOffset;
}

function sameRange(a: Range, b: Range): boolean {
  return a.startOffset === b.startOffset && a.endOffset === b.endOffset;
}

function lastSegment(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(dot + 1);
}

/**
 * The innermost layer construction, layer call or shape site under the offset. A layer also answers
 * for its attribute name on the line where it is built (`self.conv1 = nn.Conv2d(...)`), so hovering
 * the name in `__init__` works whatever the construction range covers.
 */
export function findHoverTarget(analysis: Analysis, offset: number, word?: HoverWord): HoverTarget | undefined {
  let best: HoverTarget | undefined;
  const consider = (candidate: HoverTarget): void => {
    if (!best || width(candidate.range) < width(best.range)) {
      best = candidate;
    } else if (best.kind === 'layers' && candidate.kind === 'layers' && sameRange(best.range, candidate.range)) {
      // Several leaf layers behind one call (`self.features(x)` on a Sequential): show them together.
      for (const layer of candidate.layers) if (!best.layers.includes(layer)) best.layers.push(layer);
    }
  };
  for (const model of analysis.models) {
    for (const layer of model.layers) {
      for (const range of [layer.range, layer.callRange]) {
        if (contains(range, offset)) consider({ kind: 'layers', model, layers: [layer], range });
      }
      if (word && word.text === lastSegment(layer.name) && layer.range.cell === undefined && layer.range.file === undefined && onLineBefore(word, layer.range)) {
        consider({ kind: 'layers', model, layers: [layer], range: { ...layer.range, startOffset: word.startOffset } });
      }
    }
  }
  for (const site of analysis.sites) {
    if (site.shapes.length > 0 && contains(site.range, offset)) {
      const candidate: HoverTarget = { kind: 'site', site, range: site.range };
      // A layer call and the statement around it: the layer is the more specific answer.
      if (!best || width(site.range) < width(best.range)) best = candidate;
    }
  }
  // The name of a block in a forward statement (`self.layer1` of `x = self.layer1(x)`): the block, as for a layer.
  const statement: HoverTarget | undefined = best;
  if (word && statement?.kind === 'site') {
    for (const model of analysis.models) {
      // In the model's own forward `self.layer1` is a direct child; in a block's forward, every instance of it.
      const own = contains(model.range, statement.range.startOffset);
      const names = blockNames(model).filter((name) => lastSegment(name) === word.text && own === !name.includes('.'));
      const first = names[0];
      if (first !== undefined) return { kind: 'block', model, name: first, others: names.slice(1), site: statement.site, range: statement.range };
    }
  }
  return best;
}

/** Qualified names of the model's blocks: every proper prefix of a layer name (`layer1`, `layer1.0`), in layer order. */
function blockNames(model: ModelReport): string[] {
  const leaves = new Set(model.layers.map((l) => l.name));
  const names: string[] = [];
  for (const layer of model.layers) {
    const parts = layer.name.split('.');
    for (let i = 1; i < parts.length; i++) {
      const name = parts.slice(0, i).join('.');
      if (!leaves.has(name) && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

function within(block: string, layer: string): boolean {
  return layer.startsWith(`${block}.`);
}

/**
 * A block's input and output shapes from the model's graph: the tensor its first operation reads from outside
 * it, and what its last one produces. Functional ops next to the block's layers count as the block's when
 * their source lies outside the model's class (they are in the block's own forward).
 */
function blockShapes(model: ModelReport, block: string): { input: ShapeJSON | null; output: ShapeJSON | null } {
  const nodes = model.graph.nodes;
  const inBlock = (i: number): boolean => within(block, nodes[i]?.module?.name ?? '');
  let first = nodes.findIndex((_, i) => inBlock(i));
  let last = nodes.length - 1;
  while (last >= 0 && !inBlock(last)) last--;
  if (first < 0) return { input: null, output: null };
  const outside = (i: number): boolean => {
    const n = nodes[i];
    return n !== undefined && n.op !== 'module' && !contains(model.range, n.range.startOffset);
  };
  while (first > 0 && outside(first - 1)) first--;
  while (last + 1 < nodes.length && outside(last + 1)) last++;
  const span = nodes.slice(first, last + 1);
  const made = new Set(span.map((n) => n.id));
  const read = span.flatMap((n) => n.inputs).find((id) => !made.has(id));
  const producer = nodes.find((n) => n.id === read);
  const input = producer?.shape ?? (read === model.graph.input ? (model.input[0] ?? null) : null);
  return { input, output: span.at(-1)?.shape ?? null };
}

function sum(values: Array<number | null>): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
}

/** A block: input → output, how many layers of which kinds, params and MACs summed over its layers. */
export function blockMarkdown(model: ModelReport, block: string, others: readonly string[] = []): string {
  // One report per application: a layer applied twice costs MACs twice but has its parameters once.
  const applications = model.layers.filter((l) => within(block, l.name));
  const layers = [...new Map(applications.map((l) => [l.name, l])).values()];
  const { input, output } = blockShapes(model, block);
  const lines = [`**${block}** · block of ${layers.length} layer${layers.length === 1 ? '' : 's'}`];
  if (input !== null && output !== null) lines.push('', `\`${formatShape(input)}\` → \`${formatShape(output)}\``);
  else if (output !== null) lines.push('', `→ \`${formatShape(output)}\``);
  const facts: string[] = [];
  const params = sum(layers.map((l) => l.params));
  const macs = sum(applications.map((l) => l.macs));
  if (params !== null) facts.push(`Params **${formatExact(params)}**`);
  if (macs !== null) facts.push(`MACs **${formatMacs(macs)}**`);
  if (facts.length > 0) lines.push('', facts.join(' · '));
  const kinds = new Map<string, number>();
  for (const layer of layers) kinds.set(layer.type, (kinds.get(layer.type) ?? 0) + 1);
  lines.push('', [...kinds].map(([type, n]) => (n === 1 ? type : `${type} ×${n}`)).join(', '));
  if (others.length > 0) lines.push('', `The same line also runs ${others.map((o) => `\`${o}\``).join(', ')} (shown: the first).`);
  return lines.join('\n');
}

/** The word is left of the range on the range's first line (the `self.conv1` of `self.conv1 = nn.Conv2d(...)`). */
function onLineBefore(word: HoverWord, range: Range): boolean {
  const lineStart = range.startOffset - range.start.character;
  return word.startOffset >= lineStart && word.endOffset <= range.startOffset;
}

function dims(value: [number, number] | null): string | undefined {
  return value ? `${value[0]}×${value[1]}` : undefined;
}

/** One layer: input → output, the formula with the numbers in it, params, MACs, receptive field. */
export function layerMarkdown(layer: LayerReport, modelName?: string, modelHasError = false): string {
  const lines: string[] = [];
  // Children of a top-level nn.Sequential are named by index: show them as `model[0]`.
  const title = modelName && /^\d+$/.test(layer.name) ? `${modelName}[${layer.name}]` : layer.name;
  lines.push(`**${title}** · \`${layer.type}\``);
  const input = layer.inputs.length > 0 ? formatShapes(layer.inputs) : '?';
  // ✗ only for a layer that got a known input while an error stops its model; otherwise the output is just unknown.
  const failed = modelHasError && layer.inputs.length > 0 && layer.inputs.every((s) => s.length > 0);
  const output = layer.output ? formatShape(layer.output) : failed ? '✗ does not fit (see Problems)' : '? (not known here)';
  lines.push('', `\`${input}\` → \`${output}\``);
  if (layer.formula.length > 0) lines.push('', '```text', ...layer.formula, '```');
  const facts: string[] = [];
  if (layer.params !== null) facts.push(`Params **${formatExact(layer.params)}**`);
  if (layer.macs !== null) facts.push(`MACs **${formatMacs(layer.macs)}**`);
  const rf = dims(layer.receptiveField);
  if (rf) facts.push(`Receptive field **${rf}**`);
  const stride = dims(layer.cumulativeStride);
  if (stride) facts.push(`Stride from input **${stride}**`);
  if (facts.length > 0) lines.push('', facts.join(' · '));
  return lines.join('\n');
}

export function hoverMarkdown(target: HoverTarget): string {
  if (target.kind === 'block') return blockMarkdown(target.model, target.name, target.others);
  if (target.kind === 'site') {
    const shapes = target.site.shapes;
    const label = shapes.length === 1 ? 'Shape' : `Shapes (${shapes.length} different, in call order)`;
    const models = Object.entries(target.site.byModel ?? {});
    // A line several models reach: the shapes of each.
    if (models.length > 1) return [`${label}:`, '', ...models.map(([model, seen]) => `- ${model}: \`${formatShapes(seen, '` · `')}\``)].join('\n');
    return `${label}: \`${formatShapes(shapes, '` · `')}\``;
  }
  return target.layers.map((layer) => layerMarkdown(layer, target.model.name, target.model.outputUnknown?.error === true)).join('\n\n---\n\n');
}

const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * The identifier at the offset, for hosts that do not say which word the cursor is on (LSP clients).
 * The cursor just after a word still counts as on it, as in VS Code.
 */
export function wordAt(text: string, offset: number): HoverWord | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  let start = offset;
  while (start > 0 && WORD_CHAR.test(text[start - 1] ?? '')) start--;
  let end = offset;
  while (end < text.length && WORD_CHAR.test(text[end] ?? '')) end++;
  if (start === end || /^[0-9]/.test(text.slice(start, end))) return undefined;
  return { text: text.slice(start, end), startOffset: start, endOffset: end };
}
