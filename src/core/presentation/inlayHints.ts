// The shape after each statement that produces a tensor, as editor-neutral inlay hints (`→ [1, 16, 32, 32]`).
// A block's forward runs once per call site (ResNet's BasicBlock: layer1 to layer4): its hint shows the first
// shape of the model the user is looking at and how many other shapes there are; the tooltip lists them all.
import type { Analysis, Position, ShapeJSON, ShapeSite } from '../types';
import { formatShape } from './shapes';

export interface ShapeHint {
  /** The end of the statement: the hint is drawn after it. */
  position: Position;
  label: string;
  /** Markdown: every shape the site had, by model when several models reach it; empty when the label says it all. */
  tooltip: string;
}

/** The shapes the site had in `model`'s forward pass; all of them when that model did not reach it. */
function shapesFor(site: ShapeSite, model: string | undefined): ShapeJSON[] {
  return (model !== undefined ? site.byModel?.[model] : undefined) ?? site.shapes;
}

/** One site's hint, for the model in view (undefined: none in particular). */
export function siteHint(site: ShapeSite, model?: string): Omit<ShapeHint, 'position'> {
  const shapes = shapesFor(site, model);
  const first = shapes[0];
  if (first === undefined) return { label: '', tooltip: '' };
  const models = Object.keys(site.byModel ?? {});
  const label = `→ ${formatShape(first)}${shapes.length > 1 ? ` (+${shapes.length - 1} more)` : ''}`;
  if (shapes.length <= 1 && !(models.length > 1 && site.shapes.length > 1)) return { label, tooltip: '' };
  const lines = models.length > 1
    ? models.map((m) => `${m}: ${(site.byModel?.[m] ?? []).map((s) => `\`${formatShape(s)}\``).join(' · ')}`)
    : shapes.map((s) => `\`${formatShape(s)}\``);
  return { label, tooltip: ['Shapes this line produces (one per distinct shape, in call order):', '', ...lines.map((l) => `- ${l}`)].join('\n') };
}

/** Every hint of the analysis, in source order of the sites, for the model in view. */
export function shapeHints(analysis: Analysis, model?: string): ShapeHint[] {
  const hints: ShapeHint[] = [];
  for (const site of analysis.sites) {
    if (!site.hint || site.shapes.length === 0) continue;
    hints.push({ position: { line: site.range.end.line, character: site.range.end.character }, ...siteHint(site, model) });
  }
  return hints;
}
