// The shape rules against PyTorch 1.13: every case in goldens/layers/cases.json (written by generate.py from
// real PyTorch) goes through the registry; outputs must match exactly, errors must be reported, and where a
// rule quotes PyTorch's message it must be PyTorch's message. Expected shapes come only from the goldens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dimToString, evalDim, floorDiv, product, sym, unknownDim, type Dim, type Shape } from '../src/core/dims';
import { bindArgs } from '../src/core/rules/bind-args';
import { UNKNOWN as UNKNOWN_ARG, type ApplyResult, type ArgValue, type LayerIssue, type LayerSpec, type OutputTree } from '../src/core/rules/layer-spec';
import { functionalSpecs, layerSpecs } from '../src/core/rules/registry';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A tensor's shape, or (nested) a tuple of them: an LSTM's (h_0, c_0). */
type GoldenInput = number[] | GoldenInput[];
type GoldenTree = number[] | null | GoldenTree[];

interface GoldenCase {
  name: string;
  target: string;
  args: Json[];
  kwargs: Record<string, Json>;
  inputs: GoldenInput[];
  /** Non-tensor keyword arguments of the forward call. */
  forward?: Record<string, Json>;
  note?: string;
  output?: number[];
  outputs?: GoldenTree[];
  /** sum(p.numel() for p in layer.parameters()), modules only. */
  params?: number;
  error?: { phase: 'init' | 'forward'; type: string; message: string };
}

const golden = JSON.parse(readFileSync(join(__dirname, '..', '..', 'test', 'goldens', 'layers', 'cases.json'), 'utf8')) as { torch: string; cases: GoldenCase[] };

/** {"module": type, "args", "kwargs"} stands for a layer passed as an argument (TransformerEncoder's layer). */
function toArg(v: Json): ArgValue {
  if (Array.isArray(v)) return v.map(toArg);
  if (typeof v === 'object' && v !== null) {
    const type = v['module'];
    const spec = typeof type === 'string' ? layerSpecs.get(type) : undefined;
    assert.ok(spec, `no layer ${String(type)} for a module argument`);
    const kw: Record<string, ArgValue> = {};
    for (const [k, x] of Object.entries((v['kwargs'] ?? {}) as Record<string, Json>)) kw[k] = toArg(x);
    const bound = bindArgs(spec, ((v['args'] ?? []) as Json[]).map(toArg), kw);
    return { kind: 'layer', type: spec.type, args: bound.args, params: spec.paramCount?.(bound.args) ?? 0 };
  }
  return v;
}

function isTupleInput(x: GoldenInput): x is GoldenInput[] {
  return x.length > 0 && x.every((d) => Array.isArray(d));
}

/** Tuples of tensors among the inputs count as consecutive inputs, as the interpreter passes them. */
function flatInputs(xs: readonly GoldenInput[]): number[][] {
  return xs.flatMap((x) => (isTupleInput(x) ? flatInputs(x) : [x as number[]]));
}

function treeJSON(t: OutputTree): GoldenTree {
  if (t === null) return null;
  if (Array.isArray(t)) return t.map((d) => (typeof d === 'number' ? d : dimToString(d))) as number[];
  return t.items.map(treeJSON);
}

function specFor(target: string): LayerSpec | undefined {
  return target.startsWith('torch.') || target.startsWith('einops.') ? functionalSpecs.get(target) : layerSpecs.get(target);
}

/** Python prints sets in hash order; compare set literals by their sorted elements. */
function normalizeSets(message: string): string {
  return message.replace(/\{('[^']*'(?:, '[^']*')*)\}/g, (_m, body: string) => `{${body.split(', ').sort().join(', ')}}`);
}

interface RunResult {
  initIssues: LayerIssue[];
  result?: ApplyResult;
}

function run(c: GoldenCase, inputs: Shape[]): RunResult {
  const spec = specFor(c.target);
  assert.ok(spec, `no shape rule registered for ${c.target}`);
  const kwargs: Record<string, ArgValue> = {};
  for (const [k, v] of Object.entries(c.kwargs)) kwargs[k] = toArg(v);
  const { args, issues } = bindArgs(spec, c.args.map(toArg), kwargs);
  const initIssues = [...issues, ...(spec.check?.(args) ?? [])];
  if (initIssues.some((i) => i.severity === 'error')) return { initIssues };
  const fwd: Record<string, ArgValue> = {};
  for (const [k, v] of Object.entries(c.forward ?? {})) fwd[k] = toArg(v);
  const forward = bindArgs({ type: `${spec.type}.forward`, signature: spec.forwardSignature ?? [], defaults: spec.forwardDefaults ?? {} }, [], fwd);
  assert.deepEqual(forward.issues, [], 'forward arguments');
  return { initIssues, result: spec.apply(args, inputs, forward.args) };
}

