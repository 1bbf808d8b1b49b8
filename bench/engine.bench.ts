// Engine benchmark: our conv engine vs onnxruntime-web (wasm, 1 thread) and TensorFlow.js (wasm, 1 thread),
// in one process, same layers and weights. `npm run bench:engine` (add `-- --quick` for fewer repeats,
// `-- --only TEXT` for some rows).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';

import { initCore, AnalyzedDocument, Program, findEnvironment } from '../src/core/index';
import { nodeHost } from '../src/cli/node-host';
import { homedir, tmpdir } from 'node:os';

import type { GraphNode, ModelGraph } from '../src/core/types';
import { conv2d, type Conv2dOptions } from '../src/engine/ops/conv';
import { runGraph, graphParameters } from '../src/engine/run-graph';
import { Executor } from '../src/engine/executor';
import { runtime } from '../src/engine/runtime';
import { initParameter, randn } from '../src/engine/weights/init';
import type { Tensor } from '../src/engine/tensor';
import { buildOnnx, type OnnxInitializer, type OnnxNode } from './engine-onnx';
import { readFileSync as readText } from 'node:fs';

type Ort = typeof import('onnxruntime-web');
type Tf = typeof import('@tensorflow/tfjs-core');

const quick = process.argv.includes('--quick');
/** Calls in a row per contender and round for the layer rows (see timeInterleaved). */
const LAYER_BLOCK = 8;
/** `-- --only Depthwise`: just the rows whose name contains the text ("ResNet" for the whole-net rows). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] ?? '' : undefined;
const wanted = (name: string): boolean => only === undefined || name.includes(only);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/**
 * Medians of several contenders timed in alternation (each in turn per round), so that load from other processes on
 * a shared machine falls on all of them alike instead of on whichever ran at the wrong moment. With `block` > 1 each
 * contender makes `block` calls in a row per round and the first is not timed: it pays for what the contender before
 * it left behind (its garbage to collect, which V8 charges to whoever allocates or reaches a stack check next, and
 * its data in the caches), which at a layer's 0.05-0.4 ms moved a row by up to a third, either way. The later calls
 * are what `conv-lens run --time` repeats in its own process, with no other engine in it.
 */
async function timeInterleaved(fs: Array<() => unknown | Promise<unknown>>, budgetMs = quick ? 900 : 4500, minRounds = quick ? 3 : 10, maxRounds = 200, block = 1): Promise<number[]> {
  for (let i = 0; i < 3; i++) for (const f of fs) await f();
  const ts = fs.map((): number[] => []);
  const start = performance.now();
  for (let r = 0; r < minRounds || (r < maxRounds && performance.now() - start < budgetMs); r++) {
    for (const [i, f] of fs.entries()) {
      for (let b = 0; b < block; b++) {
        const t0 = performance.now();
        await f();
        if (block === 1 || b > 0) ts[i]?.push(performance.now() - t0);
      }
    }
  }
  return ts.map(median);
}

interface ConvRow {
  name: string;
  input: [number, number, number, number];
  cout: number;
  k: number;
  stride: number;
  pad: number;
  groups: number;
}

const ROWS: ConvRow[] = [
  { name: 'Conv 7x7 s2 p3, 3->64, 224x224', input: [1, 3, 224, 224], cout: 64, k: 7, stride: 2, pad: 3, groups: 1 },
  { name: 'Conv 3x3 p1, 64->64, 56x56', input: [1, 64, 56, 56], cout: 64, k: 3, stride: 1, pad: 1, groups: 1 },
  { name: 'Conv 1x1, 256->64, 56x56', input: [1, 256, 56, 56], cout: 64, k: 1, stride: 1, pad: 0, groups: 1 },
  { name: 'Depthwise 3x3 p1, 32 ch, 112x112', input: [1, 32, 112, 112], cout: 32, k: 3, stride: 1, pad: 1, groups: 32 },
  { name: 'Conv 3x3 p1, 3->16, 32x32', input: [1, 3, 32, 32], cout: 16, k: 3, stride: 1, pad: 1, groups: 1 },
];

