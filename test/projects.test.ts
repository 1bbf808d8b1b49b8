// Multi-file projects (test/projects/): the CLI analyses a file with its imports read from the project, and must
// agree with what real PyTorch did with the same files (test/goldens/generate-projects.py ran each in Python with the
// project's folder on sys.path): every layer's qualified name, type, output shape and the file and line it was built
// on; for a broken project, an error with PyTorch's message on the line of the entry's file that must be edited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Entry { project: string; file: string; model: string; input: number[]; bugLine?: number; note: string }
interface GoldenLayer { name: string; type: string; output: number[] | null; file: string | null; line: number | null }
interface Golden {
  params: number;
  layers: GoldenLayer[];
  output: number[] | null;
  error: { message: string; line: number | null; layer: string | null } | null;
}
interface CliLayer { name: string; type: string; line: number; file?: string; output: Array<number | string> | null }
interface CliFile {
  path: string;
  models: Array<{ name: string; output: Array<number | string> | null; params: number | null; layers: CliLayer[] }>;
  diagnostics: Array<{ code: string; severity: string; line: number; message: string; pytorchError?: string; related?: Array<{ file?: string; line: number; message: string }> }>;
  notes: string[];
}

const root = join(__dirname, '..', '..');
const projects = join(root, 'test', 'projects');
const manifest = JSON.parse(readFileSync(join(projects, 'manifest.json'), 'utf8')) as Entry[];

function check(dir: string, file: string): CliFile {
  const run = spawnSync(process.execPath, [join(root, 'out', 'cli.js'), 'check', '--json', file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const parsed = JSON.parse(run.stdout) as { files: CliFile[] };
  const found = parsed.files[0];
  assert.ok(found, `no result for ${file}: ${run.stderr}`);
  return found;
}

for (const entry of manifest) {
  test(`project ${entry.project}: ${entry.note}`, () => {
    const dir = join(projects, entry.project);
    const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'projects', `${entry.project}__${entry.file.replace(/\.py$/, '')}.json`), 'utf8')) as Golden;
    const result = check(dir, entry.file);
    // The file's one model: listed by its class when the file defines it, by its variable otherwise.
    const model = result.models.find((m) => m.name === entry.model) ?? (result.models.length === 1 ? result.models[0] : undefined);
    assert.ok(model, `no model ${entry.model} in ${result.models.map((m) => m.name).join(', ')}`);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (entry.bugLine === undefined) {
      assert.deepEqual(errors, [], 'no error on a project PyTorch runs');
      assert.deepEqual(model.output, golden.output);
      assert.equal(model.params, golden.params);
    } else {
      const at = errors.find((d) => d.line === entry.bugLine);
      assert.ok(at, `an error on line ${entry.bugLine} of ${entry.file}; got ${JSON.stringify(errors)}`);
      assert.equal(at.pytorchError, golden.error?.message);
      assert.ok(at.related?.some((r) => r.file !== undefined), 'a related location in the file that holds the failing layer');
    }
    // Layers PyTorch ran (up to the failing one for a broken project) with the file and line that built them.
    const ran = golden.layers.map((l) => ({ name: l.name, type: l.type, output: l.output, file: l.file, line: l.line }));
    const ours = model.layers.slice(0, ran.length).map((l) => ({
      name: l.name, type: l.type, output: l.output, file: l.file === undefined ? entry.file : relative(dir, l.file), line: l.line,
    }));
    assert.deepEqual(ours, ran);
  });
}

test('an import that is not found leaves what comes from it unknown: no error, a note naming it, and the layers before it', () => {
  const result = check(join(projects, 'missing_import'), 'net.py');
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(result.notes.some((n) => n.includes('my_private_layers')), result.notes.join('\n'));
  const layers = result.models[0]?.layers ?? [];
  assert.deepEqual(layers[0]?.name, 'conv');
  assert.notEqual(layers[0]?.output, null, 'the conv before the unknown block has its shape');
  assert.ok(layers.slice(1).every((l) => l.output === null), 'nothing after the unknown block has a guessed shape');
});
