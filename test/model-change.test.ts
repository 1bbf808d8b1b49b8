// The model message sent as a change from the last one (shared/model-change.ts), on real analyses of ResNet-18 and
// its edits: the page rebuilds exactly the model the host has, and an edit sends only what it changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from './support/analyze';
import { applyChange, describeChange, type SentModel } from '../src/shared/model-change';
import type { PreviewModel } from '../src/shared/protocol';

const RESNET = readFileSync(join(__dirname, '..', '..', 'examples', 'resnet18.py'), 'utf8');

async function preview(text: string, version: number): Promise<PreviewModel> {
  const analysis = await analyze(text);
  const model = analysis.models.find((m) => m.instantiated);
  assert.ok(model, 'the file builds a model');
  // What postMessage delivers: the JSON-able value, without shared references.
  return structuredClone({ uri: 'file:///resnet18.py', fileName: 'resnet18.py', version, language: 'python', model, errors: [] });
}

/** The host's side then the page's: the change crosses as a structured clone, as postMessage sends it. */
function send(kept: SentModel | undefined, held: PreviewModel | undefined, next: PreviewModel): { received: PreviewModel; kept: SentModel; bytes: number; sentLayers: number } {
  const { change, kept: nextKept } = describeChange(kept, next);
  if (!change) return { received: structuredClone(next), kept: nextKept, bytes: JSON.stringify(next).length, sentLayers: next.model.layers.length };
  assert.ok(held, 'a change is only made against a model the page holds');
  const received = applyChange(held, structuredClone(change));
  assert.ok(received, 'the change refers only to what the page holds');
  return { received, kept: nextKept, bytes: JSON.stringify(change).length, sentLayers: change.model.layers.filter((l) => typeof l !== 'number').length };
}

test('edits of ResNet-18 sent as changes: the page rebuilds the host\'s model exactly, and a stem or head edit sends a few layers', async () => {
  const edits: Array<[string, string, 'small' | 'large']> = [
    ['stem padding 3 -> 2', RESNET.replace('kernel_size=7, stride=2, padding=3', 'kernel_size=7, stride=2, padding=2'), 'small'],
    ['back to the file', RESNET, 'small'],
    ['num_classes 10 -> 1', RESNET.replace('num_classes=10)', 'num_classes=1)'), 'small'],
    // A line inserted at the top moves every range: every layer is new.
    ['a line at the top', `# notes\n${RESNET}`, 'large'],
    ['the line removed again', RESNET, 'large'],
  ];
  let held = await preview(RESNET, 1);
  let kept = describeChange(undefined, held).kept;
  const full = JSON.stringify(held).length;
  for (const [i, [name, text, size]] of edits.entries()) {
    const next = await preview(text, i + 2);
    const sent = send(kept, held, next);
    assert.deepEqual(sent.received, next, `${name}: the page's model is the host's`);
    if (size === 'small') {
      assert.ok(sent.sentLayers <= 6 && sent.bytes < full / 5, `${name}: ${sent.sentLayers} of ${next.model.layers.length} layers sent, ${sent.bytes} of ${full} bytes`);
    } else {
      assert.equal(sent.sentLayers, next.model.layers.length, `${name}: every layer moved`);
    }
    held = sent.received;
    kept = sent.kept;
  }
});

test('a change against a model the page does not hold is refused, not applied to the wrong one', async () => {
  const resnet = await preview(RESNET, 1);
  const { kept } = describeChange(undefined, resnet);
  const { change } = describeChange(kept, await preview(RESNET.replace('num_classes=10)', 'num_classes=1)'), 2));
  assert.ok(change);
  // A page that holds a smaller model (another file's) has no layer 40 to take.
  const small = await preview('import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n', 1);
  assert.equal(applyChange(small, change), null);
});

test('a Sequential edited in its middle layer: the page rebuilds it from the change', async () => {
  const text = `import torch.nn as nn
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
`;
  const before = await preview(text, 1);
  const { kept } = describeChange(undefined, before);
  const after = await preview(text.replace('nn.Conv2d(8, 8, 3, padding=1)', 'nn.Conv2d(8, 4, 3, padding=1)'), 2);
  const { change } = describeChange(kept, after);
  assert.ok(change);
  assert.deepEqual(applyChange(before, structuredClone(change)), after);
});