/** torchvision's resnet18 (examples/resnet18.py, built as resnet18()) as the real core describes its forward pass. */
async function resnet18Graph(): Promise<ModelGraph> {
  const root = resolve(__dirname, '..', '..');
  await initCore(async (file) => readFileSync(resolve(__dirname, '..', 'wasm', file)));
  const doc = new AnalyzedDocument('python', readFileSync(resolve(root, 'examples', 'resnet18.py'), 'utf8'));
  try {
    const a = doc.analyze({ inputs: { ResNet: [1, 3, 224, 224] }, construct: { ResNet: 'resnet18()' } });
    const m = a.models.find((r) => r.name === 'ResNet');
    if (m === undefined || a.findings.some((f) => f.severity === 'error')) throw new Error('examples/resnet18.py: the core did not produce the ResNet graph');
    return m.graph;
  } finally {
    doc.dispose();
  }
}

/**
 * A torchvision builder's model (`from torchvision.models import NAME; model = NAME()`) as the core reads it from
 * the installed torchvision (the environment conv-lens finds, as the CLI does), or null when none is installed.
 */
async function torchvisionGraph(builder: string): Promise<ModelGraph | null> {
  const env = await findEnvironment(nodeHost, { system: true, home: homedir(), virtualEnv: process.env['VIRTUAL_ENV'], condaPrefix: process.env['CONDA_PREFIX'] });
  if (env === undefined) return null;
  const dir = tmpdir().replace(/\\/g, '/');
  const program = new Program({ host: nodeHost, projectRoots: [dir], sitePackages: env.sitePackages });
  const doc = new AnalyzedDocument('python', `import torch\nfrom torchvision.models import ${builder}\nmodel = ${builder}()\nmodel.eval()\nout = model(torch.randn(1, 3, 224, 224))\n`);
  try {
    const a = await program.analyze(doc, `${dir}/bench_${builder}.py`, { inputs: {}, construct: {} });
    const m = a.models.find((r) => r.name === 'model');
    if (m === undefined || a.findings.some((f) => f.severity === 'error')) return null;
    return m.graph;
  } finally {
    doc.dispose();
  }
}

/** Weights for a graph: the default init, BatchNorm statistics and affine drawn around their identity values (so folding them matters). */
function benchParams(graph: ModelGraph): Map<string, Tensor> {
  const params = new Map<string, Tensor>();
  for (const [name, spec] of graphParameters(graph)) {
    const data = spec.name === 'running_var' || spec.name === 'running_mean' || (spec.type === 'BatchNorm2d')
      ? randn(spec.shape.reduce((p, d) => p * d, 1), 1, name).map((v) => (spec.name === 'running_var' ? 1 + 0.25 * Math.abs(v) : spec.name === 'weight' ? 1 + 0.1 * v : 0.1 * v))
      : initParameter(spec.shape, spec.init, 1, name);
    params.set(name, { shape: spec.shape, data });
  }
  return params;
}

