// `conv-lens lsp --stdio` driven as an editor drives it: the shipped bundle (out/cli.js) in a child process,
// spoken to over stdio. Expected values come from the same core analysing the same text in this process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, type Message } from './support/lspClient';
import { analyze } from './support/analyze';
import { hoverMarkdown, findHoverTarget, modelSummary, shapeHints, wordAt } from '../src/core/presentation';
import { analysisByCell, cellView, notebookProgram, parseIpynb } from '../src/core/index';
import { sym } from '../src/core/dims';

const root = join(__dirname, '..', '..');
const fixturePath = join(root, 'test', 'fixtures', 'seed001_third_conv_in_channels.py');
const text = readFileSync(fixturePath, 'utf8');
const uri = pathToFileURL(fixturePath).href;

interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  code: string;
  source: string;
  message: string;
  codeDescription?: { href: string };
  relatedInformation?: Array<{ location: { uri: string; range: unknown }; message: string }>;
}

function positionOf(haystack: string, needle: string, from = 0): { line: number; character: number } {
  const offset = haystack.indexOf(needle, from);
  assert.ok(offset >= 0, `${needle} not in the text`);
  const before = haystack.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

function diagnosticsOf(m: Message): LspDiagnostic[] {
  return (m.params as { diagnostics: LspDiagnostic[] }).diagnostics;
}

let client: LspClient;

before(async () => {
  client = new LspClient(process.execPath, [join(root, 'out', 'cli.js'), 'lsp', '--stdio'], root);
  const init = await client.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    capabilities: { workspace: { configuration: false }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
  });
  assert.equal(init.error, undefined);
  client.notify('initialized', {});
});

after(() => client.kill());

test('initialize announces incremental sync, notebook sync, hover, inlay hints, quick fixes and code lens', async () => {
  const init = client.received.find((m) => m.id === 1);
  const caps = (init?.result as { capabilities: Record<string, unknown> }).capabilities;
  assert.deepEqual(caps['textDocumentSync'], { openClose: true, change: 2 });
  assert.equal(caps['hoverProvider'], true);
  assert.equal(caps['inlayHintProvider'], true);
  assert.deepEqual(caps['codeActionProvider'], { codeActionKinds: ['quickfix'] });
  assert.deepEqual(caps['codeLensProvider'], { resolveProvider: false });
  assert.deepEqual(caps['notebookDocumentSync'], { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] });
});

test('seed 001 over LSP: the error on its line, hover, hints, quick fix, code lens, and the fix clears the error', async () => {
  const expected = await analyze(text);
  const since = client.received.length;
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });

  const published = await client.diagnostics(uri, since, 1);
  const diagnostics = diagnosticsOf(published);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const [error] = diagnostics;
  assert.ok(error);
  const bad = positionOf(text, '64, 32, 2');
  assert.equal(error.code, 'channel-mismatch');
  assert.equal(error.severity, 1);
  assert.equal(error.source, 'Conv Lens');
  assert.deepEqual(error.range, { start: bad, end: { line: bad.line, character: bad.character + 2 } });
  assert.equal(bad.line + 1, 10);
  assert.match(error.message, /^Conv2d expects 64 input channels but receives 32/);
  assert.match(error.codeDescription?.href ?? '', /^file:\/\/.*README\.md#code-channel-mismatch$/);
  assert.deepEqual(error.relatedInformation?.map((r) => r.location.uri), expected.findings[0]?.related.map(() => uri));

  // Hover on the second conv's call in forward: the layer, with the shape it produces.
  const call = positionOf(text, 'convo_layer_two(x)');
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: call.line, character: call.character + 3 } });
  const contents = (hover.result as { contents: { kind: string; value: string } }).contents;
  assert.equal(contents.kind, 'markdown');
  const layer = expected.models[0]?.layers.find((l) => l.name === 'convo_layer_two');
  assert.ok(layer?.output);
  assert.ok(contents.value.includes(`\`[${layer.output.join(', ')}]\``), contents.value);
  const offset = text.indexOf('convo_layer_two(x)') + 3;
  const target = findHoverTarget(expected, offset, { text: 'convo_layer_two', startOffset: offset - 3, endOffset: offset - 3 + 'convo_layer_two'.length });
  assert.ok(target);
  assert.equal(contents.value, hoverMarkdown(target));

  const hints = await client.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } } });
  assert.deepEqual(
    (hints.result as Array<{ position: unknown; label: string; tooltip?: { value: string } }>).map((h) => ({ position: h.position, label: h.label, tooltip: h.tooltip?.value ?? '' })),
    shapeHints(expected),
  );
  assert.ok(shapeHints(expected).some((h) => h.label === `→ [${layer.output?.join(', ')}]`), 'a hint shows the second conv\'s output');

  const lenses = await client.request('textDocument/codeLens', { textDocument: { uri } });
  const [lens] = lenses.result as Array<{ range: { start: { line: number } }; command: { title: string } }>;
  const model = expected.models[0];
  assert.ok(lens && model);
  assert.equal(lens.command.title, modelSummary(model));
  assert.equal(lens.range.start.line, model.range.start.line);

  const actions = await client.request('textDocument/codeAction', { textDocument: { uri }, range: error.range, context: { diagnostics: [error] } });
  const fixes = actions.result as Array<{ title: string; kind: string; isPreferred: boolean; diagnostics?: unknown[]; edit: { changes: Record<string, Array<{ range: LspDiagnostic['range']; newText: string }>> } }>;
  const preferred = fixes.find((f) => f.isPreferred);
  assert.ok(preferred, JSON.stringify(fixes));
  assert.equal(preferred.kind, 'quickfix');
  assert.deepEqual(preferred.diagnostics, [error]);
  const edits = preferred.edit.changes[uri];
  assert.ok(edits && edits.length === 1 && edits[0]);
  assert.equal(edits[0].newText, '32');

  // The editor applies the fix as an incremental change: the error clears.
  const beforeFix = client.received.length;
  client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: edits[0].range, text: edits[0].newText }] });
  assert.deepEqual(diagnosticsOf(await client.diagnostics(uri, beforeFix, 2)), []);
});

