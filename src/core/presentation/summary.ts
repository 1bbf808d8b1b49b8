// One-line model summaries (code lens) and the per-layer table.
import type { ModelReport } from '../types';
import { formatCount, formatExact, formatMacs } from './numbers';
import { formatShape, formatShapes } from './shapes';

/**
 * `input [1, 3, 32, 32] -> output [1, 10] · 20.6K params · 0.6M MACs`; a class nothing in the file builds is marked
 * as a block; an unknown output says why (✗ only when a reported error stops the flow).
 */
export function modelSummary(model: ModelReport, fileBuildsAModel = false): string {
  const input = model.input.length > 0 ? formatShapes(model.input) : '?';
  const from = model.inputFrom !== undefined ? ` from ${model.inputFrom}` : '';
  const parts = [`${model.instantiated || !fileBuildsAModel ? '' : 'block (not built in this file): '}input ${input}${from} -> output ${outputText(model)}`];
  if (model.totalParams !== null) parts.push(`${formatCount(model.totalParams)} params`);
  if (model.totalMacs !== null) parts.push(`${formatMacs(model.totalMacs)} MACs`);
  return parts.join(' · ');
}

function outputText(model: ModelReport): string {
  if (model.output) return formatShape(model.output);
  const unknown = model.outputUnknown;
  if (unknown?.error) return '✗ (see Problems)';
  return `? (${unknown?.reason ?? 'not known'})`;
}

const INPUT_SOURCE: Record<ModelReport['inputSource'], string> = {
  explicit: 'given explicitly',
  comment: 'from the shape comment',
  example: 'from the example input in the file',
  data: 'from the data pipeline',
  default: 'from the convLens.defaultInputShape setting',
  symbolic: 'symbolic (no concrete input found)',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown report for one model: one row per leaf layer in forward order. */
export function layerTableMarkdown(model: ModelReport, fileName: string): string {
  const lines: string[] = [];
  lines.push(`# ${model.name}`, '');
  lines.push(`File: \`${fileName}\`  `);
  lines.push(`Input: \`${formatShapes(model.input)}\` (${model.inputFrom !== undefined ? `from ${cell(model.inputFrom)}` : INPUT_SOURCE[model.inputSource]})  `);
  lines.push(`Output: \`${model.output ? formatShape(model.output) : model.outputUnknown?.error ? 'does not fit' : 'unknown'}\`${!model.output && model.outputUnknown ? ` (${model.outputUnknown.reason})` : ''}  `);
  if (model.totalParams !== null) lines.push(`Parameters: ${formatExact(model.totalParams)} (${formatCount(model.totalParams)})  `);
  if (model.totalMacs !== null) lines.push(`MACs: ${formatExact(model.totalMacs)} (${formatMacs(model.totalMacs)})  `);
  if (model.accepts.length > 0) lines.push(`Accepts: ${model.accepts.join(', ')}  `);
  lines.push('');
  const header = ['#', 'Layer', 'Type', 'Input', 'Output', 'Params', 'MACs', 'Receptive field'];
  const rightAligned = new Set([0, 5, 6]);
  const rows = model.layers.map((layer, i) => [
    String(i + 1),
    layer.name,
    layer.type,
    formatShapes(layer.inputs),
    layer.output ? formatShape(layer.output) : '✗',
    layer.params === null ? '' : formatExact(layer.params),
    layer.macs === null ? '' : formatExact(layer.macs),
    layer.receptiveField ? `${layer.receptiveField[0]}×${layer.receptiveField[1]}` : '',
  ].map(cell));
  // Padded so the table also reads well as plain text in the editor.
  const widths = header.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => (r[c] ?? '').length)));
  const pad = (text: string, c: number): string => (rightAligned.has(c) ? text.padStart(widths[c] ?? 0) : text.padEnd(widths[c] ?? 0));
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  lines.push(line(header));
  lines.push(`|${widths.map((w, c) => (rightAligned.has(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const row of rows) lines.push(line(row));
  lines.push('');
  return lines.join('\n');
}
