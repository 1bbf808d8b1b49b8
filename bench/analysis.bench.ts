// npm run bench: speed of the analyzer on generated model files, next to the bare tree-sitter parse.
// Goals (issue 2): full analysis of a 2,000-line file <= 20 ms; re-analysis after a one-character edit in a
// 500-line file <= 3 ms median.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initCore, AnalyzedDocument, Program, findEnvironment } from '../src/core/index';
import { nodeHost } from '../src/cli/node-host';
import { commentsIn, createParser, toSyntax } from '../src/core/syntax';
import { analyzePython } from '../src/core/python/models';

/** One residual stage: a block class, a helper that builds a list of layers, and a loop, as real files do. */
function stage(i: number): string {
  return `
class Block${i}(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)
        self.bn2 = norm_layer(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False),
                norm_layer(planes),
            )

    def forward(self, x):
        identity = x
        out = self.conv1(x)  # shape comment
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.relu(out)


def make_stage${i}(inplanes, planes, blocks, stride):
    layers = [Block${i}(inplanes, planes, stride)]
    for _ in range(1, blocks):
        layers.append(Block${i}(planes, planes))
    return nn.Sequential(*layers)

`;
}

function modelFile(targetLines: number): string {
  let text = 'import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\nWIDTHS = [16, 32, 64, 128]\n';
  let stages = 0;
  while (text.split('\n').length < targetLines - 40) text += stage(stages++);
  text += `
class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.stages = nn.ModuleList()
        inplanes = 16
        for i in range(${stages}):
            planes = WIDTHS[i % len(WIDTHS)]
            self.stages.append(globals_stage(i, inplanes, planes))
            inplanes = planes
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for stage in self.stages:
            x = stage(x)
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        return self.fc(x)


def globals_stage(i, inplanes, planes):
    builders = [${Array.from({ length: stages }, (_, i) => `make_stage${i}`).join(', ')}]
    return builders[i](inplanes, planes, 2, 1)


model = Net()
out = model(torch.randn(1, 3, 64, 64))
`;
  return text;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(runs: number, f: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function main(): Promise<void> {
  await initCore(async (file) => readFileSync(join(__dirname, '..', 'wasm', file)));
  const big = modelFile(2000);
  const mid = modelFile(500);
  const parser = createParser('python');
  // Warm up the JIT and the parser.
  for (let i = 0; i < 20; i++) new AnalyzedDocument('python', big).analyze();

  const fullParse = time(50, () => parser.parse(big)?.delete());
  const fullAnalysis = time(50, () => {
    const doc = new AnalyzedDocument('python', big);
    const a = doc.analyze();
    doc.dispose();
    if (a.models.length === 0) throw new Error('benchmark model not found');
  });

  const doc = new AnalyzedDocument('python', mid);
  const at = mid.indexOf('self.fc = nn.Linear(inplanes, num_classes)');
  let flip = false;
  const reparse: number[] = [];
  const reanalysis: number[] = [];
  for (let i = 0; i < 200; i++) {
    // A one-character edit, alternating so that the text stays valid: "num_classes" <-> "num_classeZ".
    const ch = flip ? 's' : 'Z';
    flip = !flip;
    const t0 = performance.now();
    doc.applyEdits([{ rangeOffset: at + 'self.fc = nn.Linear(inplanes, num_classe'.length, rangeLength: 1, text: ch }]);
    const t1 = performance.now();
    doc.analyze();
    const t2 = performance.now();
    reparse.push(t1 - t0);
    reanalysis.push(t2 - t0);
  }
  const midParse = time(100, () => parser.parse(mid)?.delete());
  // BENCH_DETAIL=1: where a full analysis spends its time.
  if (process.env['BENCH_DETAIL']) {
    for (const text of [mid, big]) {
      const tree = parser.parse(text);
      if (!tree) continue;
      const lines = text.split('\n').length;
      console.log(`detail ${lines} lines: convert ${time(50, () => toSyntax(tree, text)).toFixed(2)} ms`);
      const root = toSyntax(tree, text);
      console.log(`detail ${lines} lines: interpret ${time(50, () => analyzePython(root, text, [], {})).toFixed(2)} ms`);
      tree.delete();
    }
    const ctor: number[] = [];
    const an: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const doc = new AnalyzedDocument('python', big);
      const t1 = performance.now();
      doc.analyze();
      an.push(performance.now() - t1);
      ctor.push(t1 - t0);
      doc.dispose();
    }
    console.log(`detail full: new document (parse) ${median(ctor).toFixed(2)} ms, analyze ${median(an).toFixed(2)} ms`);
    // The stages of one full analysis as the bench's row runs it (a new tree and new nodes each time), in one loop.
    const stages: number[][] = [[], [], []];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const tree = parser.parse(big);
      const t1 = performance.now();
      if (!tree) continue;
      const root = toSyntax(tree, big);
      const t2 = performance.now();
      analyzePython(root, big, root.children.flatMap((c) => commentsIn(c)), {});
      const t3 = performance.now();
      tree.delete();
      stages[0]?.push(t1 - t0);
      stages[1]?.push(t2 - t1);
      stages[2]?.push(t3 - t2);
    }
    const [p, c, r] = stages.map((xs) => median(xs).toFixed(2));
    console.log(`detail full, by stage: parse ${p} ms, convert ${c} ms, interpret and report ${r} ms`);
  }

  const project = await projectFigures();
  const rows: Array<[string, number, number | undefined]> = [
    ...project,
    [`bare tree-sitter parse, ${big.split('\n').length}-line file`, fullParse, undefined],
    [`full analysis (parse + interpret + report), ${big.split('\n').length}-line file`, fullAnalysis, 20],
    [`bare tree-sitter parse, ${mid.split('\n').length}-line file`, midParse, undefined],
    [`incremental reparse after a 1-char edit, ${mid.split('\n').length}-line file`, median(reparse), undefined],
    [`re-analysis after a 1-char edit (reparse + analysis), ${mid.split('\n').length}-line file`, median(reanalysis), 3],
  ];
  console.log('Conv Lens analysis benchmark (median ms, Node ' + process.version + ')');
  for (const [name, ms, goal] of rows) {
    const verdict = goal === undefined ? '' : ms <= goal ? `  (goal <= ${goal} ms: met)` : `  (goal <= ${goal} ms: NOT met)`;
    console.log(`${ms.toFixed(2).padStart(8)} ms  ${name}${verdict}`);
  }
}

