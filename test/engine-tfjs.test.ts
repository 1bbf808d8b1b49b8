// Every runnable TF.js model of the proof corpus (and examples/tfjs_mnist.ts), analysed by the real core and run by
// the engine, against the same model in real TensorFlow.js (@tensorflow/tfjs 4.22, cpu backend) on the same weights
// and input: the output and every layer's output, max |ours - tfjs| <= 1e-4 * max(1, max |tfjs|).
//
// The tfjs models are built by the corpus files' own code: each file is bundled with esbuild and run here against a
// `tf` whose sequential() records the models it makes. So both sides read the same source text, and a layer argument
// the core read differently from tfjs shows up as a difference. Weights are the engine's (seeded default init for
// kernels, random values for biases, norm statistics and slopes, so no parameter is trivially 0 or 1), loaded into
// tfjs with setWeights by their Keras names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { initCore, AnalyzedDocument } from '../src/core/index';
import type { ModelGraph } from '../src/core/types';
import { graphParameters, runGraph } from '../src/engine/run-graph';
import { nodeKeys } from '../src/engine/node-keys';
import { initParameter, randn, rng } from '../src/engine/weights/init';
import type { Tensor } from '../src/engine/tensor';

type Tf = typeof import('@tensorflow/tfjs');
type TfTensor = import('@tensorflow/tfjs').Tensor;
type TfModel = import('@tensorflow/tfjs').Sequential;

const root = join(__dirname, '..', '..');
const load = createRequire(join(root, 'package.json'));
const ready = initCore(async (file) => readFileSync(join(root, 'out', 'wasm', file)));

interface Entry { file: string; model: string; bugLine?: number; modelIndex?: number }
const manifest = JSON.parse(readFileSync(join(root, 'test', 'corpus', 'manifest.json'), 'utf8')) as Entry[];
const cases: Array<{ path: string; model: string; index: number }> = [
  ...manifest.filter((e) => e.file.startsWith('tfjs/') && e.bugLine === undefined)
    .map((e) => ({ path: join('test', 'corpus', e.file), model: e.model, index: e.modelIndex ?? 0 })),
  { path: join('examples', 'tfjs_mnist.ts'), model: 'model', index: 0 },
];

let tfPromise: Promise<Tf> | null = null;
/** tfjs, loaded once, quietly (it greets Node users on the console). */
function tfjs(): Promise<Tf> {
  tfPromise ??= (async () => {
    const [log, warn] = [console.log, console.warn];
    console.log = console.warn = () => {};
    try {
      const tf = load('@tensorflow/tfjs') as Tf;
      await tf.setBackend('cpu');
      await tf.ready();
      return tf;
    } finally {
      [console.log, console.warn] = [log, warn];
    }
  })();
  return tfPromise;
}

/** Runs a corpus file against real tfjs and returns the tf.sequential models it built, in order. */
async function buildInTfjs(tf: Tf, path: string): Promise<TfModel[]> {
  const esbuild = load('esbuild') as typeof import('esbuild');
  const built = await esbuild.build({
    entryPoints: [join(root, path)], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'es2022', logLevel: 'error',
    external: ['@tensorflow/*'],
  });
  const code = built.outputFiles[0]?.text ?? '';
  const models: TfModel[] = [];
  const recording = { ...tf, sequential: (config?: Parameters<Tf['sequential']>[0]) => {
    const m = tf.sequential(config);
    models.push(m);
    return m;
  } };
  const requireShim = (name: string): unknown => (/^@tensorflow\/tfjs(-node(-gpu)?)?$/.test(name) ? recording : load(name));
  const module = { exports: {} };
  const log = console.log;
  console.log = () => {};  // model.summary() and the file's own prints
  try {
    new Function('require', 'module', 'exports', code)(requireShim, module, module.exports);
  } finally {
    console.log = log;
  }
  return models;
}