test('several incremental changes in one didChange apply in order, each against the text the previous left', async () => {
  const doc = 'file:///memory/two_edits.py';
  let since = client.received.length;
  client.notify('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text } });
  assert.equal(diagnosticsOf(await client.diagnostics(doc, since, 1)).length, 1);
  // First insert two lines at the top, then fix the channel count on its (now moved) line.
  const bad = positionOf(text, '64, 32, 2');
  const moved = { line: bad.line + 2, character: bad.character };
  since = client.received.length;
  client.notify('textDocument/didChange', {
    textDocument: { uri: doc, version: 2 },
    contentChanges: [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# two lines\n# added\n' },
      { range: { start: moved, end: { line: moved.line, character: moved.character + 2 } }, text: '32' },
    ],
  });
  assert.deepEqual(diagnosticsOf(await client.diagnostics(doc, since, 2)), []);
  // And the analysis is that of the final text: the hover on the third conv now fits.
  const edited = `# two lines\n# added\n${text.replace('64, 32, 2', '32, 32, 2')}`;
  const expected = await analyze(edited);
  const call = positionOf(edited, 'convo_layer_three(x)');
  const hover = await client.request('textDocument/hover', { textDocument: { uri: doc }, position: { line: call.line, character: call.character + 1 } });
  const offset = edited.indexOf('convo_layer_three(x)') + 1;
  const target = findHoverTarget(expected, offset, { text: 'convo_layer_three', startOffset: offset - 1, endOffset: offset - 1 + 'convo_layer_three'.length });
  assert.ok(target);
  assert.equal((hover.result as { contents: { value: string } }).contents.value, hoverMarkdown(target));
});

test('the input-shape setting from workspace/didChangeConfiguration reaches the analysis', async () => {
  const doc = 'file:///memory/configured.py';
  const fixed = text.replace('64, 32, 2', '32, 32, 2');
  let since = client.received.length;
  client.notify('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text: fixed } });
  await client.diagnostics(doc, since, 1);
  const lensTitle = async (): Promise<string> => {
    const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc } });
    return (lenses.result as Array<{ command: { title: string } }>)[0]?.command.title ?? '';
  };
  const symbolic = await analyze(fixed);
  assert.equal(await lensTitle(), modelSummary(symbolic.models[0] as NonNullable<(typeof symbolic.models)[0]>));

  since = client.received.length;
  client.notify('workspace/didChangeConfiguration', { settings: { convLens: { defaultInputShape: [1, 1, 28, 28], pythonPath: '/usr/bin/python3' } } });
  await client.diagnostics(doc, since);
  const concrete = await analyze(fixed, 'python', { defaultInput: [1, 1, 28, 28] });
  const title = await lensTitle();
  assert.equal(title, modelSummary(concrete.models[0] as NonNullable<(typeof concrete.models)[0]>));
  assert.match(title, /^input \[1, 1, 28, 28\]/);

  // The string form the VS Code Settings UI writes works too, with a symbolic batch.
  since = client.received.length;
  client.notify('workspace/didChangeConfiguration', { settings: { convLens: { defaultInputShape: '[B, 1, 28, 28]' } } });
  await client.diagnostics(doc, since);
  const named = await analyze(fixed, 'python', { defaultInput: [sym('B'), 1, 28, 28] });
  assert.equal(await lensTitle(), modelSummary(named.models[0] as NonNullable<(typeof named.models)[0]>));

  // A malformed value keeps the default (symbolic) instead of breaking analysis.
  since = client.received.length;
  client.notify('workspace/didChangeConfiguration', { settings: { convLens: { defaultInputShape: 'big' } } });
  await client.diagnostics(doc, since);
  assert.equal(await lensTitle(), modelSummary(symbolic.models[0] as NonNullable<(typeof symbolic.models)[0]>));
});

