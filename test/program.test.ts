// The program over a host: imports by Python's rules, bad projects (cycles, missing and huge modules, thousands of
// files) and what an editor needs (unsaved text seen by importers, which documents depend on a file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalyzedDocument, Program, memoryHost, findEnvironment, type FileHost } from '../src/core/index';
import { analyze, ready } from './support/analyze';

const BLOCK = `import torch.nn as nn

class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
`;

function main(imports: string, build: string): string {
  return `import torch
import torch.nn as nn
${imports}

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = ${build}

    def forward(self, x):
        return self.body(x)

model = Net()
y = model(torch.randn(1, 3, 8, 8))
`;
}

/** A host that counts what it is asked for. */
function counting(host: FileHost): FileHost & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (p) => {
      reads.push(p);
      return host.readFile(p);
    },
    stat: (p) => host.stat(p),
    readDirectory: (p) => host.readDirectory(p),
  };
}

async function analyzeIn(files: Record<string, string>, path: string, host?: FileHost) {
  await ready;
  const program = new Program({ host: host ?? memoryHost(files), projectRoots: ['/p'] });
  const doc = new AnalyzedDocument('python', files[path] ?? '');
  try {
    return { analysis: await program.analyze(doc, path), program };
  } finally {
    doc.dispose();
  }
}

function outputOf(a: Awaited<ReturnType<typeof analyzeIn>>['analysis']) {
  return a.models.find((m) => m.name === 'Net')?.output;
}

/**
 * The oracle for these tests: the same model with the block pasted into the file, whose single-file analysis the
 * corpus checks against PyTorch. A program must give exactly what one file gives.
 */
async function inlined(block: string, build: string) {
  const text = main(block.replace('import torch.nn as nn\n', ''), build);
  const out = outputOf(await analyze(text));
  assert.ok(out && out.length === 4, `the single-file oracle has a shape: ${JSON.stringify(out)}`);
  return out;
}

test('a block imported from a sibling module gives the same shapes as the block in the file', async () => {
  const { analysis } = await analyzeIn({ '/p/blocks.py': BLOCK, '/p/main.py': main('from blocks import ConvBlock', 'ConvBlock(3, 16)') }, '/p/main.py');
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 16)'));
  const layer = analysis.models[0]?.layers[0];
  assert.equal(layer?.range.file, '/p/blocks.py', 'the layer says the file it was built in');
  assert.equal(layer?.range.start.line, 5);
});

test('an import inside a function is followed like one at the top', async () => {
  const text = main('', 'build(3, 16)').replace('class Net', 'def build(cin, cout):\n    from blocks import ConvBlock\n    return ConvBlock(cin, cout)\n\nclass Net');
  const { analysis } = await analyzeIn({ '/p/blocks.py': BLOCK, '/p/main.py': text }, '/p/main.py');
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 16)'));
});

test('modules that import each other at their top level end with what is known, never a hang or a false error', async () => {
  const files = {
    '/p/a.py': 'from b import helper\nimport torch.nn as nn\ndef make(c):\n    return nn.Conv2d(c, c, 1)\n',
    '/p/b.py': 'from a import make\ndef helper(c):\n    return make(c)\n',
    '/p/main.py': main('from a import make', 'make(3)'),
  };
  const { analysis } = await analyzeIn(files, '/p/main.py');
  assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
  assert.deepEqual(outputOf(analysis), await inlined('def make(c):\n    return nn.Conv2d(c, c, 1)\n', 'make(3)'));
});

test('a module that imports itself, and a relative import above the top folder, are harmless', async () => {
  const files = {
    '/p/selfish.py': 'import selfish\nfrom ...nowhere import thing\nfrom blocks import ConvBlock\n',
    '/p/blocks.py': BLOCK,
    '/p/main.py': main('from selfish import ConvBlock', 'ConvBlock(3, 4)'),
  };
  const { analysis } = await analyzeIn(files, '/p/main.py');
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 4)'));
});

test('a chain of thirty modules is read in a bounded number of rounds', async () => {
  const files: Record<string, string> = { '/p/m0.py': BLOCK };
  for (let i = 1; i <= 30; i++) files[`/p/m${i}.py`] = `from m${i - 1} import ConvBlock\n`;
  files['/p/main.py'] = main('from m30 import ConvBlock', 'ConvBlock(3, 5)');
  const { analysis } = await analyzeIn(files, '/p/main.py');
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 5)'));
});

