// `conv-lens run`: execute a model found in a source file with the bundled engine.
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { ModelGraph } from '../core/types';
import { Executor } from '../engine/executor';
import { ArgError } from '../engine/args';
import { describeNode, GraphError, IncompleteGraphError, type NodeTiming } from '../engine/graph';
import { interpolate } from '../engine/ops/resize';
import { permute } from '../engine/ops/shape';
import { readSafetensors, writeSafetensors } from '../engine/weights/safetensors';
import { readWeightsFile } from '../engine/weights/state-dict';
import { randn } from '../engine/weights/init';
import { numel, shapeString, type Tensor } from '../engine/tensor';

export interface RunIO {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(p: string): Uint8Array;
  writeFile(p: string, b: Uint8Array): void;
}

export type Analyze = (path: string, text: string, inputs: Record<string, number[]>, construct?: Record<string, string>) => Promise<{
  /** unknownBecause: why the analysis could not follow the forward pass to its output, when it could not. */
  models: Array<{ name: string; graph: ModelGraph; input: (number | string)[][]; instantiated: boolean; needsArguments?: boolean; unknownBecause?: string | undefined }>;
}>;

const USAGE = `usage: conv-lens run FILE [--model NAME] [--input SHAPE] [--weights F.safetensors|F.pt]
                      [--input-tensor F.safetensors] [--image IMG.png|jpg] [--seed N]
                      [--out OUT.safetensors] [--time [--repeat N]] [--json] [--construct NAME=EXPR]
  SHAPE is like 1,3,224,224 (TF.js models: channels last, 1,28,28,1). Without --weights, layers get their
  framework's default init (PyTorch's; TF.js's glorot-uniform kernels and zero biases) from --seed (default 0).
  --out writes every layer application's output, keyed by qualified name, plus "output".
  --time runs the model as inference runtimes do (BatchNorm folded into the conv before it, ReLU fused
  into its store, so such a chain is one row) and reports the median of --repeat runs, then the first run
  (packing weights) and the parameter initialisation apart.`;

/** Largest image accepted by --image, in pixels (the decoders allocate width*height*4 bytes). */
const MAX_IMAGE_PIXELS = 40_000_000;

class UsageError extends Error {}

interface Flags {
  file: string;
  model?: string;
  input?: number[];
  construct?: Record<string, string>;
  weights?: string;
  inputTensor?: string;
  image?: string;
  seed: number;
  out?: string;
  time: boolean;
  repeat: number;
  json: boolean;
}

function parseShape(s: string): number[] {
  const parts = s.replace(/[[\]()\s]/g, '').split(/[,x]/).filter((p) => p !== '');
  const dims = parts.map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UsageError(`--input ${s}: expected positive integers such as 1,3,224,224`);
  }
  return dims;
}

