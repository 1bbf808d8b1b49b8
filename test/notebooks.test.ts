// Notebooks: the code cells of an .ipynb are one program in cell order, with IPython syntax skipped, and every range
// maps back to its cell. The notebooks in test/notebooks/ must agree with what real PyTorch did running their cells
// top to bottom (test/goldens/generate-notebooks.py): each built-in layer's type, the cell and line it was built on and
// its output shapes; the shapes the cells show; PyTorch's error at the cell and line it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnalyzedDocument, analysisByCell, blankIPython, cellPosition, cellView, notebookProgram, parseIpynb, programOffset, toCellRange, type Analysis } from '../src/core/index';
import { cellModelAt, shapeHints, siteHint } from '../src/core/presentation';
import { ready } from './support/analyze';

type Shape = Array<number | string> | null;
interface GoldenModule { type: string; cell: number; line: number; outputs: Shape[] }
interface Golden {
  modules: GoldenModule[];
  shown: Array<{ cell: number; line: number; shape: number[] }>;
  error: { message: string; cell: number; line: number } | null;
}
interface Loc { cell?: number; line: number; file?: string }
interface CliFile {
  models: Array<{ name: string; cell?: number; line: number; layers: Array<Loc & { type: string; output: Shape }> }>;
  diagnostics: Array<Loc & { code: string; severity: string; pytorchError?: string; related?: Loc[] }>;
  notes: string[];
}

const root = join(__dirname, '..', '..');
const notebooks = join(root, 'test', 'notebooks');

function check(file: string, format = 'json'): { stdout: string; status: number | null } {
  const run = spawnSync(process.execPath, [join(root, 'out', 'cli.js'), 'check', '--format', format, file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { stdout: run.stdout, status: run.status };
}

async function analyzeNotebook(json: string): Promise<Analysis> {
  await ready;
  const read = parseIpynb(json);
  assert.ok(!('error' in read));
  const nb = notebookProgram(read.cells);
  const doc = new AnalyzedDocument('python', nb.text);
  try {
    return analysisByCell(nb, doc.analyze());
  } finally {
    doc.dispose();
  }
}

for (const name of readdirSync(notebooks).filter((f) => f.endsWith('.ipynb')).sort()) {
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'notebooks', name.replace(/\.ipynb$/, '.json')), 'utf8')) as Golden;

  test(`notebook ${name}: layers, cells and lines as PyTorch ran them`, () => {
    const result = (JSON.parse(check(join('test', 'notebooks', name)).stdout) as { files: CliFile[] }).files[0];
    assert.ok(result);
    const layers = result.models.flatMap((m) => m.layers);
    assert.ok(golden.modules.length > 0);
    for (const g of golden.modules) {
      for (const output of g.outputs) {
        const found = layers.find((l) => l.cell === g.cell && l.line === g.line && l.type === g.type && JSON.stringify(l.output) === JSON.stringify(output));
        assert.ok(found, `${g.type} of cell ${g.cell} line ${g.line} with output ${JSON.stringify(output)}; got ${JSON.stringify(layers)}`);
      }
    }
    // Nothing PyTorch did not compute: every shape given is one PyTorch produced there.
    for (const l of layers) {
      if (l.output === null) continue;
      const g = golden.modules.find((m) => m.cell === l.cell && m.line === l.line && m.type === l.type);
      assert.ok(g?.outputs.some((o) => JSON.stringify(o) === JSON.stringify(l.output)), `${l.type} at cell ${l.cell} line ${l.line}: ${JSON.stringify(l.output)} is not what PyTorch gave`);
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (golden.error === null) assert.deepEqual(errors, []);
    else {
      const { message, cell, line } = golden.error;
      const at = errors.find((d) => d.pytorchError === message);
      assert.ok(at, `an error with PyTorch's message ${message}; got ${JSON.stringify(errors)}`);
      const places = [at, ...(at.related ?? [])];
      assert.ok(places.some((p) => p.cell === cell && p.line === line && p.file === undefined), `the error or a related location at cell ${cell} line ${line}`);
    }
  });

  if (golden.shown.length > 0) {
    test(`notebook ${name}: the shapes its cells show are the shapes at those lines`, async () => {
      const analysis = await analyzeNotebook(readFileSync(join(notebooks, name), 'utf8'));
      for (const s of golden.shown) {
        const here = analysis.sites.filter((site) => site.range.cell === s.cell - 1 && site.range.start.line === s.line - 1);
        assert.ok(here.some((site) => site.shapes.some((shape) => JSON.stringify(shape) === JSON.stringify(s.shape))),
          `cell ${s.cell} line ${s.line} shows ${JSON.stringify(s.shape)}; sites there: ${JSON.stringify(here.map((h) => h.shapes))}`);
      }
    });
  }
}