test('a package of thousands of modules: only the modules imported are read', async () => {
  const files: Record<string, string> = { '/p/big/__init__.py': '', '/p/big/blocks.py': BLOCK };
  for (let i = 0; i < 3000; i++) files[`/p/big/unused_${i}.py`] = 'import torch\n';
  files['/p/main.py'] = main('from big.blocks import ConvBlock', 'ConvBlock(3, 6)');
  const host = counting(memoryHost(files));
  const { analysis } = await analyzeIn(files, '/p/main.py', host);
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 6)'));
  assert.ok(host.reads.length < 10, `read ${host.reads.length} files: ${host.reads.join(', ')}`);
});

test('a package reaching torchvision.transforms by a relative import does not read it: Conv Lens models it', async () => {
  await ready;
  // A stand-in torchvision in an environment: its model file imports its weights' preprocessing relatively.
  const files: Record<string, string> = {
    '/site/torchvision/__init__.py': 'from torchvision import models\n',
    '/site/torchvision/models/__init__.py': 'from .net import *\n',
    '/site/torchvision/models/net.py': `import torch.nn as nn
from functools import partial
from ..transforms._presets import ImageClassification
from .. import transforms
from ..transforms import *

__all__ = ["ConvBlock"]

PRESET = partial(ImageClassification, crop_size=224)

${BLOCK.replace('import torch.nn as nn\n', '')}`,
    '/site/torchvision/transforms/__init__.py': 'from .transforms import *\n',
    '/site/torchvision/transforms/transforms.py': 'raise ImportError("never read")\n',
    '/site/torchvision/transforms/_presets.py': 'class ImageClassification:\n    pass\n',
    '/p/main.py': main('from torchvision.models import ConvBlock', 'ConvBlock(3, 7)'),
  };
  const host = counting(memoryHost(files));
  const program = new Program({ host, projectRoots: ['/p'], sitePackages: ['/site'] });
  const doc = new AnalyzedDocument('python', files['/p/main.py'] ?? '');
  const analysis = await program.analyze(doc, '/p/main.py');
  doc.dispose();
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 7)'));
  assert.ok(host.reads.includes('/site/torchvision/models/net.py'));
  assert.deepEqual(host.reads.filter((p) => p.includes('/transforms/')), []);
});

test('a star-imported module that does not have the name is not parsed, and what it imports is not read', async () => {
  const files: Record<string, string> = {
    '/p/pkg/__init__.py': 'from .blocks import *\nfrom .other import *\n',
    '/p/pkg/other.py': 'from heavy import everything\nimport heavier\n\ndef unrelated():\n    return 1\n',
    '/p/heavy.py': 'everything = 1\n',
    '/p/heavier.py': 'x = 1\n',
    '/p/pkg/blocks.py': BLOCK,
    '/p/main.py': main('from pkg import ConvBlock', 'ConvBlock(3, 9)'),
  };
  const host = counting(memoryHost(files));
  const { analysis } = await analyzeIn(files, '/p/main.py', host);
  assert.deepEqual(outputOf(analysis), await inlined(BLOCK, 'ConvBlock(3, 9)'));
  assert.ok(host.reads.includes('/p/pkg/other.py'), 'the star-imported module is read to see whether it has the name');
  assert.deepEqual(host.reads.filter((p) => p === '/p/heavy.py' || p === '/p/heavier.py'), []);
});

test('a module that does not parse, and one too large to read, leave their names unknown and report nothing', async () => {
  const files = {
    '/p/broken.py': 'class ConvBlock(nn.Module:\n    def __init__(self, (((\n',
    '/p/huge.py': `${'x = 1\n'.repeat(200_000)}from blocks import ConvBlock\n`,
    '/p/blocks.py': BLOCK,
    '/p/main.py': main('from broken import ConvBlock\nfrom huge import ConvBlock as Other', 'nn.Sequential(ConvBlock(3, 8), Other(9, 9))'),
  };
  const { analysis } = await analyzeIn(files, '/p/main.py');
  assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error'), []);
});