function describeIssues(r: RunResult): string {
  const all = [...r.initIssues, ...(r.result && 'error' in r.result ? [r.result.error] : []), ...(r.result && 'output' in r.result ? r.result.issues ?? [] : [])];
  return all.map((i) => `${i.severity} ${i.code}: ${i.message}${i.pytorch ? ` [pytorch: ${i.pytorch}]` : ''}`).join('\n');
}

function behaviour(c: GoldenCase): string {
  if (c.error) return `${c.name} raises at ${c.error.phase}: ${c.error.message.split('\n')[0]?.slice(0, 90)}`;
  return `${c.name} gives ${JSON.stringify(c.output)}`;
}

const stats = { cases: 0, errors: 0, pytorchQuoted: 0 };

for (const c of golden.cases) {
  stats.cases++;
  test(behaviour(c), () => {
    const r = run(c, flatInputs(c.inputs));
    if (c.error) {
      stats.errors++;
      const error = r.initIssues.find((i) => i.severity === 'error') ?? (r.result && 'error' in r.result ? r.result.error : undefined);
      // A warning that carries PyTorch's exact message marks an error PyTorch raises only in training mode.
      const trainingOnly = r.result && 'output' in r.result ? r.result.issues?.find((i) => i.pytorch !== undefined && normalizeSets(i.pytorch) === normalizeSets(c.error?.message ?? '')) : undefined;
      const found = error ?? trainingOnly;
      assert.ok(found, `expected an error like PyTorch's "${c.error.message}", got ${r.result && 'output' in r.result ? `output ${JSON.stringify(r.result.output.map(dimToString))}` : 'nothing'}\n${describeIssues(r)}`);
      if (found.pytorch !== undefined) {
        stats.pytorchQuoted++;
        assert.equal(normalizeSets(found.pytorch), normalizeSets(c.error.message), `quoted PyTorch message differs (${found.code}: ${found.message})`);
      }
      return;
    }
    assert.ok(r.result && 'output' in r.result, `expected output ${JSON.stringify(c.output)} but the rule reports an error:\n${describeIssues(r)}`);
    assert.deepEqual(r.result.output, c.output);
    if (c.outputs) assert.deepEqual(r.result.outputs?.map(treeJSON), c.outputs, 'tuple outputs');
    if (c.params !== undefined) {
      const spec = specFor(c.target);
      const kwargs: Record<string, ArgValue> = {};
      for (const [k, v] of Object.entries(c.kwargs)) kwargs[k] = toArg(v);
      const count = spec ? spec.paramCount?.(bindArgs(spec, c.args.map(toArg), kwargs).args) ?? 0 : null;
      // A count is either PyTorch's or not claimed (null).
      if (count !== null) assert.equal(count, c.params, 'parameter count');
    }
  });
}

/** Where a symbolic size honestly cannot be written in closed form, the rule answers "?" rather than guess. */
function unknownIsExpected(c: GoldenCase): boolean {
  // ceil_mode: whether the last window starts inside the input can depend on H mod stride.
  if (c.name.includes('ceil_mode=True')) return true;
  // Divisibility-dependent sizes: H / 2 is only a closed form when 2 provably divides H.
  if (/^(GLU|PixelShuffle|PixelUnshuffle|Fold|Rearrange|Reduce|einops\..*|torch\.nn\.functional\.(glu|pixel_shuffle|pixel_unshuffle|fold))$/.test(c.target)) return true;
  // Non-dyadic scale factors: PyTorch's floor(100 * 0.29) is 28 in floating point, not 29.
  const scale = c.kwargs['scale_factor'];
  const scales = Array.isArray(scale) ? scale : [scale];
  return scales.some((s) => typeof s === 'number' && !Number.isInteger(s * 1024));
}