/** The engine's parameters for the graph: seeded default init for kernels, random non-trivial values for the rest. */
function parameters(graph: ModelGraph): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, spec] of graphParameters(graph)) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    let data: Float32Array;
    if (/kernel$/.test(leaf)) data = initParameter(spec.shape, spec.init, 0, name);
    else {
      const r = rng(0, name);
      data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) {
        const u = r();
        data[i] = leaf === 'moving_variance' ? 0.5 + u : leaf === 'gamma' ? 1 + (2 * u - 1) * 0.2 : leaf === 'alpha' ? (2 * u - 1) * 0.3 : (2 * u - 1) * 0.2;
      }
    }
    out.set(name, { shape: spec.shape, data });
  }
  return out;
}

function compare(what: string, ours: Tensor | undefined, ref: TfTensor): { err: number; scale: number } {
  assert.ok(ours, `${what}: the engine has no output`);
  assert.deepEqual(ours.shape, ref.shape, `${what}: shape`);
  const r = ref.dataSync() as Float32Array;
  let err = 0, scale = 0;
  for (let i = 0; i < r.length; i++) {
    const t = r[i] as number;
    scale = Math.max(scale, Math.abs(t));
    const d = Math.abs((ours.data[i] as number) - t);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  assert.ok(err <= 1e-4 * Math.max(1, scale), `${what}: max |ours - tfjs| = ${err} (max |tfjs| ${scale})`);
  return { err, scale };
}

let worst = { rel: 0, where: '' };

for (const c of cases) {
  test(`${c.path} ${c.model}: every layer and the output equal TensorFlow.js on the same weights and input`, async () => {
    await ready;
    const tf = await tfjs();
    const doc = new AnalyzedDocument('typescript', readFileSync(join(root, c.path), 'utf8'));
    let graph: ModelGraph;
    try {
      const model = doc.analyze({}).models.find((m) => m.name === c.model);
      assert.ok(model, `the core finds ${c.model}`);
      graph = model.graph;
    } finally {
      doc.dispose();
    }
    assert.equal(graph.channelsLast, true);
    assert.notEqual(graph.output, null, 'the core follows the whole model');

    const tfModel = (await buildInTfjs(tf, c.path))[c.index];
    assert.ok(tfModel, `${c.path} builds tf.sequential model #${c.index}`);
    const layers = tfModel.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const keys = nodeKeys(graph);
    assert.equal(graph.nodes.length, layers.length, 'one graph node per tfjs layer');

    const params = parameters(graph);
    layers.forEach((layer, i) => {
      const name = graph.nodes[i]?.module?.name ?? '';
      const weights = layer.weights.map((w) => {
        const leaf = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        const p = params.get(`${name}.${leaf}`);
        assert.ok(p, `the engine has ${name}.${leaf} for tfjs's ${w.originalName}`);
        return tf.tensor(p.data, w.shape.map((d) => d ?? 0));
      });
      const ours = [...params.keys()].filter((k) => k.startsWith(`${name}.`));
      assert.equal(weights.length, ours.length, `${name}: the engine's parameters ${ours.join(', ')} are tfjs's`);
      layer.setWeights(weights);
    });

    const shape = (graph.nodes[0]?.module?.args['batchInputShape'] as Array<number | string>).map((d) => (typeof d === 'number' ? d : 2));
    const input: Tensor = { shape, data: randn(shape.reduce((a, b) => a * b, 1), 0, 'input') };
    const ours = runGraph(graph, input, { weights: params, strict: true }).outputs;

    let x: TfTensor = tf.tensor(input.data, [...input.shape]);
    layers.forEach((layer, i) => {
      x = layer.apply(x) as TfTensor;
      const key = keys[i] as string;
      const { err, scale } = compare(`layer ${key} (${layer.getClassName()})`, ours.get(key), x);
      const rel = err / Math.max(1, scale);
      if (rel >= worst.rel) worst = { rel, where: `${c.path} ${key}` };
    });
    compare('model.predict', ours.get('output'), tfModel.predict(tf.tensor(input.data, [...input.shape])) as TfTensor);
  });
}

test('the worst relative difference stays within the bound', () => {
  assert.ok(worst.rel <= 1e-4, `${worst.where}: ${worst.rel}`);
  console.log(`worst relative difference ${worst.rel.toExponential(2)} at ${worst.where}`);
});

test('the cases cover the TF.js corpus: every entry tfjs runs, plus the example', () => {
  assert.ok(cases.length >= 12, String(cases.length));
});