test('an unsaved edit of an imported module is what the importer sees, and the importer is known to depend on it', async () => {
  await ready;
  const files = { '/p/blocks.py': BLOCK, '/p/main.py': main('from blocks import ConvBlock', 'ConvBlock(3, 16)') };
  const program = new Program({ host: memoryHost(files), projectRoots: ['/p'] });
  const doc = new AnalyzedDocument('python', files['/p/main.py']);
  try {
    assert.deepEqual(outputOf(await program.analyze(doc, '/p/main.py')), await inlined(BLOCK, 'ConvBlock(3, 16)'));
    assert.deepEqual(program.dependentsOf('/p/blocks.py'), ['/p/main.py']);
    const unpadded = BLOCK.replace('3, padding=1', '3');
    program.setOverlay('/p/blocks.py', unpadded);
    const edited = outputOf(program.analyzeNow(doc, '/p/main.py').analysis);
    assert.deepEqual(edited, await inlined(unpadded, 'ConvBlock(3, 16)'));
    assert.notDeepEqual(edited, await inlined(BLOCK, 'ConvBlock(3, 16)'), 'the edit changes the shape');
    program.setOverlay('/p/blocks.py', BLOCK.replace('nn.Conv2d(cin, cout', 'nn.Conv2d(cin + 1, cout'));
    const broken = program.analyzeNow(doc, '/p/main.py').analysis;
    const error = broken.findings.find((f) => f.code === 'channel-mismatch');
    assert.ok(error, 'the bug typed in blocks.py shows in main.py');
    assert.equal(error.range.file, undefined, 'on main.py');
    assert.equal(error.range.start.line, files['/p/main.py'].split('\n').findIndex((l) => l.includes('self.body =')), 'on the call that builds the block');
    assert.equal(error.related[0]?.range.file, '/p/blocks.py');
  } finally {
    doc.dispose();
    program.dispose();
  }
});

test('the environment: a site-packages folder, an environment folder, a python executable, or none', async () => {
  const host = memoryHost({
    '/venv/lib/python3.11/site-packages/pkg/__init__.py': '',
    '/venv/bin/python3': '',
    '/w/.venv/lib/python3.12/site-packages/x.py': '',
  });
  assert.deepEqual((await findEnvironment(host, { setting: '/venv/lib/python3.11/site-packages' }))?.sitePackages, ['/venv/lib/python3.11/site-packages']);
  assert.deepEqual((await findEnvironment(host, { setting: '/venv' }))?.sitePackages, ['/venv/lib/python3.11/site-packages']);
  assert.deepEqual((await findEnvironment(host, { setting: '/venv/bin/python3' }))?.sitePackages, ['/venv/lib/python3.11/site-packages']);
  const ws = await findEnvironment(host, { workspaceRoots: ['/w'] });
  assert.deepEqual(ws?.sitePackages, ['/w/.venv/lib/python3.12/site-packages']);
  assert.match(ws?.source ?? '', /\.venv in the workspace/);
  assert.equal(await findEnvironment(host, { setting: '/nowhere', workspaceRoots: ['/empty'] }), undefined);
});

test("a warning about an imported module's own code stays with that module: nothing on the importing file", async () => {
  const unused = BLOCK.replace('        self.conv = nn.Conv2d(cin, cout, 3, padding=1)\n', '        self.conv = nn.Conv2d(cin, cout, 3, padding=1)\n        self.spare = nn.Conv2d(cout, cout, 1)\n');
  const single = await analyze(main(unused.replace('import torch.nn as nn\n', ''), 'ConvBlock(3, 16)'));
  assert.ok(single.findings.some((f) => f.code === 'unused-layer'), 'in one file, the unused layer is a warning');
  const { analysis } = await analyzeIn({ '/p/blocks.py': unused, '/p/main.py': main('from blocks import ConvBlock', 'ConvBlock(3, 16)') }, '/p/main.py');
  assert.deepEqual(analysis.findings, []);
});

test('a registry in an imported module starts fresh for every analysis: registering a model twice across keystrokes is no error', async () => {
  await ready;
  const files = {
    '/p/registry.py': `MODELS = {}\n\ndef register(name):\n    def wrap(fn):\n        if name in MODELS:\n            raise ValueError(f"{name} is already registered")\n        MODELS[name] = fn\n        return fn\n    return wrap\n`,
    '/p/blocks.py': BLOCK,
    '/p/main.py': main('from blocks import ConvBlock\nfrom registry import register\n\n@register("small")\ndef small():\n    return ConvBlock(3, 16)\n', 'small()'),
  };
  const program = new Program({ host: memoryHost(files), projectRoots: ['/p'] });
  const doc = new AnalyzedDocument('python', files['/p/main.py']);
  try {
    const first = await program.analyze(doc, '/p/main.py');
    assert.deepEqual(first.findings, []);
    assert.deepEqual(outputOf(first), await inlined(BLOCK, 'ConvBlock(3, 16)'));
    for (let i = 0; i < 3; i++) assert.deepEqual(program.analyzeNow(doc, '/p/main.py').analysis.findings, [], `analysis ${i + 2}`);
  } finally {
    doc.dispose();
    program.dispose();
  }
});
