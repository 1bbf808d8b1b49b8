// The proof corpus: every model listed in test/corpus/manifest.json goes through the built CLI
// (`node out/cli.js check --json ...`) and must agree with what real PyTorch 1.13 and @tensorflow/tfjs did
// with it. Nothing here is hand-written: test/goldens/generate-torch.py and generate-tfjs.mjs ran the files
// and recorded every layer's output shape and every error (regenerate them after changing the corpus).
//
// How the CLI is called, per entry:
//   --input MODEL=1,3,32,32    when the entry has "cliInput": true; otherwise the CLI must find the input
//                              in the file itself (an example call, a shape comment, tfjs's inputShape).
//   --construct MODEL=EXPR     when the model must be built with arguments the class does not default to
//                              (e.g. --construct "ResNet=ResNet(BasicBlock, [2, 2, 2, 2])", "VGG=vgg16(num_classes=100)").
//
// Conventions agreed with the analyzer:
//   - layer names are the qualified names of named_modules() ("layer1.0.conv1"; "" for a model that is itself a
//     single layer, as in seed 002); a layer applied twice is listed twice, in execution order;
//   - TensorFlow.js shapes are NHWC as tfjs reports them, and tfjs's unknown batch dimension (null) is
//     printed by the CLI as the string "N"; tfjs layer names are tfjs's per-process counters, so only the layer
//     type (class name "Conv2D" or factory name "conv2d", compared case-insensitively) and shape are checked;
//   - a broken file must have an error diagnostic on the entry's bugLine: the line constructing the layer that
//     fails (its arguments are the bug), or the statement that fails for functional ops (view, cat, +);
//   - when the diagnostic carries pytorchError it must be PyTorch's message, word for word (PyTorch prints a few
//     messages from Python sets, whose order varies between runs, so set literals are compared as sets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

type Dim = number | string;
type Shape = Dim[];
type GoldenShape = (number | null)[];

interface ManifestEntry {
  file: string;
  model: string;
  construct?: string;
  input: GoldenShape;
  cliInput: boolean;
  bugLine?: number;
  modelLine?: number;
  note: string;
}

interface GoldenLayer {
  name: string;
  type: string;
  output: GoldenShape | null;
}

interface GoldenError {
  phase: string;
  type: string;
  message: string;
  layer: string | null;
}

interface GoldenModel {
  model: string;
  modelLine?: number;
  input: GoldenShape | null;
  layers: GoldenLayer[];
  output: GoldenShape | null;
  error: GoldenError | null;
  /** sum(p.numel() for p in model.parameters()), PyTorch corpus only. */
  params?: number;
}

interface Golden {
  file: string;
  models: GoldenModel[];
}

interface CliLayer {
  name: string;
  type: string;
  line: number;
  output: Shape | null;
  /** MultiheadAttention and the Transformer layers: not leaves of named_modules(), so PyTorch's hooks never list them. */
  composite?: boolean;
}

interface CliModel {
  name: string;
  line: number;
  input: Shape;
  output: Shape | null;
  layers: CliLayer[];
  params: number | null;
}

interface CliDiagnostic {
  code: string;
  severity: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  pytorchError?: string;
  tfjsError?: string;
}

interface CliFile {
  path: string;
  models: CliModel[];
  diagnostics: CliDiagnostic[];
}

const root = join(__dirname, '..', '..');
const cliPath = join(root, 'out', 'cli.js');
const manifest = JSON.parse(readFileSync(join(root, 'test', 'corpus', 'manifest.json'), 'utf8')) as ManifestEntry[];

const cliRuns = new Map<string, CliFile>();
let paramsChecked = 0;
let tfjsQuotesChecked = 0;