test('the seed notebook: conv_layer_1 on the unbatched [3, 64, 64] image gives [10, 62, 62], conv_layer_2 [10, 30, 30]', () => {
  const result = (JSON.parse(check('test/notebooks/conv2d_seed.ipynb').stdout) as { files: CliFile[] }).files[0];
  const summary = result?.models.map((m) => ({ name: m.name, cell: m.cell, line: m.line, outputs: m.layers.map((l) => l.output) }));
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'notebooks', 'conv2d_seed.json'), 'utf8')) as Golden;
  assert.deepEqual(summary, golden.modules.map((g, i) => ({ name: `conv_layer_${i + 1}`, cell: g.cell, line: g.line, outputs: g.outputs })));
});

test('plain output names the cell: file.ipynb:cell N:line:col', () => {
  const { stdout, status } = check('test/notebooks/linear_too_small.ipynb', 'text');
  assert.equal(status, 1);
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'notebooks', 'linear_too_small.json'), 'utf8')) as Golden;
  assert.ok(golden.error);
  assert.match(stdout, /^test\/notebooks\/linear_too_small\.ipynb:cell \d+:\d+:\d+: error linear-in-features: /m);
  assert.ok(stdout.includes(`test/notebooks/linear_too_small.ipynb:cell ${golden.error.cell}:${golden.error.line}:`), stdout);
});

test('a notebook that is not JSON, or has no cells, gets a note and no crash', async () => {
  assert.match(String((parseIpynb('{"cells": [') as { error: string }).error), /not valid JSON/);
  assert.match(String((parseIpynb('[1, 2]') as { error: string }).error), /no "cells"/);
  const read = parseIpynb('{"cells": [5, null, {"cell_type": "code", "source": [1, "x = 1\\n", "y = 2"]}, {"cell_type": "markdown", "source": "# t"}]}');
  assert.ok(!('error' in read));
  assert.deepEqual(read.cells.map((c) => c.kind), ['raw', 'raw', 'code', 'markdown']);
  assert.equal(read.cells[2]?.source, 'x = 1\ny = 2');
});

test('IPython lines are blanked keeping every line, cell magics skip the whole cell', () => {
  const src = '%matplotlib inline\n!pip install torchinfo\nfiles = !ls\nt = %timeit f()\nmodel?\nnn.Conv2d??\n?model\nfor i in range(2):\n    %time f()\ndisplay(x)\ny = a % b\nz = x != y';
  assert.deepEqual(blankIPython(src).split('\n'), ['', '', '', '', '', '', '', 'for i in range(2):', '    pass', 'display(x)', 'y = a % b', 'z = x != y']);
  assert.deepEqual(blankIPython('%%bash\nx = 1\ny = 2'), '\n\n');
  assert.deepEqual(blankIPython('%%timeit\nx = 1'), '\n');
});

test('a %%time or %%capture cell\'s body is Python the kernel runs: analysed, the magic line blanked', () => {
  assert.deepEqual(blankIPython('%%time\nx = 1\n!ls\ny = 2'), '\nx = 1\n\ny = 2');
  assert.deepEqual(blankIPython('\n%%capture out\nx = 1'), '\n\nx = 1');
  assert.deepEqual(blankIPython('%%timer\nx = 1'), '\n');
  // The error of time_magic_cells.ipynb is only found in the %%time cells' bodies (its golden checks cell and line).
  const { stdout, status } = check('test/notebooks/time_magic_cells.ipynb', 'text');
  assert.equal(status, 1);
  assert.match(stdout, /time_magic_cells\.ipynb:cell 3:6:\d+: error linear-in-features: /);
});

test('a loss (criterion = nn.CrossEntropyLoss()) is not a model: not listed beside the network it scores', () => {
  const result = (JSON.parse(check('test/notebooks/time_magic_cells.ipynb').stdout) as { files: CliFile[] }).files[0];
  assert.deepEqual(result?.models.map((m) => m.name), ['model']);
  const script = (JSON.parse(check('test/corpus/torch/module_level_sequential.py').stdout) as { files: CliFile[] }).files[0];
  assert.ok(script && script.models.length > 0);
  assert.ok(!script.models.some((m) => m.layers.some((l) => l.type.endsWith('Loss'))), JSON.stringify(script.models.map((m) => m.name)));
});

test('ranges map back to the cell, line and column; markdown cells are not part of the program', () => {
  const nb = notebookProgram([
    { kind: 'code', source: 'import torch\n' },
    { kind: 'markdown', source: '# a\nb' },
    { kind: 'code', source: 'x = 1\ny = torch.randn(2)' },
  ]);
  assert.equal(nb.text, 'import torch\n\nx = 1\ny = torch.randn(2)');
  const offset = nb.text.indexOf('torch.randn');
  const r = toCellRange(nb, { start: { line: 3, character: 4 }, end: { line: 3, character: 15 }, startOffset: offset, endOffset: offset + 11 });
  assert.deepEqual(r, { start: { line: 1, character: 4 }, end: { line: 1, character: 15 }, startOffset: 10, endOffset: 21, cell: 2 });
});

