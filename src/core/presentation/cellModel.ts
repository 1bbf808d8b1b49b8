// The model under the cursor in a notebook cell, shared by the preview and by the shapes a block's inlay hints show.
// Chosen in the notebook's program coordinates: a cell's own offsets would compare the cursor with the ranges of
// models in other cells (each counted from its own cell's start) and pick one by chance.
import { programOffset, type NotebookProgram } from '../notebook';
import type { Analysis, ModelReport, Position } from '../types';
import { modelAt } from './shapeComment';

/**
 * A model the cell defines, builds or calls (`view`, what the cell's editor shows), else the notebook's model as for a
 * file; `analysis` is the notebook's in program coordinates, `cell` the cell's index, `cursor` within the cell.
 */
export function cellModelAt(nb: NotebookProgram, analysis: Analysis, view: Analysis, cell: number, cursor: Position): ModelReport | undefined {
  const offset = programOffset(nb, cell, cursor) ?? 0;
  const inCell = new Set(view.models.map((m) => m.name));
  const builds = analysis.models.some((m) => m.instantiated);
  const here = analysis.models.filter((m) => inCell.has(m.name) && (m.instantiated || !builds));
  return (here.length > 0 ? modelAt({ ...analysis, models: here }, offset) : undefined) ?? modelAt(analysis, offset);
}