test('TypeScript documents are analysed too (a TensorFlow.js model gets its code lens)', async () => {
  const tsPath = join(root, 'test', 'fixtures', 'tfjs_sequential_conv.ts');
  const tsText = readFileSync(tsPath, 'utf8');
  const doc = pathToFileURL(tsPath).href;
  const since = client.received.length;
  client.notify('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'typescript', version: 1, text: tsText } });
  await client.diagnostics(doc, since, 1);
  const expected = await analyze(tsText, 'typescript');
  assert.ok(expected.models.length > 0);
  const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc } });
  assert.deepEqual((lenses.result as Array<{ command: { title: string } }>).map((l) => l.command.title), expected.models.map((m) => modelSummary(m, expected.models.some((x) => x.instantiated))));
});

test('malformed requests get error responses and the server keeps answering', async () => {
  const noParams = await client.request('textDocument/hover', {});
  assert.equal(noParams.error?.code, -32602, JSON.stringify(noParams));
  const badPosition = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: -1, character: 'x' } });
  assert.equal(badPosition.error?.code, -32602);
  const unknown = await client.request('convLens/noSuchMethod', {});
  assert.equal(unknown.error?.code, -32601);
  const badCommand = await client.request('workspace/executeCommand', { command: 'rm -rf', arguments: [] });
  assert.equal(badCommand.error?.code, -32602);
  // Not JSON at all, then notifications with wrong shapes and edits past the end of the file.
  client.sendRaw('{"jsonrpc": "2.0", "id": 999, "method": ');
  client.notify('textDocument/didOpen', { textDocument: { uri: 42 } });
  client.notify('textDocument/didChange', { textDocument: { uri, version: 9 }, contentChanges: 'all of it' });
  const garbage = 'file:///memory/garbage.py';
  client.notify('textDocument/didOpen', { textDocument: { uri: garbage, languageId: 'python', version: 1, text: '\u0000\uffff)(][ def class nn.Conv2d(((' } });
  client.notify('textDocument/didChange', {
    textDocument: { uri: garbage, version: 2 },
    contentChanges: [{ range: { start: { line: 500, character: 3 }, end: { line: 2, character: 0 } }, text: 'x = nn.Conv2d(\n' }],
  });
  // Still alive: the seed document answers as before.
  const call = positionOf(text, 'convo_layer_two(x)');
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: call.line, character: call.character + 3 } });
  assert.equal(hover.error, undefined);
  assert.match((hover.result as { contents: { value: string } }).contents.value, /\*\*convo_layer_two\*\*/);
  const table = await client.request('workspace/executeCommand', { command: 'convLens.showLayerTable', arguments: [uri, 'MedicalImageModel'] });
  assert.match(table.result as string, /^# MedicalImageModel/);
});