test('a cell position as a program offset and back (the preview works in program coordinates); a blanked line clamps the column', () => {
  const nb = notebookProgram([
    { kind: 'code', source: 'import torch' },
    { kind: 'markdown', source: '# t' },
    { kind: 'code', source: '%time\nx = torch.randn(1, 1, 28, 28)' },
  ]);
  const offset = programOffset(nb, 2, { line: 1, character: 4 });
  assert.equal(offset, nb.text.indexOf('torch.randn'));
  assert.deepEqual(cellPosition(nb, { line: 2, character: 4 }), { cell: 2, position: { line: 1, character: 4 } });
  // `%time` is blank in the program: column 3 of it is the end of that empty line.
  assert.equal(programOffset(nb, 2, { line: 0, character: 3 }), nb.text.indexOf('\nx =') );
  assert.equal(programOffset(nb, 1, { line: 0, character: 0 }), undefined);
});

test('a cell\'s view: its own findings and sites with plain ranges, other cells\' ranges keep their cell', async () => {
  const byCell = await analyzeNotebook(readFileSync(join(notebooks, 'linear_too_small.ipynb'), 'utf8'));
  const modelCell = cellView(byCell, 2);
  const error = modelCell.findings.find((f) => f.code === 'linear-in-features');
  assert.ok(error);
  assert.equal(error.range.cell, undefined);
  assert.equal(error.range.start.line, 5);
  assert.ok(error.related.some((r) => r.range.cell === 4 && r.range.start.line === 2), JSON.stringify(error.related));
  assert.deepEqual(modelCell.models.map((m) => [m.name, m.range.cell]), [['model', undefined]]);
  // The cell that runs the model shows no finding of its own, and still knows the model it calls.
  const runCell = cellView(byCell, 4);
  assert.deepEqual(runCell.findings, []);
  assert.deepEqual(runCell.models.map((m) => m.range.cell), [2]);
  assert.deepEqual(cellView(byCell, 0).models, []);
});

test('in a cell with a block two models share, the model under the cursor is chosen by its place in the notebook: its hints show that model\'s shapes', async () => {
  await ready;
  // Small, in cell 0, is longer than the cursor's column count into cell 1: counted from each cell's start, it would
  // hold a cursor that is in Big.
  const small = ['import torch', 'import torch.nn as nn', '', 'class Small(nn.Module):', '    def __init__(self):', '        super().__init__()',
    '        self.block = Block(3, 8)', '        self.head = nn.Conv2d(8, 4, 1)', '        self.tail = nn.Conv2d(4, 4, 1)', '        self.last = nn.Conv2d(4, 4, 1)', '',
    '    def forward(self, x):', '        x = self.block(x)', '        x = self.head(x)', '        x = self.tail(x)', '        return self.last(x)', ''].join('\n');
  const blockAndBig = ['class Block(nn.Module):', '    def __init__(self, c_in, c_out):', '        super().__init__()', '        self.conv = nn.Conv2d(c_in, c_out, 3)', '',
    '    def forward(self, x):', '        x = self.conv(x)', '        return x', '', 'class Big(nn.Module):', '    def __init__(self):', '        super().__init__()',
    '        self.block = Block(3, 8)', '', '    def forward(self, x):', '        return self.block(x)', ''].join('\n');
  const run = 'small = Small()\nbig = Big()\nsmall(torch.randn(1, 3, 16, 16))\nbig(torch.randn(2, 3, 64, 64))\n';
  const nb = notebookProgram([{ kind: 'code', source: small }, { kind: 'code', source: blockAndBig }, { kind: 'code', source: run }]);
  const doc = new AnalyzedDocument('python', nb.text);
  try {
    const analysis = doc.analyze();
    const view = cellView(analysisByCell(nb, analysis), 1);
    assert.deepEqual(view.models.map((m) => m.name).sort(), ['Big', 'Small'], 'both models have a layer in the block\'s cell');
    const lines = blockAndBig.split('\n');
    const inBig = { line: lines.indexOf('    def forward(self, x):', lines.indexOf('class Big(nn.Module):')) + 1, character: 8 };
    const smallRange = view.models.find((m) => m.name === 'Small')?.range;
    const localOffset = lines.slice(0, inBig.line).join('\n').length + 1 + inBig.character;
    assert.ok(smallRange && smallRange.startOffset <= localOffset && localOffset <= smallRange.endOffset, 'the cell-local offset falls in Small\'s cell-local range');
    assert.equal(cellModelAt(nb, analysis, view, 1, inBig)?.name, 'Big');
    // In Small's own cell, Small.
    assert.equal(cellModelAt(nb, analysis, cellView(analysisByCell(nb, analysis), 0), 0, { line: 12, character: 8 })?.name, 'Small');
    // The block's hint shows Big's shape, not Small's.
    const site = view.sites.find((s) => s.range.start.line === 6 && s.byModel?.['Big'] && s.byModel['Small']);
    assert.ok(site, JSON.stringify(view.sites.map((s) => [s.range.start.line, Object.keys(s.byModel ?? {})])));
    assert.notDeepEqual(site.byModel?.['Big'], site.byModel?.['Small']);
    const hint = shapeHints(view, cellModelAt(nb, analysis, view, 1, inBig)?.name).find((h) => h.position.line === 6);
    assert.equal(hint?.label, siteHint(site, 'Big').label);
  } finally {
    doc.dispose();
  }
});