/** The same graph as ONNX, for onnxruntime-web (which fuses BN and ReLU into its convs itself). */
function graphToOnnx(g: ModelGraph, params: Map<string, Tensor>, inputDims: number[]): Uint8Array {
  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [];
  const nm = (id: number): string => (id === g.input ? 'input' : `t${id}`);
  const init = (name: string): string => {
    const t = params.get(name);
    if (t === undefined) throw new Error(`no parameter ${name}`);
    inits.push({ name, dims: [...t.shape], data: t.data });
    return name;
  };
  for (const n of g.nodes) {
    const ins = n.inputs.map(nm), out = [nm(n.id)];
    const m = n.module;
    const constant = (name: string, v: number): string => {
      if (!inits.some((t) => t.name === name)) inits.push({ name, dims: [], data: Float32Array.of(v) });
      return name;
    };
    if (m === undefined) {
      if (n.op === 'add' || n.op === 'iadd') nodes.push({ op: 'Add', inputs: ins, outputs: out });
      else if (n.op === 'mul' || n.op === 'imul') nodes.push({ op: 'Mul', inputs: ins, outputs: out });
      else if (n.op === 'flatten') nodes.push({ op: 'Flatten', inputs: ins, outputs: out, attrs: { axis: 1 } });
      else if (n.op === 'adaptive_avg_pool2d') nodes.push({ op: 'GlobalAveragePool', inputs: ins, outputs: out });
      else throw new Error(`bench ONNX export: ${n.op}`);
      continue;
    }
    // Constructor arguments as the core binds them: an int or a pair.
    const pair = (k: string, def: number): [number, number] => {
      const v = m.args[k] ?? def;
      return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
    };
    switch (m.type) {
      case 'Conv2d': {
        const [ph, pw] = pair('padding', 0);
        const bias = m.args['bias'] === false ? [] : [init(`${m.name}.bias`)];
        nodes.push({ op: 'Conv', inputs: [...ins, init(`${m.name}.weight`), ...bias], outputs: out, attrs: { kernel_shape: pair('kernel_size', 1), strides: pair('stride', 1), pads: [ph, pw, ph, pw], group: Number(m.args['groups'] ?? 1) } });
        break;
      }
      case 'BatchNorm2d': nodes.push({ op: 'BatchNormalization', inputs: [...ins, init(`${m.name}.weight`), init(`${m.name}.bias`), init(`${m.name}.running_mean`), init(`${m.name}.running_var`)], outputs: out, attrs: { epsilon: { f: typeof m.args['eps'] === 'number' ? m.args['eps'] : 1e-5 } } }); break;
      case 'ReLU': nodes.push({ op: 'Relu', inputs: ins, outputs: out }); break;
      case 'ReLU6': nodes.push({ op: 'Clip', inputs: [...ins, constant('zero', 0), constant('six', 6)], outputs: out }); break;
      case 'Sigmoid': nodes.push({ op: 'Sigmoid', inputs: ins, outputs: out }); break;
      // SiLU as exporters write it (opset 17 has no SiLU): x * sigmoid(x).
      case 'SiLU':
        nodes.push({ op: 'Sigmoid', inputs: ins, outputs: [`${out[0] as string}_sig`] });
        nodes.push({ op: 'Mul', inputs: [...ins, `${out[0] as string}_sig`], outputs: out });
        break;
      // Identity in eval mode.
      case 'Dropout': case 'StochasticDepth': nodes.push({ op: 'Identity', inputs: ins, outputs: out }); break;
      case 'MaxPool2d': {
        const [ph, pw] = pair('padding', 0);
        nodes.push({ op: 'MaxPool', inputs: ins, outputs: out, attrs: { kernel_shape: pair('kernel_size', 1), strides: pair('stride', 1), pads: [ph, pw, ph, pw] } });
        break;
      }
      case 'AdaptiveAvgPool2d': nodes.push({ op: 'GlobalAveragePool', inputs: ins, outputs: out }); break;
      case 'Linear': nodes.push({ op: 'Gemm', inputs: [...ins, init(`${m.name}.weight`), init(`${m.name}.bias`)], outputs: out, attrs: { transB: 1 } }); break;
      default: throw new Error(`bench ONNX export: ${m.type}`);
    }
  }
  return buildOnnx(nodes, inits, { name: 'input', dims: inputDims }, { name: nm(g.output ?? 0), dims: [1, 1000] });
}

function convOnnx(r: ConvRow, w: Tensor, b: Tensor): Uint8Array {
  const [n, , h, wd] = r.input;
  const ho = Math.floor((h + 2 * r.pad - r.k) / r.stride) + 1, wo = Math.floor((wd + 2 * r.pad - r.k) / r.stride) + 1;
  return buildOnnx(
    [{ op: 'Conv', inputs: ['input', 'w', 'b'], outputs: ['out'], attrs: { kernel_shape: [r.k, r.k], strides: [r.stride, r.stride], pads: [r.pad, r.pad, r.pad, r.pad], group: r.groups } }],
    [{ name: 'w', dims: [...w.shape], data: w.data }, { name: 'b', dims: [r.cout], data: b.data }],
    { name: 'input', dims: [...r.input] }, { name: 'out', dims: [n, r.cout, ho, wo] },
  );
}


/** One Conv2d module as the core describes it (shapes included, so the executor plans its output). */
function convGraph(r: ConvRow, outShape: number[]): ModelGraph {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };
  const [, cin] = r.input;
  const args = { in_channels: cin, out_channels: r.cout, kernel_size: r.k, stride: r.stride, padding: r.pad, dilation: 1, groups: r.groups, bias: true, padding_mode: 'zeros' };
  return { input: 0, output: 1, nodes: [{ id: 1, op: 'module', module: { name: 'conv', type: 'Conv2d', args }, args: {}, inputs: [0], shape: outShape, range }] };
}