// The same cases with the batch and spatial sizes made symbolic: the rule must never report an error PyTorch
// does not raise, and the symbolic output, evaluated at the case's sizes, must equal PyTorch's output.
test('symbolic sizes evaluate to PyTorch output on every successful golden case', () => {
  let exact = 0;
  let unknown = 0;
  const failures: string[] = [];
  for (const c of golden.cases) {
    if (c.error || !c.output) continue;
    const env: Record<string, number> = {};
    const symbolic: Shape[] = flatInputs(c.inputs).map((shape, k) =>
      shape.map((size, i): Dim => {
        const spatial = i === 0 || (shape.length >= 3 && i >= 2);
        if (!spatial || c.target === 'Bilinear' || c.target.endsWith('.linear') || c.target.endsWith('.prelu')) return size;
        const name = i === 0 ? `N${k}` : `S${k}_${i}`;
        env[name] = size;
        return sym(name);
      }),
    );
    const r = run(c, symbolic);
    if (!r.result || 'error' in r.result) {
      failures.push(`${c.name}: symbolic input reports ${describeIssues(r)}`);
      continue;
    }
    const values = r.result.output.map((d) => evalDim(d, env));
    if (values.some((v) => v === undefined)) {
      if (unknownIsExpected(c)) unknown++;
      else failures.push(`${c.name}: symbolic output ${JSON.stringify(r.result.output.map(dimToString))} is unknown`);
      continue;
    }
    if (JSON.stringify(values) !== JSON.stringify(c.output)) failures.push(`${c.name}: symbolic ${JSON.stringify(r.result.output.map(dimToString))} evaluates to ${JSON.stringify(values)}, PyTorch gives ${JSON.stringify(c.output)}`);
    else exact++;
  }
  assert.deepEqual(failures, []);
  assert.ok(exact > 1000 && unknown < 150, `${exact} exact, ${unknown} unknown`);
});

test('the goldens cover several hundred cases and every registered rule is exercised', () => {
  assert.ok(golden.cases.length >= 500, `${golden.cases.length} cases`);
  const targets = new Set(golden.cases.map((c) => c.target));
  const untested = [...layerSpecs.keys(), ...functionalSpecs.keys()].filter((t) => !targets.has(t));
  assert.deepEqual(untested, [], 'rules without a golden case');
});

// ---------------------------------------------------------------- behaviour the goldens cannot show
const N = sym('N');
const H = sym('H');
const W = sym('W');

function applyLayer(type: string, positional: ArgValue[], kwargs: Record<string, ArgValue>, inputs: Shape[]): { result: ApplyResult; init: LayerIssue[]; spec: LayerSpec; args: ReturnType<typeof bindArgs>['args'] } {
  const spec = specFor(type);
  assert.ok(spec, type);
  const { args, issues } = bindArgs(spec, positional, kwargs);
  return { result: spec.apply(args, inputs), init: [...issues, ...(spec.check?.(args) ?? [])], spec, args };
}

function outputText(r: ApplyResult): (string | number)[] {
  assert.ok('output' in r, 'error' in r ? r.error.message : '');
  return r.output.map((d) => (typeof d === 'number' ? d : dimToString(d)));
}

test('reports an in_channels mismatch with a one-argument fix and PyTorch message', () => {
  const { result } = applyLayer('Conv2d', [64, 32, 2], {}, [[1, 32, 30, 30]]);
  assert.ok('error' in result);
  assert.equal(result.error.code, 'channel-mismatch');
  assert.equal(result.error.message, 'Conv2d expects 64 input channels but receives 32 (from the previous layer): set in_channels to 32');
  assert.deepEqual(result.error.fix, { arg: 'in_channels', value: '32', title: 'Set in_channels to 32' });
  assert.equal(result.error.pytorch, 'Given groups=1, weight of size [32, 64, 2, 2], expected input[1, 32, 30, 30] to have 64 channels, but got 32 channels instead');
  assert.equal(result.error.blamesInput, true);
});

test('a padded 3x3 conv on (N, 3, H, W) keeps H and W symbolic', () => {
  const { result } = applyLayer('Conv2d', [3, 16, 3], { padding: 1 }, [[N, 3, H, W]]);
  assert.deepEqual(outputText(result), ['N', 16, 'H', 'W']);
});

test('conv then pool on symbolic sizes prints Python-like expressions', () => {
  const c = applyLayer('Conv2d', [3, 16, 3], {}, [[N, 3, H, W]]).result;
  assert.deepEqual(outputText(c), ['N', 16, 'H - 2', 'W - 2']);
  assert.ok('output' in c);
  const p = applyLayer('MaxPool2d', [2], {}, [c.output]).result;
  assert.deepEqual(outputText(p), ['N', 16, '(H - 2) // 2', '(W - 2) // 2']);
  assert.ok('output' in p && !p.issues, 'no floor-rounding warning for symbolic sizes');
});