function parseFlags(argv: string[]): Flags {
  const args = argv[0] === 'run' ? argv.slice(1) : argv;
  const flags: Partial<Flags> & { seed: number; time: boolean; repeat: number; json: boolean } = { seed: 0, time: false, repeat: 10, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${a} ${v}: expected a non-negative integer`);
      return n;
    };
    switch (a) {
      case '--model': flags.model = value(); break;
      case '--input': flags.input = parseShape(value()); break;
      case '--weights': flags.weights = value(); break;
      case '--input-tensor': flags.inputTensor = value(); break;
      case '--image': flags.image = value(); break;
      case '--seed': flags.seed = int(); break;
      case '--out': flags.out = value(); break;
      case '--time': flags.time = true; break;
      case '--repeat': flags.repeat = Math.max(1, int()); break;
      case '--json': flags.json = true; break;
      case '--construct': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`--construct needs NAME=EXPR, e.g. --construct "ResNet=ResNet(BasicBlock, [2, 2, 2, 2])"`);
        flags.construct = { ...flags.construct, [v.slice(0, eq)]: v.slice(eq + 1) };
        break;
      }
      case '-h': case '--help': throw new UsageError('');
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (flags.file !== undefined) throw new UsageError(`one FILE only (got ${flags.file} and ${a})`);
        flags.file = a;
    }
  }
  if (flags.file === undefined) throw new UsageError('FILE is missing');
  if ([flags.inputTensor, flags.image].filter((v) => v !== undefined).length > 1) throw new UsageError('use only one of --input-tensor and --image');
  return flags as Flags;
}

function imageDims(bytes: Uint8Array): [number, number] | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && dv.getUint32(0) === 0x89504e47) return [dv.getUint32(16), dv.getUint32(20)];
  return null;
}

/** Decodes a PNG or JPEG into a [1, 3, H, W] tensor in [0, 1] (torchvision's ToTensor; TF.js models transpose it). */
export function decodeImage(bytes: Uint8Array, file: string): Tensor {
  let width: number, height: number, rgba: Uint8Array;
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    const dims = imageDims(bytes);
    if (dims === null || dims[0] * dims[1] > MAX_IMAGE_PIXELS) {
      throw new Error(`${file}: ${dims === null ? 'damaged PNG header' : `${dims[0]}x${dims[1]} is over the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`}`);
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    ({ width, height } = png);
    rgba = png.data;
  } else if (isJpeg) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
    ({ width, height } = img);
    rgba = img.data;
  } else {
    throw new Error(`${file}: not a PNG or JPEG image`);
  }
  const t: Tensor = { shape: [1, 3, height, width], data: new Float32Array(3 * width * height) };
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) t.data[c * plane + i] = (rgba[i * 4 + c] as number) / 255;
  }
  return t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export async function runCommand(args: string[], io: RunIO, analyze: Analyze): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(args);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message !== '') io.stderr(`conv-lens run: ${e.message}\n`);
      io.stderr(`${USAGE}\n`);
      return e.message === '' ? 0 : 2;
    }
    throw e;
  }
  let chosen: Chosen | undefined;
  try {
    const text = new TextDecoder().decode(io.readFile(flags.file));
    const inputs: Record<string, number[]> = {};
    if (flags.input !== undefined) inputs[flags.model ?? '*'] = flags.input;
    const { models } = await analyze(flags.file, text, inputs, flags.construct);
    if (models.length === 0) throw new Error(`${flags.file}: no model found`);
    // As everywhere: the model the file builds; classes nothing builds (blocks) only when the file builds none.
    const built = models.filter((m) => m.instantiated);
    const pool = built.length > 0 ? built : models;
    const model = flags.model === undefined ? (pool.length === 1 ? pool[0] : undefined) : models.find((m) => m.name === flags.model);
    if (model === undefined) {
      const names = (flags.model === undefined ? pool : models).map((m) => m.name).join(', ');
      throw new Error(flags.model === undefined ? `${flags.file} ${built.length > 1 ? 'builds' : 'defines'} several models (${names}); pick one with --model NAME` : `no model named ${flags.model} in ${flags.file} (found: ${names})`);
    }
    chosen = model;

    let input: Tensor;
    const channelsLast = model.graph.channelsLast === true;
    // A TF.js input shape leaves the batch open (inputShape: [28, 28, 1] is [null, 28, 28, 1]): run one example.
    const declared = flags.input ?? (channelsLast ? model.input[0]?.map((d, i) => (i === 0 && typeof d !== 'number' ? 1 : d)) : model.input[0]);
    if (flags.inputTensor !== undefined) {
      const st = readSafetensors(io.readFile(flags.inputTensor), flags.inputTensor);
      const t = st.tensors.get('input') ?? (st.tensors.size === 1 ? [...st.tensors.values()][0] : undefined);
      if (t === undefined) throw new Error(`${flags.inputTensor}: expected a tensor named "input" (or a single tensor), found ${[...st.tensors.keys()].join(', ')}`);
      input = t;
    } else if (flags.image !== undefined) {
      input = decodeImage(io.readFile(flags.image), flags.image);
      const [, h, w] = channelsLast ? (declared ?? []) : (declared ?? []).slice(1);
      if (typeof h === 'number' && typeof w === 'number' && (h !== input.shape[2] || w !== input.shape[3])) {
        input = interpolate(input, { size: [h, w], scaleFactor: null, mode: 'bilinear', alignCorners: false, recomputeScaleFactor: null });
      }
      if (channelsLast) input = permute(input, [0, 2, 3, 1]);
    } else {
      if (declared === undefined || !declared.every((d): d is number => typeof d === 'number')) {
        throw new Error(`the input shape of ${model.name} is ${declared === undefined ? 'unknown' : `[${declared.join(', ')}]`}; pass a concrete one with --input 1,3,224,224`);
      }
      input = { shape: declared, data: randn(numel(declared), flags.seed, 'input') };
    }

    const weights = flags.weights === undefined ? undefined : readWeightsFile(io.readFile(flags.weights), flags.weights);
    // The compiled model: parameters initialised (or loaded) and kept; each plan packs its weights once.
    const executor = new Executor(model.graph, { seed: flags.seed, ...(weights === undefined ? {} : { weights }) });
    if (executor.report.unexpected.length > 0) io.stderr(`warning: ${flags.weights ?? ''} has weights the model does not use: ${executor.report.unexpected.join(', ')}\n`);
    // The product path: BatchNorm folded and activations fused where no one reads what they skip,
    // activations resident in the engine's memory. Only the output's shape is printed: its values stay there too.
    const run = (): { output: readonly number[] | undefined; timings: NodeTiming[]; ms: number } => {
      const t0 = performance.now();
      const r = executor.run(input);
      const output = r.shape('output');
      return { output, timings: r.timings, ms: performance.now() - t0 };
    };
    const first = run();
    const firstPackMs = executor.packMs, firstPlanMs = executor.planMs;

    let written = 0;
    if (flags.out !== undefined) {
      // Every node's exact output (nothing folded), as PyTorch computes them one by one.
      const all = executor.run(input, { outputs: 'all' }).all();
      written = all.size;
      io.writeFile(flags.out, writeSafetensors(all, { model: model.name, input: shapeString(input.shape) }));
    }

    const runs = [first];
    if (flags.time) for (let i = 0; i < flags.repeat; i++) runs.push(run());
    const timed = flags.time ? runs.slice(1) : runs;
    const layers = first.timings.map((t, i) => {
      const ms = median(timed.map((r) => r.timings[i]?.ms ?? 0));
      return { name: t.label ?? t.key, type: t.type, ms, gflops: t.macs === null || ms <= 0 ? null : (2 * t.macs) / (ms * 1e6) };
    });
    const totalMs = median(timed.map((r) => r.ms));
    const out = first.output;

    if (flags.json) {
      io.stdout(`${JSON.stringify({
        model: model.name,
        input: input.shape,
        output: out ?? null,
        layers: layers.map((l) => ({ name: l.name, type: l.type, ms: Number(l.ms.toFixed(4)), gflops: l.gflops === null ? null : Number(l.gflops.toFixed(3)) })),
        total_ms: Number(totalMs.toFixed(4)),
        init_ms: Number(executor.initMs.toFixed(4)),
        first_run_ms: Number(first.ms.toFixed(4)),
        pack_ms: Number(firstPackMs.toFixed(4)),
        plan_ms: Number(firstPlanMs.toFixed(4)),
      })}\n`);
      return 0;
    }
    io.stdout(`${model.name}: input ${shapeString(input.shape)} -> output ${out === undefined ? 'none' : shapeString(out)}, ${layers.length} layer applications\n`);
    if (flags.time) {
      const w = Math.max(5, ...layers.map((l) => l.name.length));
      const tw = Math.max(4, ...layers.map((l) => l.type.length));
      io.stdout(`${pad('layer', w)}  ${pad('type', tw)}  ${pad('ms', 9, true)}  ${pad('GFLOP/s', 8, true)}\n`);
      for (const l of layers) {
        io.stdout(`${pad(l.name, w)}  ${pad(l.type, tw)}  ${pad(l.ms.toFixed(3), 9, true)}  ${pad(l.gflops === null ? '-' : l.gflops.toFixed(2), 8, true)}\n`);
      }
      io.stdout(`total ${totalMs.toFixed(3)} ms (median of ${timed.length} runs)\n`);
      io.stdout(`first run ${first.ms.toFixed(1)} ms (of which packing weights ${firstPackMs.toFixed(1)} ms, seeded weights drawn into their packing, and planning ${firstPlanMs.toFixed(1)} ms), after loading the parameters in ${executor.initMs.toFixed(1)} ms\n`);
    }
    if (flags.out !== undefined) io.stdout(`wrote ${written} tensors to ${flags.out}\n`);
    return 0;
  } catch (e) {
    io.stderr(`conv-lens run: ${failure(e, chosen)}\n`);
    return 1;
  }
}

type Chosen = { name: string; needsArguments?: boolean; unknownBecause?: string | undefined };

/**
 * Why the run failed, in the user's terms: a layer argument or a part of the forward pass the analysis could not
 * evaluate says which, and how to give it.
 */
function failure(e: unknown, model: Chosen | undefined): string {
  const construct = model?.needsArguments === true
    ? `. Nothing in the file builds ${model.name}, whose constructor needs arguments: pass the expression that builds it with --construct '${model.name}=EXPR' (a builder function's call, say)`
    : undefined;
  if (e instanceof IncompleteGraphError && model !== undefined) {
    const where = e.node === undefined ? 'its output' : `the input of ${describeNode(e.node)}, applied at line ${e.node.range.start.line + 1},`;
    return `Conv Lens cannot run ${model.name}: ${model.unknownBecause ?? `${where} comes from code Conv Lens cannot follow`}${construct ?? ''}`;
  }
  const reason = e instanceof GraphError ? e.reason : undefined;
  if (!(e instanceof GraphError) || e.node === undefined || !(reason instanceof ArgError) || !reason.missing || reason.arg === undefined) return (e as Error).message;
  const what = `Conv Lens does not know the ${reason.arg} of ${describeNode(e.node)}, applied at line ${e.node.range.start.line + 1}: its value comes from something it cannot evaluate, such as a constructor argument or a value computed at run time`;
  return `${what}${construct ?? '. Write it as a number to run the model'}`;
}