/**
 * This machine's 128-bit SIMD peak, assuming two FMA pipes of 4 float lanes (2 flops each) per cycle at the
 * clock /proc/cpuinfo reports (AMD Zen and recent Intel cores have two 128-bit-capable FMA pipes).
 */
function simdPeak(): { gflops: number; note: string } {
  let mhz = 0;
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readText('/proc/cpuinfo', 'utf8'));
    mhz = m ? Number(m[1]) : 0;
  } catch {
    mhz = 0;
  }
  const ghz = mhz > 0 ? mhz / 1000 : 2;
  return { gflops: 2 * 4 * 2 * ghz, note: `${ghz.toFixed(2)} GHz${mhz > 0 ? ' (/proc/cpuinfo)' : ' (assumed)'} x 2 FMA pipes x 4 lanes x 2 flops` };
}

function fmtMs(ms: number | null): string {
  return ms === null ? '-' : ms < 1 ? ms.toFixed(3) : ms.toFixed(2);
}

interface FirstRun { init: number; run: number; pack: number; plan: number; steady: number; wasm: number; faults: number }

const pageFaults = (): number => process.resourceUsage().minorPageFault;

/** A new executor on the seeded default init: its construction, its first run (packing included), then steady runs. */
function firstRun(graph: ModelGraph, x: Tensor): FirstRun {
  const t0 = performance.now();
  const seeded = new Executor(graph, { seed: 0 });
  const t1 = performance.now();
  const f0 = pageFaults();
  seeded.run(x).get('output');
  const t2 = performance.now();
  const faults = pageFaults() - f0;
  const steady: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    seeded.run(x).get('output');
    steady.push(performance.now() - t);
  }
  return { init: t1 - t0, run: t2 - t1, pack: seeded.packMs, plan: seeded.planMs, steady: median(steady), wasm: runtime().memoryBytes, faults };
}

/** firstRun in a child process that first grows the engine's memory to `bytes` and writes every page of it once. */
function firstRunTouched(bytes: number): (FirstRun & { touchMs: number; touchFaults: number }) | null {
  const out = spawnSync(process.execPath, [__filename, '--first-run-touched', String(bytes)], { encoding: 'utf8', timeout: 120_000 });
  const line = out.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (out.status !== 0 || line === undefined) {
    console.error(`the first run with touched memory failed: ${out.stderr ?? out.error?.message ?? ''}`);
    return null;
  }
  return JSON.parse(line) as FirstRun & { touchMs: number; touchFaults: number };
}

async function firstRunTouchedChild(bytes: number): Promise<void> {
  const graph = await resnet18Graph();
  const rt = runtime();
  rt.reserve(bytes, 'the benchmark');
  const f0 = pageFaults();
  const t0 = performance.now();
  const memory = new Uint8Array(rt.k.memory.buffer);
  for (let i = 0; i < memory.length; i += 4096) memory[i] = 0;
  const touchMs = performance.now() - t0;
  const touchFaults = pageFaults() - f0;
  const result = firstRun(graph, { shape: [1, 3, 224, 224], data: randn(3 * 224 * 224, 2) });
  console.log(JSON.stringify({ ...result, touchMs, touchFaults }));
}

