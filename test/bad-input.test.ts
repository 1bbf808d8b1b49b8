// Bad input never crashes, hangs or loses the parts that can be known. The timeouts only turn a hang into a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from './support/analyze';



const NET = `import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
    def forward(self, x):
        return self.conv(x)
`;

test('exponential list growth and huge repeats become unknown instead of exhausting memory', { timeout: 30_000 }, async () => {
  const a = await analyze(`x = [1]
for i in range(200):
    x = x + x
y = [0] * 10**12
z = "ab" * 10**9
w = []
for i in range(10**9):
    w.append(i)
${NET}`);
  assert.equal(a.models[0]?.name, 'Net');
});

test('infinite loops and unbounded recursion end at the step limit with a note', { timeout: 30_000 }, async () => {
  const a = await analyze(`def f(n):
    return f(n + 1) + f(n + 2)
f(0)
while True:
    pass
i = 0
while i >= 0:
    i += 1
${NET}`);
  assert.equal(a.models[0]?.name, 'Net');
  assert.ok(a.notes.some((n) => /limit|recursion|depth/.test(n)), JSON.stringify(a.notes));
});

test('binary junk, NUL bytes and unbalanced brackets give a result and a syntax note', { timeout: 30_000 }, async () => {
  const junk = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  for (const text of [junk, `\u0000\u0000${NET}\u0000`, `${NET}\nx = ((((((\n`, '}}}]]]))) def class (', '\uFEFF' + NET]) {
    const a = await analyze(text);
    assert.ok(Array.isArray(a.findings));
  }
  const a = await analyze(`${NET}\nx = ((((((\n`);
  assert.ok(a.notes.some((n) => n.includes('syntax')));
  assert.equal(a.models[0]?.name, 'Net', 'the class before the broken line is still analysed');
});

test('a very large file is not interpreted, with a clear note instead of a slow editor', { timeout: 60_000 }, async () => {
  const line = 'x = nn.Conv2d(3, 8, 3)  # ' + 'a'.repeat(100) + '\n';
  const a = await analyze(line.repeat(25_000));
  assert.ok(a.notes.some((n) => n.includes('larger than')), JSON.stringify(a.notes));
});

test('thousands of models and layers in one file are all analysed within the step budget', { timeout: 60_000 }, async () => {
  let text = 'import torch.nn as nn\n';
  for (let i = 0; i < 300; i++) text += `class M${i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 4, 3)\n    def forward(self, x):\n        return self.c(x)\n`;
  const a = await analyze(text);
  assert.equal(a.models.length, 300);
});

test('half-typed TypeScript and hostile nesting in TS never throw', { timeout: 30_000 }, async () => {
  for (const text of ['const model = tf.sequential({layers: [tf.layers.conv2d({inputShape: [28, 28', `${'['.repeat(5000)}`, 'function f() { return f(); }\nf();\nconst m = tf.sequential();\nm.add(tf.layers.dense({units: 3, inputShape: [4]}));\n']) {
    const a = await analyze(text, 'typescript');
    assert.ok(Array.isArray(a.models));
  }
});
