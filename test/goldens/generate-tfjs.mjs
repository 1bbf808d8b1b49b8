// Run every TensorFlow.js entry of test/corpus/manifest.json in real @tensorflow/tfjs and write the goldens.
//
//   node test/goldens/generate-tfjs.mjs [STEM ...]
//
// Each corpus file is bundled with esbuild; its `@tensorflow/tfjs` import is swapped for a thin shim that
// records every tf.sequential() model and adds a config's `layers` one by one (what tfjs's own constructor
// does), so a layer that tfjs rejects leaves the layers before it readable. The bundle runs in a fresh Node
// process (tfjs numbers layer names per process). After the build, the model is run layer by layer on zeros
// with batch 1, so errors tfjs only raises at run time are caught too, and every runtime shape is checked
// against the symbolic outputShape. Output: test/goldens/tfjs/<stem>.json with tfjs's own shapes (NHWC,
// batch dimension null unless the file fixes it), sorted keys.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = join(ROOT, 'test', 'corpus');
const OUT = join(ROOT, 'test', 'goldens', 'tfjs');
const SHIM = 'conv-lens-tfjs-shim';

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

/** Sorted keys, two-space indent, shapes on one line ([null, 28, 28, 1]) so golden diffs stay readable. */
function toJson(value) {
  const text = JSON.stringify(sortKeys(value), null, 2);
  return text.replace(/\[\s+((?:-?\d+|null)(?:,\s+(?:-?\d+|null))*)\s+\]/g, (_, items) => `[${items.split(/,\s+/).join(', ')}]`) + '\n';
}

const shimSource = `
import * as real from '@tensorflow/tfjs';
export * from '@tensorflow/tfjs';
export function sequential(config) {
  const { layers, ...rest } = config ?? {};
  const model = real.sequential(rest);
  globalThis.__convLensModels.push(model);
  for (const layer of layers ?? []) model.add(layer);
  return model;
}
`;

async function bundle(file, outFile) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [file],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    logLevel: 'error',
    plugins: [{
      name: 'tfjs-shim',
      setup(build) {
        // tfjs-node exports the same tf namespace (with native kernels): its files run on the shim too.
        build.onResolve({ filter: /^@tensorflow\/tfjs(-node(-gpu)?)?$/ }, (args) =>
          args.namespace === SHIM ? { path: '@tensorflow/tfjs', external: true } : { path: 'shim', namespace: SHIM });
        build.onLoad({ filter: /.*/, namespace: SHIM }, () => ({ contents: shimSource, loader: 'js', resolveDir: ROOT }));
      },
    }],
  });
}

function errorOf(phase, e, layer) {
  return { phase, type: e?.constructor?.name ?? e?.name ?? 'Error', message: String(e?.message ?? e), layer };
}

// Child process: run one bundle and print what tfjs did.
function runBundle(bundlePath, resultPath) {
  const require = createRequire(join(ROOT, 'package.json'));
  const tf = require('@tensorflow/tfjs');
  globalThis.__convLensModels = [];
  const log = console.log;
  console.log = () => {};  // the file's own prints and tfjs's Node banner
  console.warn = () => {};
  let error = null;
  try {
    require(bundlePath);
  } catch (e) {
    const model = globalThis.__convLensModels.at(-1);
    const added = model ? model.layers.filter((l) => l.getClassName() !== 'InputLayer').length : null;
    error = errorOf('build', e, added === null ? null : String(added));
  }
  console.log = log;
  const models = globalThis.__convLensModels.map((model, index) => {
    // An explicit tf.layers.inputLayer is the model's input, not a layer that computes anything.
    const computing = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const layers = computing.map((l, i) => ({ index: i, name: l.name, type: l.getClassName(), output: l.outputShape }));
    const input = model.layers.length > 0 ? model.inputs[0].shape : null;
    const result = { index, input, layers, output: null, error: null };
    if (error && index === globalThis.__convLensModels.length - 1) {
      result.error = error;
      return result;
    }
    // Run it: tfjs only checks some things (reshape sizes) on real tensors.
    let x = tf.zeros(input.map((d) => (d === null ? 1 : d)));
    for (const [i, layer] of computing.entries()) {
      try {
        x = layer.apply(x);
      } catch (e) {
        result.error = errorOf('predict', e, String(i));
        return result;
      }
      const expected = layer.outputShape.map((d, k) => (d === null ? x.shape[k] : d));
      if (JSON.stringify(expected) !== JSON.stringify(x.shape)) {
        throw new Error(`layer ${i} ${layer.name}: symbolic ${JSON.stringify(layer.outputShape)} but ran to ${JSON.stringify(x.shape)}`);
      }
    }
    result.output = model.outputs[0].shape;
    return result;
  });
  const loadError = models.length === 0 && error ? error : null;
  writeFileSync(resultPath, JSON.stringify({ models, loadError }));
}

async function main(only) {
  const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8'));
  const byFile = new Map();
  for (const entry of manifest) {
    if (!entry.file.startsWith('tfjs/')) continue;
    if (!byFile.has(entry.file)) byFile.set(entry.file, []);
    byFile.get(entry.file).push(entry);
  }
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'conv-lens-tfjs-'));
  const problems = [];
  let written = 0;
  try {
    for (const [file, entries] of byFile) {
      const stem = basename(file).replace(/\.ts$/, '');
      if (only.length > 0 && !only.includes(stem)) continue;
      const bundlePath = join(work, `${stem}.cjs`);
      const resultPath = join(work, `${stem}.json`);
      await bundle(join(CORPUS, file), bundlePath);
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--run', bundlePath, resultPath], {
        stdio: 'inherit', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
      });
      const ran = JSON.parse(readFileSync(resultPath, 'utf8'));
      const found0 = ran.models;
      const models = entries.map((entry) => {
        const found = found0[entry.modelIndex ?? 0];
        if (!found && ran.loadError) throw new Error(`${file}: ${ran.loadError.message}`);
        if (!found) throw new Error(`${file}: no tf.sequential model #${entry.modelIndex ?? 0} was created`);
        const { index, ...rest } = found;
        const golden = { model: entry.model, ...rest };
        const label = `${file} ${entry.model}`;
        if (JSON.stringify(golden.input) !== JSON.stringify(entry.input)) {
          problems.push(`${label}: manifest input ${JSON.stringify(entry.input)} but the model's input is ${JSON.stringify(golden.input)}`);
        }
        if ('bugLine' in entry && !golden.error) problems.push(`${label}: expected tfjs to fail (bugLine ${entry.bugLine}), it did not`);
        if (!('bugLine' in entry) && golden.error) problems.push(`${label}: tfjs failed: ${golden.error.message}`);
        return golden;
      });
      writeFileSync(join(OUT, `${stem}.json`), toJson({ file, models }));
      written += 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version;
  console.log(`wrote ${written} goldens to test/goldens/tfjs (@tensorflow/tfjs ${version})`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}

if (process.argv[2] === '--run') runBundle(process.argv[3], process.argv[4]);
else await main(process.argv.slice(2));