/** A user's file that imports torchvision's ResNet-18 and a block from a sibling module: what opening it costs. */
const USER_FILE = `import torch
import torch.nn as nn
from torchvision.models import resnet18
from blocks import ConvBlock


class Head(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.block = ConvBlock(512, 256)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(256, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.block(x)), 1))


backbone = resnet18()
head = Head()
features = torch.randn(1, 512, 7, 7)
logits = head(features)
out = backbone(torch.randn(1, 3, 224, 224))
`;

async function projectFigures(): Promise<Array<[string, number, number | undefined]>> {
  const env = await findEnvironment(nodeHost, { system: true });
  if (!env) throw new Error('no Python environment with torchvision: apt-get install python3-torchvision');
  const dir = join(__dirname, '..', '..', 'test', 'projects', 'blocks_and_model');
  const path = join(dir, 'bench_user.py');
  const cold: number[] = [];
  const warm: number[] = [];
  const keystroke: number[] = [];
  let layers = 0;
  for (let i = 0; i < 7; i++) {
    // A new program each time: every package module read and parsed again (the operating system's file cache is warm).
    const program = new Program({ host: nodeHost, projectRoots: [dir], sitePackages: env.sitePackages });
    const doc = new AnalyzedDocument('python', USER_FILE);
    const t0 = performance.now();
    const a = await program.analyze(doc, path);
    cold.push(performance.now() - t0);
    layers = a.models.reduce((n, m) => n + m.layers.length, 0);
    for (let j = 0; j < 10; j++) {
      const t1 = performance.now();
      program.analyzeNow(doc, path);
      warm.push(performance.now() - t1);
    }
    const at = USER_FILE.indexOf('Linear(256, classes)') + 'Linear(256'.length;
    for (let j = 0; j < 20; j++) {
      // Type a space after "256", then take it back (untimed).
      const t2 = performance.now();
      doc.applyEdits([{ rangeOffset: at, rangeLength: 0, text: ' ' }]);
      program.analyzeNow(doc, path);
      keystroke.push(performance.now() - t2);
      doc.applyEdits([{ rangeOffset: at, rangeLength: 1, text: '' }]);
    }
    doc.dispose();
    program.dispose();
  }
  if (layers < 60) throw new Error(`the project benchmark found ${layers} layers: torchvision's ResNet-18 was not read`);
  return [
    ['open a file importing torchvision\'s resnet18 and a sibling module, package modules cold (read + parse + analyse)', median(cold), 200],
    ['the same file again, package modules cached (full analysis)', median(warm), 20],
    ['re-analysis after a 1-char edit in that file', median(keystroke), 3],
  ];
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