function runCli(args: string[], file: string): CliFile {
  const key = JSON.stringify([...args, file]);
  const cached = cliRuns.get(key);
  if (cached) return cached;
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` first`);
  const run = spawnSync(process.execPath, [cliPath, 'check', '--json', ...args, file], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  let parsed: { files: CliFile[] };
  try {
    parsed = JSON.parse(run.stdout) as { files: CliFile[] };
  } catch {
    assert.fail(`conv-lens check ${[...args, file].join(' ')} did not print JSON (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const found = parsed.files.find((f) => f.path === file || f.path.endsWith(`/${file}`) || file.endsWith(f.path));
  assert.ok(found, `the CLI's JSON has no entry for ${file}: ${parsed.files.map((f) => f.path).join(', ')}`);
  cliRuns.set(key, found);
  return found;
}

/** The manifest entry's golden: generators write one model per entry, in manifest order. */
function goldenFor(entry: ManifestEntry): GoldenModel {
  const kind = entry.file.startsWith('tfjs/') ? 'tfjs' : 'torch';
  const stem = basename(entry.file).replace(/\.(py|ts)$/, '');
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', kind, `${stem}.json`), 'utf8')) as Golden;
  const ordinal = manifest.filter((e) => e.file === entry.file).indexOf(entry);
  const model = golden.models[ordinal];
  assert.ok(model && model.model === entry.model, `golden for ${entry.file} is stale: regenerate it`);
  return model;
}

function cliArgs(entry: ManifestEntry): string[] {
  const args: string[] = [];
  if (entry.cliInput) args.push('--input', `${entry.model}=${entry.input.join(',')}`);
  if (entry.construct !== undefined && entry.construct !== `${entry.model}()`) {
    args.push('--construct', `${entry.model}=${entry.construct}`);
  }
  return args;
}

function findModel(file: CliFile, entry: ManifestEntry): CliModel | undefined {
  return file.models.find((m) => m.name === entry.model && (entry.modelLine === undefined || m.line === entry.modelLine));
}

function describeModels(file: CliFile): string {
  return file.models.map((m) => `${m.name}@${m.line}`).join(', ') || 'none';
}

/** tfjs's unknown batch dimension is printed by the CLI as "N". */
function expectedShape(shape: GoldenShape | null): Shape | null {
  return shape === null ? null : shape.map((d) => (d === null ? 'N' : d));
}

/** One line per layer, so a mismatch shows up as a readable line diff: "layer1.0.conv1 Conv2d [1,64,56,56]". */
function layerView(isTfjs: boolean, layer: { name: string; type: string; output: (Dim | null)[] | null }): string {
  const output = layer.output === null ? 'null' : JSON.stringify(layer.output.map((d) => (d === null ? 'N' : d)));
  return isTfjs ? `${layer.type.toLowerCase()} ${output}` : `${layer.name} ${layer.type} ${output}`;
}

/** Sorts the elements of Python set literals ({'same', 'valid'}) so set order does not matter. */
function normalizeSets(message: string): string {
  return message.replace(/\{('[^'{}]*'(?:, '[^'{}]*')*)\}/g, (_, items: string) => `{${items.split(', ').sort().join(', ')}}`);
}

function testName(entry: ManifestEntry): string {
  const stem = basename(entry.file).replace(/\.(py|ts)$/, '');
  const siblings = manifest.filter((e) => e.file === entry.file);
  const which = siblings.length > 1 ? ` [${siblings.indexOf(entry) + 1}/${siblings.length} ${entry.construct ?? entry.model}${entry.modelLine ? `@${entry.modelLine}` : ''}]` : '';
  const oracle = entry.file.startsWith('tfjs/') ? 'TensorFlow.js' : 'PyTorch';
  if (entry.bugLine !== undefined) return `${stem}${which}: error on line ${entry.bugLine} where ${oracle} fails (${entry.note})`;
  return `${stem}${which}: every layer shape matches ${oracle}`;
}

for (const entry of manifest) {
  test(testName(entry), () => {
    const isTfjs = entry.file.startsWith('tfjs/');
    const golden = goldenFor(entry);
    const file = runCli(cliArgs(entry), `test/corpus/${entry.file}`);
    const model = findModel(file, entry);
    const errors = file.diagnostics.filter((d) => d.severity === 'error');

    if (entry.bugLine === undefined) {
      assert.equal(golden.error, null, 'the golden says this model fails: regenerate the goldens');
      assert.deepEqual(errors.map((d) => `${d.line}: ${d.message}`), [], 'a correct model must have no error diagnostics');
      assert.ok(model, `no model ${entry.model}${entry.modelLine ? ` at line ${entry.modelLine}` : ''} in the CLI's report (found: ${describeModels(file)})`);
      assert.deepEqual(model.input, expectedShape(golden.input), 'model input');
      assert.deepEqual(
        model.layers.filter((l) => !l.composite).map((l) => layerView(isTfjs, l)),
        golden.layers.map((l) => layerView(isTfjs, l)),
        'layers in execution order (name, type, output shape)',
      );
      assert.deepEqual(model.output, expectedShape(golden.output), 'model output');
      // A parameter total is either PyTorch's exactly, or not claimed at all.
      if (golden.params !== undefined && model.params !== null) {
        assert.equal(model.params, golden.params, 'total parameters');
        paramsChecked++;
      }
      return;
    }

    const onBugLine = errors.filter((d) => d.line === entry.bugLine);
    assert.ok(
      onBugLine.length > 0,
      `expected an error diagnostic on line ${entry.bugLine}; got ${file.diagnostics.map((d) => `${d.severity}@${d.line}: ${d.message}`).join(' | ') || 'no diagnostics'}`,
    );
    if (!isTfjs && golden.error) {
      for (const d of onBugLine) {
        if (d.pytorchError !== undefined) assert.equal(normalizeSets(d.pytorchError), normalizeSets(golden.error.message), 'pytorchError');
      }
    }
    // A TF.js error is never quoted under PyTorch's name; when TF.js's own text is quoted, it is TF.js's, word for word.
    if (isTfjs && golden.error) {
      for (const d of onBugLine) {
        assert.equal(d.pytorchError, undefined, 'a TF.js model quotes no PyTorch error');
        if (d.tfjsError !== undefined) {
          assert.equal(d.tfjsError, golden.error.message, 'tfjsError');
          tfjsQuotesChecked++;
        }
      }
    }
    // The layers that ran before the failure must match; an error at construction time runs none.
    assert.ok(golden.error, 'the golden says this model runs: regenerate the goldens');
    if (golden.error.phase === 'init' && !model) return;
    assert.ok(model, `no model ${entry.model} in the CLI's report (found: ${describeModels(file)})`);
    // PyTorch goldens list only the layers that completed; tfjs goldens list every layer tfjs built and name the failing one.
    const ran = isTfjs && golden.error.layer !== null ? Number(golden.error.layer) : golden.layers.length;
    assert.deepEqual(
      model.layers.filter((l) => !l.composite).slice(0, ran).map((l) => layerView(isTfjs, l)),
      golden.layers.map((l) => layerView(isTfjs, l)).slice(0, ran),
      'layers executed before the error',
    );
  });
}

test('parameter totals and TF.js error texts are checked against PyTorch and TF.js for most corpus models', () => {
  assert.ok(paramsChecked >= 40, `only ${paramsChecked} models had a parameter total to compare`);
  assert.ok(tfjsQuotesChecked >= 2, `only ${tfjsQuotesChecked} TF.js errors were quoted and compared with TF.js's own text`);
});
