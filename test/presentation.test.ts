// The editor-neutral presentation: summaries, hovers, tables and shape comments, from real analyses of the fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from './support/analyze';
import {
  findForward, findHoverTarget, fixesAt, formatCount, formatMacs, hoverMarkdown, layerTableMarkdown, modelAt, modelSummary, parseShapeInput, parseShapeSetting,
  shapeCommentEdit, shapeHints, siteHint, wordAt,
} from '../src/core/presentation';


function fixture(name: string): string {
  return readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', name), 'utf8');
}


test('counts are compact for one-line summaries', () => {
  assert.equal(formatCount(448), '448');
  assert.equal(formatCount(20_586), '20.6K');
  assert.equal(formatCount(11_689_512), '11.7M');
  assert.equal(formatMacs(12_345), '12.3K');
  assert.equal(formatMacs(600_000), '0.6M');
  assert.equal(formatMacs(1_820_000_000), '1.8G');
});

test('code lens summary of seed 000 reads input -> output with params', async () => {
  const analysis = await analyze(fixture('seed000_convnet_example_input.py'));
  const model = analysis.models[0];
  assert.ok(model);
  assert.match(modelSummary(model), /^input \[1, 3, 32, 32\] -> output \[1, 10\] · 25\.6K params/);
});

test('hover on convo_layer_three in __init__ of seed 001 says it does not fit', async () => {
  const text = fixture('seed001_third_conv_in_channels.py');
  const analysis = await analyze(text);
  const start = text.indexOf('convo_layer_three =');
  const target = findHoverTarget(analysis, start + 3, { text: 'convo_layer_three', startOffset: start, endOffset: start + 'convo_layer_three'.length });
  assert.ok(target && target.kind === 'layers');
  const markdown = hoverMarkdown(target);
  assert.match(markdown, /\*\*convo_layer_three\*\* · `Conv2d`/);
  assert.match(markdown, /`\[N, 32, H - 2, W - 2\]` → `✗ does not fit/);
});

test('hover on a forward variable shows its shape, on the layer call the layer', async () => {
  const text = fixture('seed000_convnet_example_input.py');
  const analysis = await analyze(text);
  const statement = text.indexOf('x = self.conv2(x)');
  const onVariable = findHoverTarget(analysis, statement);
  assert.equal(onVariable?.kind, 'site');
  assert.equal(onVariable && hoverMarkdown(onVariable), 'Shape: `[1, 32, 16, 16]`');
  const onCall = findHoverTarget(analysis, statement + 'x = self.co'.length);
  assert.equal(onCall?.kind, 'layers');
  assert.match(onCall ? hoverMarkdown(onCall) : '', /\*\*conv2\*\*[\s\S]*H_out = /);
});

test('the layer table has one aligned row per layer', async () => {
  const analysis = await analyze(fixture('seed000_convnet_example_input.py'));
  const model = analysis.models[0];
  assert.ok(model);
  const rows = layerTableMarkdown(model, 'seed000.py').split('\n').filter((l) => l.startsWith('|'));
  assert.equal(rows.length, 2 + model.layers.length);
  assert.equal(new Set(rows.map((r) => r.length)).size, 1, 'columns are padded to one width');
});

test('shape input accepts brackets, tuples and symbolic batch sizes, and explains mistakes', () => {
  assert.deepEqual(parseShapeInput('[1, 3, 32, 32]'), { shape: [1, 3, 32, 32] });
  assert.deepEqual(parseShapeInput('(B, 3, 32, 32)'), { shape: ['B', 3, 32, 32] });
  assert.match((parseShapeInput('[1, 3, 3.5]') as { error: string }).error, /"3.5" is not a dimension/);
  assert.match((parseShapeInput('[0, 3]') as { error: string }).error, /must be positive/);
});

test('the shape comment goes above def forward, and replaces an existing one for the same input', async () => {
  const text = fixture('seed001_third_conv_in_channels.py');
  const analysis = await analyze(text);
  const model = modelAt(analysis, text.indexOf('def forward'));
  assert.ok(model);
  const forward = findForward(text, model);
  assert.deepEqual(forward?.params, ['x']);
  assert.ok(forward);
  const insert = shapeCommentEdit(text, forward, 'x', [1, 1, 28, 28]);
  const edited = text.slice(0, insert.startOffset) + insert.newText + text.slice(insert.endOffset);
  assert.match(edited, /\n {4}# x: \[1, 1, 28, 28\]\n {4}def forward\(self, x\):/);
  const again = await analyze(edited);
  const model2 = again.models[0];
  assert.ok(model2);
  assert.equal(model2.inputSource, 'comment');
  const forward2 = findForward(edited, model2);
  assert.ok(forward2);
  const replace = shapeCommentEdit(edited, forward2, 'x', ['B', 1, 64, 64]);
  const twice = edited.slice(0, replace.startOffset) + replace.newText + edited.slice(replace.endOffset);
  assert.equal(twice.match(/# x: /g)?.length, 1);
  assert.match(twice, /# x: \[B, 1, 64, 64\]\n {4}def forward/);
});

test('wordAt finds the identifier under or just after the cursor, and nothing on numbers or spaces', () => {
  const text = 'x = self.conv_1(x)  # 64';
  const at = (i: number) => wordAt(text, i)?.text;
  assert.equal(at(text.indexOf('conv_1')), 'conv_1');
  assert.equal(at(text.indexOf('conv_1') + 6), 'conv_1');
  assert.equal(at(text.indexOf('self') + 2), 'self');
  assert.equal(at(text.indexOf('64') + 1), undefined);
  assert.equal(at(1), 'x');
  assert.equal(at(2), undefined);
  assert.equal(wordAt(text, -1), undefined);
  assert.equal(wordAt(text, text.length + 1), undefined);
});

test('fixesAt offers the seed 001 fixes on the finding range and the ranges touching it, and none elsewhere', async () => {
  const analysis = await analyze(fixture('seed001_third_conv_in_channels.py'));
  const [finding] = analysis.findings;
  assert.ok(finding && finding.fixes.length > 0);
  const { start, end } = finding.range;
  assert.deepEqual(fixesAt(analysis, { start, end }).map((f) => f.fix), finding.fixes);
  assert.equal(fixesAt(analysis, { start: end, end: { line: end.line, character: end.character + 5 } }).length, finding.fixes.length);
  assert.equal(fixesAt(analysis, { start: { line: start.line, character: 0 }, end: { line: start.line, character: start.character - 1 } }).length, 0);
  assert.equal(fixesAt(analysis, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }).length, 0);
});

test('shapeHints label each hinted statement of seed 000 with its shapes, at the statement end', async () => {
  const analysis = await analyze(fixture('seed000_convnet_example_input.py'));
  const hints = shapeHints(analysis);
  const sites = analysis.sites.filter((s) => s.hint && s.shapes.length > 0);
  assert.ok(sites.length > 0);
  assert.deepEqual(hints.map((h) => h.position), sites.map((s) => s.range.end));
  assert.deepEqual(hints.map((h) => h.label), sites.map((s) => `→ ${s.shapes.map((shape) => `[${shape.join(', ')}]`).join(' | ')}`));
});

test('the defaultInputShape setting takes a string or the old list of integers, and names what is not a shape', () => {
  assert.deepEqual(parseShapeSetting('1,3,224,224'), { shape: [1, 3, 224, 224] });
  assert.deepEqual(parseShapeSetting('[B, 3, 224, 224]'), { shape: ['B', 3, 224, 224] });
  assert.deepEqual(parseShapeSetting(' (1, 1, 28, 28) '), { shape: [1, 1, 28, 28] });
  assert.deepEqual(parseShapeSetting([1, 3, 32, 32]), { shape: [1, 3, 32, 32] }, 'a value saved by an older version still works');
  for (const empty of ['', '  ', [], undefined, null]) assert.deepEqual(parseShapeSetting(empty), { shape: [] }, `${JSON.stringify(empty)} means symbolic`);
  for (const bad of ['1,,3', 'abc def', '[1, 0, 32, 32]', [1, 'x'], [1, 2.5], 7, { a: 1 }, 'big', '1', [1]]) {
    const parsed = parseShapeSetting(bad);
    assert.ok('error' in parsed && /shape such as|dimension|positive|e\.g\./i.test(parsed.error), `${JSON.stringify(bad)}: ${JSON.stringify(parsed)}`);
  }
});

interface TorchGolden {
  models: Array<{ layers: Array<{ name: string; output: number[] }>; blockParams?: Record<string, number> }>;
}

test('hover on a block call in forward gives the block\'s input → output, params and MACs, as PyTorch has them (ResNet-18)', async () => {
  const text = readFileSync(join(__dirname, '..', '..', 'test', 'corpus', 'torch', 'resnet18.py'), 'utf8');
  const golden = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'test', 'goldens', 'torch', 'resnet18.json'), 'utf8')) as TorchGolden).models[0];
  assert.ok(golden?.blockParams, 'the golden has per-block parameters');
  // As the corpus runs it: built by the manifest's expression, on PyTorch's input.
  const analysis = await analyze(text, 'python', { construct: { ResNet: 'ResNet(BasicBlock, [2, 2, 2, 2])' }, inputs: { ResNet: [1, 3, 224, 224] } });
  for (const [block, before] of [['layer2', 'layer1.1.bn2'], ['layer4', 'layer3.1.bn2']] as const) {
    const call = text.indexOf(`self.${block}(x)`);
    const word = { text: block, startOffset: call + 'self.'.length, endOffset: call + 'self.'.length + block.length };
    const target = findHoverTarget(analysis, word.startOffset + 2, word);
    assert.ok(target?.kind === 'block', `${block}: ${target?.kind}`);
    const markdown = hoverMarkdown(target);
    const input = golden.layers.filter((l) => l.name === before).at(-1)?.output;
    const output = golden.layers.filter((l) => l.name.startsWith(`${block}.`)).at(-1)?.output;
    assert.ok(input && output);
    assert.ok(markdown.includes(`\`[${input.join(', ')}]\` → \`[${output.join(', ')}]\``), `${block} input → output from PyTorch:\n${markdown}`);
    assert.ok(markdown.includes(`Params **${(golden.blockParams[block] as number).toLocaleString('en-US')}**`), `${block} params from PyTorch:\n${markdown}`);
    const model = analysis.models.find((m) => m.name === target.model.name);
    const macs = model?.layers.filter((l) => l.name.startsWith(`${block}.`)).reduce((a, l) => a + (l.macs ?? 0), 0) ?? 0;
    assert.ok(macs > 0 && markdown.includes(`MACs **${formatMacs(macs)}**`), `${block} MACs are its layers' sum:\n${markdown}`);
  }
  // The variable in the same statement still shows its shape; a layer call still shows the layer.
  const x = text.indexOf('x = self.layer2(x)');
  const onVariable = findHoverTarget(analysis, x, { text: 'x', startOffset: x, endOffset: x + 1 });
  assert.equal(onVariable?.kind, 'site');
});

