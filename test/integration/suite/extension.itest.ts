/// <reference types="mocha" />
// The extension in a real VS Code: diagnostics, hovers, inlay hints, quick fixes, code lenses and commands,
// read back through the VS Code API as other extensions and the editor would see them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  EXTENSION_ID, convLensDiagnostics, diagnosticsWhere, fixture, hoverText, labelText, openFixture, positionOf, revertAndCloseAll, setSetting, waitFor,
} from './helpers';

const SEED_001 = 'seed001_third_conv_in_channels.py';
const SEED_000 = 'seed000_convnet_example_input.py';
const SEQUENTIAL = 'seed003_sequential_stack.py';
const TFJS = 'tfjs_sequential_conv.ts';
const LARGE = 'large_deep_stack_500_lines.py';
const UNUSED = 'unused_layer.py';
const SAME_STRIDED = 'same_padding_strided_conv.py';
const STALE_COMMENT = 'stale_shape_comment.py';

/** The `<a id="...">` anchors of the README the extension ships, which diagnostic codes link to. */
async function readmeAnchors(): Promise<{ readme: vscode.Uri; anchors: Set<string> }> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension);
  const readme = vscode.Uri.joinPath(extension.extensionUri, 'README.md');
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(readme));
  return { readme, anchors: new Set(Array.from(text.matchAll(/<a id="([^"]+)"><\/a>/g), (m) => m[1] ?? '')) };
}

/** Applies the quick fix titled `title` offered on `diagnostic`, and waits for the file's Conv Lens problems to go. */
async function applyFixAndExpectClean(editor: vscode.TextEditor, diagnostic: vscode.Diagnostic, title: string): Promise<void> {
  const uri = editor.document.uri;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
  const fix = actions.find((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value && a.title === title);
  assert.ok(fix, `no quick fix "${title}" among ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(fix.isPreferred, true, 'the only right fix is preferred');
  assert.ok(fix.edit);
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  await diagnosticsWhere(uri, (d) => d.length === 0, `the problems to clear after "${title}"`);
}

interface Api {
  activationMs: number;
}

suite('Conv Lens in VS Code', () => {
  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<Api>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this VS Code`);
    await openFixture(SEED_001);
    await waitFor('the extension to activate', () => (extension.isActive ? true : undefined), 20_000);
  });

  teardown(async () => {
    await revertAndCloseAll();
    await setSetting('defaultInputShape', undefined);
    await setSetting('inlayHints.enabled', undefined);
  });

  test('activates on a Python file within two seconds, parsers included', () => {
    const api = vscode.extensions.getExtension<Api>(EXTENSION_ID)?.exports;
    assert.ok(api && typeof api.activationMs === 'number');
    console.log(`      activate() took ${api.activationMs.toFixed(1)} ms`);
    assert.ok(api.activationMs < 2000, `activation took ${api.activationMs} ms`);
  });

  test('reports in_channels mismatch on the third conv of seed 001', async () => {
    const editor = await openFixture(SEED_001);
    const [diagnostic, ...rest] = await diagnosticsWhere(editor.document.uri, (d) => d.length > 0, 'the channel mismatch');
    assert.ok(diagnostic);
    assert.equal(rest.length, 0, 'exactly one finding');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(editor.document.getText(diagnostic.range), '64');
    assert.equal(diagnostic.range.start.line, positionOf(editor.document, 'nn.Conv2d(64').line);
    assert.match(diagnostic.message, /64 input channels.*32/);
    assert.ok(typeof diagnostic.code === 'object', 'the code links to its documentation');
    assert.equal(diagnostic.code.value, 'channel-mismatch');
    assert.equal(diagnostic.code.target.fragment, 'code-channel-mismatch');
  });

  test('the channel mismatch points at the out_channels of the layer that produced 32 channels', async () => {
    const editor = await openFixture(SEED_001);
    const [diagnostic] = await diagnosticsWhere(editor.document.uri, (d) => d.length === 1, 'the channel mismatch');
    const related = diagnostic?.relatedInformation ?? [];
    const producer = related.find((r) => /comes from/.test(r.message));
    assert.ok(producer, JSON.stringify(related.map((r) => r.message)));
    assert.equal(producer.location.uri.toString(), editor.document.uri.toString());
    assert.equal(producer.location.range.start.line, positionOf(editor.document, 'self.convo_layer_two = nn.Conv2d(16, 32').line);
    assert.equal(editor.document.getText(producer.location.range), '32');
    const applied = related.find((r) => /applied here/.test(r.message));
    assert.equal(applied?.location.range.start.line, positionOf(editor.document, 'self.convo_layer_three(x)').line);
  });

  test('an unused layer is a warning tagged Unnecessary on its definition', async () => {
    const editor = await openFixture(UNUSED);
    const [diagnostic, ...rest] = await diagnosticsWhere(editor.document.uri, (d) => d.length > 0, 'the unused-layer warning');
    assert.ok(diagnostic);
    assert.equal(rest.length, 0, JSON.stringify(rest.map((d) => d.message)));
    assert.equal(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code, 'unused-layer');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(diagnostic.tags, [vscode.DiagnosticTag.Unnecessary]);
    assert.equal(diagnostic.range.start.line, positionOf(editor.document, 'self.bn1 =').line);
    assert.match(diagnostic.message, /self\.bn1 \(BatchNorm2d\)/);
  });

  test('every diagnostic code links to an anchor that exists in the shipped README', async () => {
    const { readme, anchors } = await readmeAnchors();
    assert.ok(anchors.size > 10, `only ${anchors.size} anchors found in ${readme.toString()}`);
    const seen = new Set<string>();
    for (const name of [SEED_001, UNUSED, SAME_STRIDED, STALE_COMMENT]) {
      const editor = await openFixture(name);
      const diagnostics = await diagnosticsWhere(editor.document.uri, (d) => d.length > 0, `the findings of ${name}`);
      for (const diagnostic of diagnostics) {
        assert.ok(typeof diagnostic.code === 'object', `${name}: ${diagnostic.message} has no documentation link`);
        const { value, target } = diagnostic.code;
        assert.equal(target.with({ fragment: '' }).toString(), readme.toString(), `${value} links to ${target.toString()}`);
        assert.equal(target.fragment, `code-${value}`);
        assert.ok(anchors.has(target.fragment), `README.md has no <a id="${target.fragment}">`);
        seen.add(String(value));
      }
    }
    assert.deepEqual([...seen].sort(), ['channel-mismatch', 'same-padding-stride', 'stale-shape-comment', 'unused-layer']);
  });

  test("the padding='same' on a strided conv quick fix writes padding=1 and the error goes away", async () => {
    const editor = await openFixture(SAME_STRIDED);
    const [diagnostic] = await diagnosticsWhere(editor.document.uri, (d) => d.length === 1, "the padding='same' error");
    assert.ok(diagnostic);
    assert.equal(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code, 'same-padding-stride');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    await applyFixAndExpectClean(editor, diagnostic, 'Use padding=1');
    assert.match(editor.document.getText(), /nn\.Conv2d\(16, 32, kernel_size=3, stride=2, padding=1\)/);
  });

  test('the stale shape comment quick fix rewrites the comment and the warning goes away', async () => {
    const editor = await openFixture(STALE_COMMENT);
    const [diagnostic] = await diagnosticsWhere(editor.document.uri, (d) => d.length === 1, 'the stale comment warning');
    assert.ok(diagnostic);
    assert.equal(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code, 'stale-shape-comment');
    assert.equal(editor.document.getText(diagnostic.range), '[1, 16, 32, 32]');
    assert.equal(diagnostic.range.start.line, positionOf(editor.document, 'x = self.pool(x)').line);
    await applyFixAndExpectClean(editor, diagnostic, 'Update the shape comment to [1, 16, 16, 16]');
    assert.match(editor.document.getText(), /x = self\.pool\(x\) {2}# -> \[1, 16, 16, 16\]/);
  });

  test('hover on a layer in __init__ shows input -> output, params and the formula', async () => {
    const editor = await openFixture(SEED_001);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', editor.document.uri, positionOf(editor.document, 'convo_layer_two =', 3),
    );
    const text = hoverText(hovers);
    assert.match(text, /\*\*convo_layer_two\*\* · `Conv2d`/);
    assert.match(text, /`\[N, 16, H - 1, W - 1\]` → `\[N, 32, H - 2, W - 2\]`/);
    assert.match(text, /Params \*\*2,080\*\*/);
  });

  test('hover on a layer call in forward with a concrete input shows the formula and MACs', async () => {
    const editor = await openFixture(SEED_000);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', editor.document.uri, positionOf(editor.document, 'self.conv2(x)', 6),
    );
    const text = hoverText(hovers);
    assert.match(text, /`\[1, 16, 16, 16\]` → `\[1, 32, 16, 16\]`/);
    assert.match(text, /H_out/);
    assert.match(text, /MACs \*\*/);
    assert.match(text, /Receptive field \*\*/);
  });

  test('hover on a variable in forward shows its shape', async () => {
    const editor = await openFixture(SEED_000);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', editor.document.uri, positionOf(editor.document, 'x = self.pool(x)', 0),
    );
    assert.match(hoverText(hovers), /Shape.*\[1, 16, 16, 16\]/);
  });

  test('inlay hints show the shape after each forward statement', async () => {
    const editor = await openFixture(SEED_001);
    const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', editor.document.uri, range);
    const labels = hints.map(labelText);
    assert.ok(labels.includes('→ [N, 16, H - 1, W - 1]'), JSON.stringify(labels));
    const second = hints.find((h) => labelText(h) === '→ [N, 32, H - 2, W - 2]');
    assert.ok(second, JSON.stringify(labels));
    assert.equal(second.position.line, positionOf(editor.document, 'self.convo_layer_two(x)').line);
  });

  test('inlay hints follow convLens.inlayHints.enabled', async () => {
    const editor = await openFixture(SEED_001);
    const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    await setSetting('inlayHints.enabled', false);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', editor.document.uri, range);
    assert.equal(hints.length, 0);
  });

  test('the preferred quick fix sets in_channels to 32 and the error goes away', async () => {
    const editor = await openFixture(SEED_001);
    const uri = editor.document.uri;
    const [diagnostic] = await diagnosticsWhere(uri, (d) => d.length === 1, 'the channel mismatch');
    assert.ok(diagnostic);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
    const fixes = actions.filter((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value);
    assert.ok(fixes.length >= 2, `expected both fixes, got ${JSON.stringify(fixes.map((a) => a.title))}`);
    const preferred = fixes.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1);
    assert.equal(preferred[0]?.title, 'Set in_channels to 32');
    assert.ok(preferred[0]?.edit);
    assert.ok(await vscode.workspace.applyEdit(preferred[0].edit));
    assert.match(editor.document.lineAt(diagnostic.range.start.line).text, /nn\.Conv2d\(32, 32, 2\)/);
    await diagnosticsWhere(uri, (d) => d.length === 0, 'the error to clear after the fix');
  });

  test('diagnostics follow typing: a wrong in_channels appears, deleting it clears it', async () => {
    const editor = await openFixture(LARGE);
    const uri = editor.document.uri;
    await diagnosticsWhere(uri, (d) => d.length === 0, 'a clean start');
    const at = positionOf(editor.document, 'self.conv5 = nn.Conv2d(', 'self.conv5 = nn.Conv2d('.length);
    const typed = Date.now();
    assert.ok(await editor.edit((b) => b.insert(at, '6')));
    const [problem] = await diagnosticsWhere(uri, (d) => d.length === 1, 'the mismatch after typing');
    const appeared = Date.now() - typed;
    assert.equal(problem?.range.start.line, at.line);
    const deleted = Date.now();
    assert.ok(await editor.edit((b) => b.delete(new vscode.Range(at, at.translate(0, 1)))));
    await diagnosticsWhere(uri, (d) => d.length === 0, 'the mismatch to clear after deleting');
    console.log(`      500-line file: edit → diagnostic ${appeared} ms, edit → cleared ${Date.now() - deleted} ms (debounce included)`);
  });

  test('closing the last editor of a file clears its diagnostics, reopening brings them back', async () => {
    const editor = await openFixture(SEED_001);
    const uri = editor.document.uri;
    await diagnosticsWhere(uri, (d) => d.length === 1, 'the channel mismatch');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('diagnostics to be cleared on close', () => (convLensDiagnostics(uri).length === 0 ? true : undefined));
    await openFixture(SEED_001);
    await diagnosticsWhere(uri, (d) => d.length === 1, 'the channel mismatch again after reopening');
  });

  test('a model built from blocks in another file: shapes from the import, and an unsaved edit of the block file re-analyses it', async () => {
    const net = await openFixture('project/net.py');
    const netUri = net.document.uri;
    // The block's layers come from blocks.py: the code lens knows the output once the import is read.
    await waitFor('the code lens with the output read through the import', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', netUri);
      const title = lenses.map((l) => l.command?.title ?? '').find((t) => t.startsWith('input [1, 3, 32, 32] -> output ['));
      return title && !title.includes('?') ? title : undefined;
    });
    assert.deepEqual(convLensDiagnostics(netUri), []);
    // Type a bug into blocks.py without saving: net.py gets the error on the call that builds the second block.
    const blocks = await openFixture('project/blocks.py');
    const at = positionOf(blocks.document, 'nn.Conv2d(in_channels', 'nn.Conv2d('.length);
    await blocks.edit((e) => e.insert(at, '2 * '));
    const [error] = await diagnosticsWhere(netUri, (d) => d.length === 1, 'the channel mismatch in net.py after editing blocks.py');
    assert.equal(error?.range.start.line, positionOf(net.document, 'self.stem = ConvBlock').line);
    assert.ok(error?.relatedInformation?.some((r) => r.location.uri.path.endsWith('/project/blocks.py')), 'a related location in blocks.py');
    await vscode.commands.executeCommand('undo');
    await diagnosticsWhere(netUri, (d) => d.length === 0, 'the error to clear when the edit is undone');
  });

  test('the code lens summarises a model with a concrete input', async () => {
    const editor = await openFixture(SEED_000);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.startsWith('input [1, 3, 32, 32] -> output [1, 10] · 25.6K params')), JSON.stringify(titles));
    assert.ok(lenses.some((l) => l.command?.command === 'convLens.showLayerTable'));
    assert.ok(lenses.some((l) => l.command?.command === 'convLens.openPreview'));
    assert.equal(lenses[0]?.range.start.line, positionOf(editor.document, 'class ConvNet').line);
  });

  test('Show Layer Table opens a Markdown table of every layer', async () => {
    const editor = await openFixture(SEED_000);
    await vscode.commands.executeCommand('convLens.showLayerTable', editor.document.uri, 'ConvNet');
    const table = await waitFor('the layer table', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'conv-lens'));
    assert.equal(table.languageId, 'markdown');
    const row = table.getText().split('\n').find((l) => / conv1 /.test(l));
    assert.deepEqual(row?.split('|').map((c) => c.trim()).slice(1, 7), ['1', 'conv1', 'Conv2d', '[1, 3, 32, 32]', '[1, 16, 32, 32]', '448']);
  });

  test('Set Input Shape writes the shape comment above def forward and the model becomes concrete', async () => {
    const editor = await openFixture(SEED_001);
    const ok = await vscode.commands.executeCommand<boolean>('convLens.setInputShape', editor.document.uri, 'MedicalImageModel', ['[1, 1, 28, 28]']);
    assert.equal(ok, true);
    assert.match(editor.document.getText(), /\n {4}# x: \[1, 1, 28, 28\]\n {4}def forward\(self, x\):/);
    const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    const hints = await waitFor('concrete inlay hints', async () => {
      const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', editor.document.uri, range);
      return h.some((x) => labelText(x) === '→ [1, 16, 27, 27]') ? h : undefined;
    });
    assert.ok(hints.length >= 2);
    // Running it again replaces the comment instead of stacking a second one.
    await vscode.commands.executeCommand('convLens.setInputShape', editor.document.uri, 'MedicalImageModel', ['[2, 1, 64, 64]']);
    assert.equal(editor.document.getText().match(/# x: /g)?.length, 1);
    assert.match(editor.document.getText(), /# x: \[2, 1, 64, 64\]/);
  });

  test('convLens.defaultInputShape makes a symbolic model concrete', async () => {
    const editor = await openFixture(SEED_001);
    await setSetting('defaultInputShape', [1, 1, 28, 28]);
    const range = new vscode.Range(0, 0, editor.document.lineCount, 0);
    await waitFor('hints computed with the default input', async () => {
      const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', editor.document.uri, range);
      return h.some((x) => labelText(x) === '→ [1, 32, 26, 26]') ? true : undefined;
    });
  });

  test('nn.Sequential children and TF.js layers get hints and hovers', async () => {
    const sequential = await openFixture(SEQUENTIAL);
    const seqHints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
      'vscode.executeInlayHintProvider', sequential.document.uri, new vscode.Range(0, 0, sequential.document.lineCount, 0),
    );
    assert.ok(seqHints.map(labelText).includes('→ [1, 32, 32, 32]'), JSON.stringify(seqHints.map(labelText)));
    const seqHover = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', sequential.document.uri, positionOf(sequential.document, 'in_channels=16', 2),
    );
    assert.match(hoverText(seqHover), /`\[1, 16, 32, 32\]` → `\[1, 32, 32, 32\]`/);

    const tfjs = await openFixture(TFJS);
    const tfHints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
      'vscode.executeInlayHintProvider', tfjs.document.uri, new vscode.Range(0, 0, tfjs.document.lineCount, 0),
    );
    assert.ok(tfHints.map(labelText).includes('→ [N, 26, 26, 16]'), JSON.stringify(tfHints.map(labelText)));
    const tfHover = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', tfjs.document.uri, positionOf(tfjs.document, 'maxPooling2d', 2),
    );
    assert.match(hoverText(tfHover), /→ `\[N, 13, 13, 16\]`/);
  });

  test('the untouched fixtures have no findings', async () => {
    for (const name of [SEED_000, SEQUENTIAL, TFJS, LARGE]) {
      const editor = await openFixture(name);
      // Findings appear as soon as the document opens; give the analysis a moment, then expect none.
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(convLensDiagnostics(editor.document.uri).map((d) => d.message), [], name);
    }
    assert.ok(fixture(SEED_000));
  });
});