test('a project over LSP: the bug between two imported blocks is published on the importing file once its imports are read', async () => {
  const file = join(root, 'test', 'projects', 'broken_across_files', 'train.py');
  const source = readFileSync(file, 'utf8');
  const doc = pathToFileURL(file).href;
  let since = client.received.length;
  client.notify('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text: source } });
  let diagnostics: LspDiagnostic[] = [];
  // The first publish may come before blocks.py is read; the server publishes again once it is.
  for (let i = 0; i < 5 && !diagnostics.some((d) => d.severity === 1); i++) {
    const published = await client.diagnostics(doc, since);
    since = client.received.indexOf(published) + 1;
    diagnostics = diagnosticsOf(published);
  }
  const error = diagnostics.find((d) => d.severity === 1);
  assert.ok(error, JSON.stringify(diagnostics));
  assert.equal(error.code, 'channel-mismatch');
  assert.equal(error.range.start.line, positionOf(source, 'self.block2 = ConvBlock').line);
  assert.ok(error.relatedInformation?.some((r) => r.location.uri.endsWith('/broken_across_files/blocks.py')), JSON.stringify(error.relatedInformation));
});

test('a notebook over LSP 3.17 notebook sync: the code cells are one program, problems and hovers per cell URI, an edit in a later cell re-analyses the model\'s cell', async () => {
  // Model in cell 3, a [4, 3, 32, 32] batch in cell 4, the call in cell 5 (Jupyter's numbering); PyTorch's run is the golden.
  const file = join(root, 'test', 'notebooks', 'linear_too_small.ipynb');
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'notebooks', 'linear_too_small.json'), 'utf8')) as {
    modules: Array<{ type: string; cell: number; line: number; outputs: number[][] }>;
  };
  const read = parseIpynb(readFileSync(file, 'utf8'));
  assert.ok(!('error' in read));
  const notebook = pathToFileURL(file).href;
  const cellUris = read.cells.map((_, i) => `vscode-notebook-cell:${pathToFileURL(file).pathname}#W${i}sZmlsZQ%3D%3D`);
  const expected = analysisByCell(notebookProgram(read.cells), await analyze(notebookProgram(read.cells).text));
  const modelCell = read.cells.findIndex((c) => c.source.includes('nn.Sequential('));
  const batchCell = read.cells.findIndex((c) => c.source.includes('torch.randn'));
  const runCell = read.cells.findIndex((c) => c.source.includes('model(batch)'));
  assert.deepEqual([modelCell, batchCell, runCell], [2, 3, 4]);

  let since = client.received.length;
  client.notify('notebookDocument/didOpen', {
    notebookDocument: { uri: notebook, notebookType: 'jupyter-notebook', version: 1, cells: read.cells.map((c, i) => ({ kind: c.kind === 'markdown' ? 1 : 2, document: cellUris[i] })) },
    cellTextDocuments: read.cells.map((c, i) => ({ uri: cellUris[i], languageId: c.kind === 'markdown' ? 'markdown' : 'python', version: 1, text: c.source })),
  });
  const modelUri = cellUris[modelCell] as string;
  const published = diagnosticsOf(await client.diagnostics(modelUri, since, 1));
  const want = cellView(expected, modelCell).findings;
  assert.deepEqual(published.map((d) => [d.code, d.range]), want.map((f) => [f.code, { start: f.range.start, end: f.range.end }]));
  const error = published.find((d) => d.code === 'linear-in-features');
  assert.ok(error, JSON.stringify(published));
  // The Linear's line within its cell, and the related location in the cell that calls the model.
  assert.equal(error.range.start.line + 1, golden.modules.find((m) => m.type === 'Linear')?.line);
  assert.ok(error.relatedInformation?.some((r) => r.location.uri === cellUris[runCell]), JSON.stringify(error.relatedInformation));
  assert.deepEqual(diagnosticsOf(await client.diagnostics(cellUris[runCell] as string, since, 1)), []);

  // Hover on the MaxPool in the model cell: the shape PyTorch gave it on the later cell's batch.
  const source = read.cells[modelCell]?.source ?? '';
  const at = positionOf(source, 'MaxPool2d');
  const hover = await client.request('textDocument/hover', { textDocument: { uri: modelUri }, position: { line: at.line, character: at.character + 2 } });
  const value = (hover.result as { contents: { value: string } }).contents.value;
  const offset = source.indexOf('MaxPool2d') + 2;
  const target = findHoverTarget(cellView(expected, modelCell), offset, wordAt(source, offset));
  assert.ok(target);
  assert.equal(value, hoverMarkdown(target));
  const pool = golden.modules.find((m) => m.type === 'MaxPool2d');
  assert.ok(pool?.outputs[0]);
  assert.ok(value.includes(`[${pool.outputs[0].join(', ')}]`), value);

  // The batch cell is edited to 28x28 images: the model's cell is analysed again and its error goes.
  const batchSource = read.cells[batchCell]?.source ?? '';
  const size = positionOf(batchSource, '32, 32');
  since = client.received.length;
  client.notify('notebookDocument/didChange', {
    notebookDocument: { uri: notebook, version: 2 },
    change: { cells: { textContent: [{ document: { uri: cellUris[batchCell], version: 2 }, changes: [{ range: { start: size, end: { line: size.line, character: size.character + 6 } }, text: '28, 28' }] }] } },
  });
  const edited = read.cells.map((c, i) => (i === batchCell ? { ...c, source: batchSource.replace('32, 32', '28, 28') } : c));
  const after = analysisByCell(notebookProgram(edited), await analyze(notebookProgram(edited).text));
  assert.deepEqual(cellView(after, modelCell).findings.filter((f) => f.severity === 'error'), []);
  const republished = diagnosticsOf(await client.diagnostics(modelUri, since, 1));
  assert.deepEqual(republished.filter((d) => d.severity === 1), []);

  // The run cell is deleted: its problems are cleared; closing the notebook clears the rest.
  since = client.received.length;
  client.notify('notebookDocument/didChange', {
    notebookDocument: { uri: notebook, version: 3 },
    change: { cells: { structure: { array: { start: runCell, deleteCount: 1 }, didClose: [{ uri: cellUris[runCell] }] } } },
  });
  assert.deepEqual(diagnosticsOf(await client.diagnostics(cellUris[runCell] as string, since)), []);
  since = client.received.length;
  client.notify('notebookDocument/didClose', { notebookDocument: { uri: notebook }, cellTextDocuments: cellUris.map((uri) => ({ uri })) });
  assert.deepEqual(diagnosticsOf(await client.diagnostics(modelUri, since)), []);
  const gone = await client.request('textDocument/hover', { textDocument: { uri: modelUri }, position: { line: at.line, character: at.character + 2 } });
  assert.equal(gone.result, null);
});