async function main(): Promise<void> {
  const rt = runtime();
  console.log(`Conv Lens engine benchmark: single thread, NCHW batch 1, ${rt.relaxed ? 'relaxed-SIMD FMA' : 'wasm SIMD (no relaxed SIMD in this runtime)'} kernels; median ms (GFLOP/s)\n`);

  // ResNet-18 first, so the process's peak RSS at this point is ours alone.
  const graph = await resnet18Graph();
  const x224: Tensor = { shape: [1, 3, 224, 224], data: randn(3 * 224 * 224, 2) };
  const resnetFlops = 2 * 1.814e9;
  const resnet = wanted('ResNet-18');
  const peak = simdPeak();

  // The product path's first run, in this fresh process: what `conv-lens run` and the preview do on opening
  // a model without weights (seeded default init, packing, planning, one forward pass).
  const first = resnet ? firstRun(graph, x224) : null;
  // The same in a second fresh process whose engine memory was touched beforehand: the first run without the page
  // faults of memory new to the process, which this machine charges far more for than bare metal does.
  const touched = first !== null ? firstRunTouched(first.wasm) : null;

  const params = benchParams(graph);
  // The exact call of the CLI and the worker: a compiled model run for its output (fused, resident), and for
  // every node's exact output (the preview).
  const compiled = new Executor(graph, { weights: params });
  const ourResnet = (): unknown => compiled.run(x224).get('output');
  // The preview's call: every node's exact output kept in the engine's memory (drawn from there, not copied).
  const ourResnetAll = (): unknown => compiled.run(x224, { outputs: 'all' }).keys();
  if (resnet) for (let i = 0; i < 3; i++) { ourResnet(); ourResnetAll(); }
  const kept = runGraph(graph, x224, { weights: params });
  let keptBytes = 0;
  for (const t of kept.outputs.values()) keptBytes += t.data.length * 4;
  const ourRss = process.resourceUsage().maxRSS * 1024;
  const ourWasm = rt.memoryBytes;

  const ort: Ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const tf: Tf = await import('@tensorflow/tfjs-core');
  const tfw = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  tfw.setWasmPaths(`${resolve(wasmDir, 'dist')}/`);
  tfw.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();

  const header = ['layer', 'product path', 'product, output copied', 'kernel alone', 'onnxruntime-web', 'tfjs wasm', 'product vs ort', 'copied vs ort', 'kernel vs ort', 'product vs tfjs', 'product % of nominal peak'];
  const table: string[][] = [];
  for (const r of ROWS.filter((row) => wanted(row.name))) {
    const [n, cin, h, w] = r.input;
    const weight: Tensor = { shape: [r.cout, cin / r.groups, r.k, r.k], data: initParameter([r.cout, cin / r.groups, r.k, r.k], { kind: 'kaiming_uniform', fanIn: (cin / r.groups) * r.k * r.k }, 1, r.name) };
    const bias: Tensor = { shape: [r.cout], data: randn(r.cout, 3) };
    const x: Tensor = { shape: r.input, data: randn(n * cin * h * w, 4) };
    const o: Conv2dOptions = { stride: [r.stride, r.stride], padding: [r.pad, r.pad, r.pad, r.pad], dilation: [1, 1], groups: r.groups, paddingMode: 'zeros' };
    const y = conv2d(x, weight, bias, o);
    const flops = 2 * y.data.length * (cin / r.groups) * r.k * r.k;
    const ours = (): unknown => conv2d(x, weight, bias, o);
    const layer = new Executor(convGraph(r, [...y.shape]), { weights: new Map([['conv.weight', weight], ['conv.bias', bias]]) });
    // The CLI's call: the output stays in the engine's memory (it prints its shape); a caller that reads the values
    // copies them out, as onnxruntime-web's run always does.
    const product = (): unknown => layer.run(x).shape('output');
    const productCopied = (): unknown => layer.run(x).get('output');
    let perr = 0;
    const py = layer.run(x).get('output') as Tensor;
    for (let i = 0; i < y.data.length; i++) perr = Math.max(perr, Math.abs((py.data[i] as number) - (y.data[i] as number)));
    if (!(perr < 1e-5)) throw new Error(`${r.name}: the product path and the kernel disagree by ${perr}`);

    const session = await ort.InferenceSession.create(convOnnx(r, weight, bias), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { input: new ort.Tensor('float32', x.data, [...r.input]) };
    const check = (await session.run(feeds))['out'];
    let err = 0;
    const cd = check?.data as Float32Array;
    for (let i = 0; i < y.data.length; i++) err = Math.max(err, Math.abs((cd[i] as number) - (y.data[i] as number)));
    if (!(err < 1e-3)) throw new Error(`${r.name}: ours and onnxruntime-web disagree by ${err}`);
    const ortRun = async (): Promise<void> => { const out = await session.run(feeds); (out['out'] as { dispose?: () => void }).dispose?.(); };

    // TensorFlow.js convolves NHWC (its native layout); time includes reading the result back.
    const xt = tf.transpose(tf.tensor4d(x.data, [n, cin, h, w]), [0, 2, 3, 1]) as import('@tensorflow/tfjs-core').Tensor4D;
    const wt = r.groups === 1
      ? tf.transpose(tf.tensor4d(weight.data, [r.cout, cin, r.k, r.k]), [2, 3, 1, 0]) as import('@tensorflow/tfjs-core').Tensor4D
      : tf.transpose(tf.tensor4d(weight.data, [cin, 1, r.k, r.k]), [2, 3, 0, 1]) as import('@tensorflow/tfjs-core').Tensor4D;
    const bt = tf.tensor1d(bias.data);
    const pad = r.pad === 0 ? 'valid' as const : [[0, 0], [r.pad, r.pad], [r.pad, r.pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
    const tfRun = (): void => {
      const yt = tf.tidy(() => tf.add(r.groups === 1 ? tf.conv2d(xt, wt, r.stride, pad) : tf.depthwiseConv2d(xt, wt, r.stride, pad), bt));
      yt.dataSync();
      yt.dispose();
    };
    const [productMs, copiedMs, ourMs, ortMs, tfMs] = await timeInterleaved([product, productCopied, ours, ortRun, tfRun], undefined, undefined, undefined, LAYER_BLOCK) as [number, number, number, number, number];
    await session.release();
    tf.dispose([xt, wt, bt]);

    const g = (ms: number): string => `${fmtMs(ms)} (${(flops / ms / 1e6).toFixed(1)})`;
    table.push([r.name, g(productMs), g(copiedMs), g(ourMs), g(ortMs), g(tfMs), `${(ortMs / productMs).toFixed(2)}x`, `${(ortMs / copiedMs).toFixed(2)}x`, `${(ortMs / ourMs).toFixed(2)}x`,
      `${(tfMs / productMs).toFixed(2)}x`, `${((100 * flops) / productMs / 1e6 / peak.gflops).toFixed(0)}%`]);
  }

  if (resnet) {
    const session = await ort.InferenceSession.create(graphToOnnx(graph, params, [1, 3, 224, 224]), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { input: new ort.Tensor('float32', x224.data, [1, 3, 224, 224]) };
    const ortOut = (await session.run(feeds))[`t${graph.output ?? 0}`]?.data as Float32Array;
    const ours = kept.outputs.get('output') as Tensor;
    let err = 0, mag = 0;
    for (let i = 0; i < ours.data.length; i++) { err = Math.max(err, Math.abs((ortOut[i] as number) - (ours.data[i] as number))); mag = Math.max(mag, Math.abs(ours.data[i] as number)); }
    if (!(err <= 1e-3 * Math.max(1, mag))) throw new Error(`ResNet-18: ours and onnxruntime-web disagree by ${err}`);
    const [ourMs, ourAllMs, ortResnet] = await timeInterleaved([ourResnet, ourResnetAll, () => session.run(feeds)], quick ? 3000 : 15000, quick ? 2 : 7, 40) as [number, number, number];
    await session.release();
    const g = (ms: number): string => `${fmtMs(ms)} (${(resnetFlops / ms / 1e6).toFixed(1)})`;
    const pct = (ms: number): string => `${((100 * resnetFlops) / ms / 1e6 / peak.gflops).toFixed(0)}%`;
    table.push(['ResNet-18, 224x224 (whole net)', g(ourMs), '-', '-', g(ortResnet), '-', `${(ortResnet / ourMs).toFixed(2)}x`, '-', '-', '-', pct(ourMs)]);
    table.push(['ResNet-18, every node output (preview)', g(ourAllMs), '-', '-', g(ortResnet), '-', `${(ortResnet / ourAllMs).toFixed(2)}x`, '-', '-', '-', pct(ourAllMs)]);
  }

  // torchvision's MobileNetV2 and EfficientNet-B0 as users build them, through the product path beside
  // onnxruntime-web on the same ONNX (the issue's goal: a full run under 300 ms).
  for (const [builder, label] of [['mobilenet_v2', 'MobileNetV2'], ['efficientnet_b0', 'EfficientNet-B0']] as const) {
    if (!wanted(label)) continue;
    const g = await torchvisionGraph(builder);
    if (g === null) {
      console.log(`${label}: no torchvision found in a Python environment; row skipped`);
      continue;
    }
    const p = benchParams(g);
    const net = new Executor(g, { weights: p });
    const ours = net.run(x224).get('output') as Tensor;
    const session = await ort.InferenceSession.create(graphToOnnx(g, p, [1, 3, 224, 224]), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { input: new ort.Tensor('float32', x224.data, [1, 3, 224, 224]) };
    const ortOut = (await session.run(feeds))[`t${g.output ?? 0}`]?.data as Float32Array;
    let err = 0, mag = 0;
    for (let i = 0; i < ours.data.length; i++) { err = Math.max(err, Math.abs((ortOut[i] as number) - (ours.data[i] as number))); mag = Math.max(mag, Math.abs(ours.data[i] as number)); }
    if (!(err <= 1e-3 * Math.max(1, mag))) throw new Error(`${label}: ours and onnxruntime-web disagree by ${err}`);
    const flops = 2 * net.run(x224).timings.reduce((t, n) => t + (n.macs ?? 0), 0);
    const [ourMs, ortMs] = await timeInterleaved([() => net.run(x224).get('output'), () => session.run(feeds)], quick ? 2000 : 8000, quick ? 3 : 10, 60) as [number, number];
    await session.release();
    const g2 = (ms: number): string => `${fmtMs(ms)} (${(flops / ms / 1e6).toFixed(1)})`;
    table.push([`${label}, 224x224 (whole net)`, g2(ourMs), '-', '-', g2(ortMs), '-', `${(ortMs / ourMs).toFixed(2)}x`, '-', '-', '-', `${((100 * flops) / ourMs / 1e6 / peak.gflops).toFixed(0)}%`]);
  }

  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`);
  for (const row of table) console.log(line(row));
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(`\n128-bit SIMD peak at the nominal clock: ${peak.gflops.toFixed(1)} GFLOP/s (${peak.note}). A virtual machine reports its`);
  console.log('nominal clock only; cores that boost above it exceed 100% of this figure, so it is a yardstick, not a limit.');
  if (first !== null) {
    console.log(`ResNet-18 product path, fresh process, seeded default init: init ${first.init.toFixed(1)} ms, first run ${first.run.toFixed(1)} ms ` +
      `(init and packing ${first.pack.toFixed(1)} ms of it, planning ${first.plan.toFixed(1)}; ${first.faults} page faults), then ${first.steady.toFixed(1)} ms per run; peak wasm memory ${mb(first.wasm)} (goal <= 120 MiB).`);
  }
  if (touched !== null && first !== null) {
    const perPage = (1000 * touched.touchMs) / touched.touchFaults;
    console.log(`The same in a fresh process whose ${mb(first.wasm)} of engine memory was touched first (${touched.touchFaults} page faults, ${touched.touchMs.toFixed(0)} ms: ` +
      `${perPage.toFixed(1)} µs a page on this machine): first run ${touched.run.toFixed(1)} ms (init and packing ${touched.pack.toFixed(1)} ms of it, ` +
      `${((100 * touched.pack) / touched.steady).toFixed(0)}% of a ${touched.steady.toFixed(1)} ms forward pass, planning ${touched.plan.toFixed(1)}; ${touched.faults} page faults).`);
  }
  console.log(`ResNet-18 memory (ours): engine wasm memory ${mb(ourWasm)} after the runs above too (packed weights of two models, arenas, scratch), ` +
    `every node output kept ${mb(keptBytes)}, weights ${mb(11.69e6 * 4)}; process peak RSS after our runs ${mb(ourRss)} ` +
    `(after onnxruntime-web and tfjs too: ${mb(process.resourceUsage().maxRSS * 1024)})`);
  console.log('ratios are peer ms / our ms: above 1x means ours is faster. "product path" is the call conv-lens run and the preview make');
  console.log('(a compiled model: BN folded, ReLU fused, activations resident, the output left in engine memory as the CLI does, which prints its shape);');
  console.log('"product, output copied" also copies the output into a JavaScript array, as onnxruntime-web\'s run does; "kernel alone" is conv2d on JS arrays.');
}

(process.argv.includes('--first-run-touched') ? firstRunTouchedChild(Number(process.argv[process.argv.indexOf('--first-run-touched') + 1])) : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