test('Linear after a symbolic flatten reports no error but records the size it needs', () => {
  const flat = product([32, floorDiv(H, 4), floorDiv(W, 4)]);
  const { result } = applyLayer('Linear', [512, 10], {}, [[N, flat]]);
  assert.ok('output' in result);
  assert.deepEqual(outputText(result), ['N', 10]);
  assert.equal(result.requires?.length, 1);
  assert.equal(dimToString(result.requires?.[0]?.dim ?? 0), '32*(H // 4)*(W // 4)');
  assert.equal(result.requires?.[0]?.op, '==');
  assert.equal(result.requires?.[0]?.value, 512);
});

test('never reports a channel or size error when the dims are unknown', () => {
  const u = unknownDim();
  for (const [type, args, shape] of [
    ['Conv2d', [3, 8, 5], [N, u, unknownDim(), unknownDim()]],
    ['Linear', [8, 4], [N, unknownDim()]],
    ['BatchNorm2d', [4], [N, unknownDim(), H, W]],
    ['LayerNorm', [[4, 8]], [N, unknownDim(), unknownDim()]],
    ['MaxPool2d', [5], [N, 3, unknownDim(), unknownDim()]],
    ['GroupNorm', [2, 4], [N, unknownDim(), H, W]],
  ] as [string, ArgValue[], Shape][]) {
    const { result, init } = applyLayer(type, args, {}, [shape]);
    assert.ok('output' in result, `${type}: ${'error' in result ? result.error.message : ''}`);
    assert.deepEqual(init, []);
  }
});

test('unknown constructor arguments give unknown dims, not errors', () => {
  const { result } = applyLayer('Conv2d', [UNKNOWN_ARG, UNKNOWN_ARG, 3], { stride: UNKNOWN_ARG }, [[1, 3, 32, 32]]);
  assert.deepEqual(outputText(result), [1, '?', '?', '?']);
});

test('floor rounding is an information-level hint that 15 -> 7 under stride 2 drops the last row (a DenseNet-style transition on an odd map)', () => {
  const { result } = applyLayer('MaxPool2d', [2], {}, [[1, 8, 15, 16]]);
  assert.ok('output' in result);
  assert.equal(result.issues?.length, 1);
  assert.equal(result.issues?.[0]?.code, 'floor-rounding');
  assert.equal(result.issues?.[0]?.severity, 'info');
  assert.match(result.issues?.[0]?.message ?? '', /H 15 -> 7 under stride 2 drops the last row/);
});

test('a 1x1 stride-2 conv (ResNet downsample shortcut) says nothing on even or odd maps: it reads every other row by design', () => {
  for (const size of [56, 55, 28, 7, 224, 15]) {
    const { result } = applyLayer('Conv2d', [64, 128, 1], { stride: 2, bias: false }, [[1, 64, size, size]]);
    assert.ok('output' in result, `size ${size}`);
    assert.equal(result.issues, undefined, `size ${size}: ${JSON.stringify(result.issues)}`);
  }
  // Stride 3 skips two rows between 1x1 windows: one or two rows left at the end are the same skip.
  for (const size of [10, 11, 12]) {
    const { result } = applyLayer('MaxPool2d', [1], { stride: 3 }, [[1, 4, size, size]]);
    assert.ok('output' in result && result.issues === undefined, `MaxPool2d(1, stride=3) on ${size}`);
  }
});

test('floor rounding that drops rows a window would have read is still noted: a 3x3 stride-2 conv without padding on 16', () => {
  const { result } = applyLayer('Conv2d', [8, 8, 3], { stride: 2 }, [[1, 8, 16, 16]]);
  assert.ok('output' in result);
  assert.deepEqual(result.issues?.map((i) => [i.code, i.severity]), [['floor-rounding', 'info'], ['floor-rounding', 'info']]);
});

test("padding='same' with an even kernel warns that the right/bottom gets the extra pixel", () => {
  const { init, result } = applyLayer('Conv2d', [3, 8, 4], { padding: 'same' }, [[1, 3, 9, 9]]);
  assert.deepEqual(outputText(result), [1, 8, 9, 9]);
  assert.equal(init.length, 1);
  assert.equal(init[0]?.code, 'asymmetric-same-padding');
  assert.equal(init[0]?.severity, 'warning');
});

