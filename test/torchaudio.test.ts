// torchaudio's own models (Debian's python3-torchaudio 0.13.1, never copied here): held-out real code the core was
// not written against. For each model the test writes the script test/goldens/generate-torchaudio.py ran in PyTorch,
// runs `conv-lens check --json` on it, and compares every layer's qualified name, type and output shape, the output
// and the parameter count with PyTorch's. Every model file must also open on its own with no error or warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface Golden {
  name: string;
  /** The builder or class call as the script writes it. */
  call: string;
  /** The forward's arguments as the script writes them. */
  args: string;
  output: number[];
  params: number;
  layers: Array<{ name: string; type: string; output: number[] | null }>;
}

interface CheckJson {
  files: Array<{
    path: string;
    models: Array<{ name: string; output: unknown; params: number | null; layers: Array<{ name: string; type: string; output: unknown }> }>;
    diagnostics: Array<{ severity: string; code: string; message: string; line: number }>;
  }>;
}

const root = join(__dirname, '..', '..');
const goldens = join(root, 'test', 'goldens', 'torchaudio');
const SITE = '/usr/lib/python3/dist-packages';

/**
 * Models whose every layer is exact today. The others are checked for no false error only, and listed in the
 * README with why they are not exact; moving a model here is how that list shrinks.
 */
const EXACT = new Set<string>([
  'Conformer', 'ConvTasNet', 'DeepSpeech', 'Emformer', 'Wav2Letter', 'Wav2Letter_mfcc', 'Wav2Letter_power_spectrum', 'WaveRNN',
  'Tacotron2', 'conv_tasnet_base', 'emformer_rnnt_base', 'hdemucs_low', 'hubert_base', 'wav2vec2_base',
]);

function check(args: string[], cwd?: string): CheckJson {
  const run = spawnSync(process.execPath, [join(root, 'out', 'cli.js'), 'check', '--json', '--python-path', SITE, ...args], { encoding: 'utf8', timeout: 300_000, cwd });
  return JSON.parse(run.stdout) as CheckJson;
}

test('torchaudio is installed where the tests read it', () => {
  assert.ok(existsSync(join(SITE, 'torchaudio', 'models', 'wav2letter.py')), 'apt-get install python3-torchaudio (.ci/run does)');
});

const dir = mkdtempSync(join(tmpdir(), 'conv-lens-ta-'));
for (const file of readdirSync(goldens).filter((f) => f.endsWith('.json')).sort()) {
  const golden = JSON.parse(readFileSync(join(goldens, file), 'utf8')) as Golden;
  test(`torchaudio.models ${golden.name} as users build it: ${EXACT.has(golden.name) ? 'every layer as PyTorch runs it' : 'no false error'}`, () => {
    const script = join(dir, `use_${golden.name}.py`);
    writeFileSync(script, `import torch\nimport torchaudio\nmodel = ${golden.call}\nmodel.eval()\nout = model(${golden.args})\n`);
    const f = check([script]).files[0];
    assert.ok(f);
    assert.deepEqual(f.diagnostics.filter((d) => d.severity !== 'info'), [], 'no error or warning on torchaudio as it is');
    if (!EXACT.has(golden.name)) return;
    const model = f.models.find((m) => m.name === 'model');
    assert.ok(model, 'the model is found');
    assert.deepEqual(model.layers.map((l) => [l.name, l.type, l.output]), golden.layers.map((l) => [l.name, l.type, l.output]));
    assert.deepEqual(model.output, golden.output);
    assert.equal(model.params, golden.params);
  });
}

test('every torchaudio model file opened on its own (imports read from the environment) has no error and no warning', () => {
  const models = join(SITE, 'torchaudio', 'models');
  const files = spawnSync('find', [models, '-name', '*.py'], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
  assert.ok(files.length >= 15, `${files.length} files`);
  const problems: string[] = [];
  for (const file of files) {
    for (const f of check([file], dir).files) {
      problems.push(...f.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${relative(models, file)}:${d.line}: ${d.code}: ${d.message}`));
    }
  }
  assert.deepEqual(problems, []);
});