test('shutdown then exit ends the server with status 0', async () => {
  const shutdown = await client.request('shutdown');
  assert.equal(shutdown.error, undefined);
  assert.equal(shutdown.result, null);
  client.notify('exit');
  assert.equal(await client.exit(), 0);
});

/** A second server, set up as another editor would, with one model document open; returns its code lens title. */
async function lensTitleWith(init: Record<string, unknown>, configuration: unknown): Promise<string> {
  const other = new LspClient(process.execPath, [join(root, 'out', 'cli.js'), 'lsp', '--stdio'], root, configuration);
  try {
    const pulls = configuration !== null;
    await other.request('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: pulls } }, ...init });
    other.notify('initialized', {});
    if (pulls) await other.waitFor((m) => m.method === 'workspace/configuration', 'the settings request');
    const doc = 'file:///memory/notebook.ipynb.py';
    const since = other.received.length;
    other.notify('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text: text.replace('64, 32, 2', '32, 32, 2') } });
    await other.diagnostics(doc, since, 1);
    const lenses = await other.request('textDocument/codeLens', { textDocument: { uri: doc } });
    return (lenses.result as Array<{ command: { title: string } }>)[0]?.command.title ?? '';
  } finally {
    other.kill();
  }
}

test('settings as Helix passes them (initializationOptions) and as Neovim answers workspace/configuration', async () => {
  const fixed = text.replace('64, 32, 2', '32, 32, 2');
  const expectedTitle = async (shape: number[]): Promise<string> => modelSummary((await analyze(fixed, 'python', { defaultInput: shape })).models[0] as NonNullable<Awaited<ReturnType<typeof analyze>>['models'][0]>);
  assert.equal(await lensTitleWith({ initializationOptions: { convLens: { defaultInputShape: [1, 1, 28, 28] } } }, null), await expectedTitle([1, 1, 28, 28]));
  assert.equal(await lensTitleWith({}, { defaultInputShape: [1, 1, 16, 16], inlayHints: { enabled: true } }), await expectedTitle([1, 1, 16, 16]));
});