test("padding='same' with stride 2 is an error whose fix is the numeric half-kernel padding", () => {
  const { init } = applyLayer('Conv2d', [3, 8, 3], { padding: 'same', stride: 2 }, [[1, 3, 9, 9]]);
  assert.equal(init[0]?.code, 'same-padding-stride');
  assert.deepEqual(init[0]?.fix, { arg: 'padding', value: '1', title: 'Use padding=1' });
});

test('input-too-small names the smallest input that works', () => {
  const { result } = applyLayer('Conv2d', [3, 8, 5], {}, [[1, 3, 3, 3]]);
  assert.ok('error' in result);
  assert.equal(result.error.code, 'input-too-small');
  assert.match(result.error.message, /at least 5x5/);
  const pool = applyLayer('MaxPool2d', [4], {}, [[1, 3, 3, 3]]).result;
  assert.ok('error' in pool);
  assert.match(pool.error.message, /at least 4x4/);
});

test('a kernel larger than a symbolic input is a requirement, not an error', () => {
  const { result } = applyLayer('Conv2d', [3, 8, 7], {}, [[N, 3, H, W]]);
  assert.ok('output' in result);
  assert.ok(result.requires?.some((r) => dimToString(r.dim) === 'H' && r.op === '>=' && r.value === 7));
});

test('parameter counts and MACs follow torchinfo for conv and linear', () => {
  const conv = applyLayer('Conv2d', [3, 64, 3], { padding: 1 }, [[1, 3, 32, 32]]);
  assert.equal(conv.spec.paramCount?.(conv.args), 3 * 64 * 9 + 64);
  assert.ok('output' in conv.result);
  assert.equal(conv.spec.macs?.(conv.args, [[1, 3, 32, 32]], conv.result.output), 64 * 32 * 32 * 3 * 9);
  const dw = applyLayer('Conv2d', [32, 32, 3], { groups: 32, bias: false }, [[1, 32, 8, 8]]);
  assert.equal(dw.spec.paramCount?.(dw.args), 32 * 9);
  const fc = applyLayer('Linear', [2048, 10], {}, [[1, 2048]]);
  assert.equal(fc.spec.paramCount?.(fc.args), 20490);
  assert.ok('output' in fc.result);
  assert.equal(fc.spec.macs?.(fc.args, [[1, 2048]], fc.result.output), 20480);
  assert.equal(fc.spec.macs?.(fc.args, [[N, 2048]], [N, 10]), null);
});

test('the hover formula substitutes the actual numbers', () => {
  const conv = applyLayer('Conv2d', [3, 64, 3], { padding: 1 }, [[1, 3, 32, 32]]);
  assert.ok('output' in conv.result);
  assert.deepEqual(conv.spec.formula?.(conv.args, [[1, 3, 32, 32]], conv.result.output), [
    'H_out = floor((32 + 2*1 - 1*(3-1) - 1)/1 + 1) = 32',
    'W_out = floor((32 + 2*1 - 1*(3-1) - 1)/1 + 1) = 32',
  ]);
  assert.deepEqual(conv.spec.geometry?.(conv.args), { kernel: [3, 3], stride: [1, 1], dilation: [1, 1] });
});

test('binding reports unknown keywords and missing arguments as PyTorch does', () => {
  const spec = specFor('Conv2d');
  assert.ok(spec);
  const bad = bindArgs(spec, [3, 8, 3], { strides: 2 });
  assert.equal(bad.issues[0]?.pytorch, "Conv2d.__init__() got an unexpected keyword argument 'strides'");
  const missing = bindArgs(spec, [3], {});
  assert.equal(missing.issues[0]?.pytorch, "Conv2d.__init__() missing 2 required positional arguments: 'out_channels' and 'kernel_size'");
  const ok = bindArgs(spec, [3, 8, 3], { padding: 1 });
  assert.deepEqual(ok.issues, []);
  assert.equal(ok.args.get('stride'), 1);
  assert.equal(ok.args.given('padding'), true);
  assert.equal(ok.args.given('stride'), false);
  const id = specFor('Identity');
  assert.ok(id);
  assert.deepEqual(bindArgs(id, [1, 2], { anything: 3 }).issues, []);
});