test('the hint in a block two models use shows the shapes of the model in view, the others in its tooltip and hover', async () => {
  const text = fixture('shared_block_two_models.py');
  const analysis = await analyze(text);
  const statement = text.indexOf('x = self.conv(x)');
  const site = analysis.sites.find((s) => s.hint && s.range.startOffset === statement);
  assert.ok(site, 'the block statement has a hint site');
  const convOut = (model: string, layer: string): string => {
    const out = analysis.models.find((m) => m.name === model)?.layers.find((l) => l.name === layer)?.output;
    assert.ok(out, `${model}.${layer} has an output`);
    return `[${out.join(', ')}]`;
  };
  assert.deepEqual(Object.keys(site.byModel ?? {}).sort(), ['Small', 'Wide']);
  assert.equal(siteHint(site, 'Small').label, `→ ${convOut('Small', 'block.conv')}`, 'Small uses the block once: its one shape, nothing more');
  assert.equal(siteHint(site, 'Wide').label, `→ ${convOut('Wide', 'block1.conv')} (+1 more)`, 'Wide: its first call, and that there is another');
  assert.doesNotMatch(siteHint(site, 'Wide').label, /\|/);
  const tooltip = siteHint(site, 'Small').tooltip;
  for (const [model, layer] of [['Small', 'block.conv'], ['Wide', 'block1.conv'], ['Wide', 'block2.conv']] as const) {
    assert.ok(tooltip.includes(convOut(model, layer)), `the tooltip lists ${model}'s ${layer}: ${tooltip}`);
  }
  assert.match(siteHint(site).label, /\(\+2 more\)$/, 'with no model in view: the first shape and how many others');
  const hover = findHoverTarget(analysis, statement);
  assert.ok(hover?.kind === 'site');
  const markdown = hoverMarkdown(hover);
  assert.ok(markdown.includes(`- Small: \`${convOut('Small', 'block.conv')}\``) && markdown.includes(`- Wide: \`${convOut('Wide', 'block1.conv')}\` · \`${convOut('Wide', 'block2.conv')}\``), markdown);
  // A model whose line has a single shape: the plain hint, no tooltip.
  const stem = analysis.sites.find((s) => s.hint && s.range.startOffset === text.indexOf('x = self.stem(x)'));
  assert.ok(stem);
  assert.deepEqual(siteHint(stem, 'Small'), { label: `→ ${convOut('Small', 'stem')}`, tooltip: '' });
});
