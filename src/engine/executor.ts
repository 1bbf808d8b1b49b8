// The compiled model: one core ModelGraph with its parameters, run as many times as the caller likes.
// The CLI, the preview's worker, runGraph and the benchmark all run models through it.
//
// Made once per (graph, weights): parameters initialised (seeded default init) or taken from a state dict,
// and kept; kept again across edits of the graph, so an edit re-initialises and re-packs only the layers
// whose parameters changed (packings are cached per weight array by the runtime).
// Made once per graph and requested outputs (a plan): BatchNorm folded and ReLU/ReLU6 fused into the conv
// store (SiLU applied in place after it) wherever the skipped outputs are not requested, conv weights packed, and an arena in WebAssembly
// memory laid out by liveness. Activations then stay in that memory from op to op; only the outputs the
// caller asks for are copied out, when it reads them.
import type { GraphNode, ModelGraph } from '../core/types';
import { functionalOp } from './functional';
import { findChains, foldBatchNorm, foldScale, type FusedChain } from './fusion';
import { checkMemory, describeNode, graphParameters, GraphError, IncompleteGraphError, type GraphParameter, type NodeTiming } from './graph';
import { conv2dOptions, layerDef, type ParamLookup } from './layers';
import { planMemory, type MemoryPlan, type PlannedValue } from './memory-plan';
import { nodeKeys } from './node-keys';
import { silu } from './ops/activation';
import { conv2d, packConv2d, type Conv2dOptions } from './ops/conv';
import { runtime, DEFAULT_MEMORY_LIMIT, MemoryLimitError, type WasmRuntime } from './runtime';
import { numel, restOf, shapeString, withRest, type Tensor } from './tensor';
import { SeededTensor } from './weights/init';
import { matchStateDict, StateDictError, type StateDictReport } from './weights/state-dict';

/** Where the parameters come from. */
export interface ParameterSource {
  /** Seed of PyTorch's default init, for every parameter the weights do not give (default 0). */
  seed?: number;
  /** A state dict by qualified name. Without `fill`, missing or mis-shaped parameters are an error. */
  weights?: ReadonlyMap<string, Tensor>;
  /** Also refuse weights the model does not use (torch's strict=True). */
  strict?: boolean;
  /** Seed the parameters the weights miss or give in another shape instead of refusing (the preview). */
  fill?: boolean;
}

export interface ExecutorOptions {
  /** Refuse to run when outputs and weights would need more bytes than this (default 1 GiB). */
  memoryLimit?: number;
}

export interface RunOptions {
  /**
   * Outputs to keep, by node key ("layer1.0.conv1", "relu#1", "output"); 'all' keeps every node's
   * output. Default: just "output".
   */
  outputs?: 'all' | readonly string[];
  /**
   * Fold BatchNorm and fuse ReLU/ReLU6/SiLU into convs. Default: on for a list of outputs (only where the skipped
   * outputs are not requested), off for 'all' (every output exact); on with 'all', the skipped nodes have no
   * output and a chain reports under its last node's key.
   */
  fuse?: boolean;
  /**
   * Outputs already known for some nodes (by node id): those nodes are not executed (not for the start of a fused
   * chain). A known output may be a view of the last run's output in the engine's memory (`Execution.view`): it is
   * used in place when this run's plan puts the node's output at that same address (with every output kept, an
   * edit leaves the slots before it where they were), and the node runs again otherwise. Nothing is copied.
   */
  reuse?: ReadonlyMap<number, Tensor>;
  /** Called after each node with its wall time. */
  onNode?: (info: NodeTiming) => void;
}

/** One planned step: a node, or a fused chain reported under its last node. */
interface Step {
  node: GraphNode;
  last: GraphNode;
  key: string;
  label: string | undefined;
  type: string;
  chain: FusedChain | undefined;
  lookup: ParamLookup;
  /** A Conv2d with a BatchNorm folded into its packing: packs (cache hit after the first run), then runs on a 4-d input. */
  folded: { pack(): { wp: number; bp: number }; run(x: Tensor, packed: { wp: number; bp: number }): Tensor } | null;
  /** A Conv2d's weight packing, made when it first runs (cached per weight array); null for other nodes. */
  pack: (() => { wp: number; bp: number } | null) | null;
  /** Byte offset of the output in the arena, and its size in floats (0: not planned). */
  offset: number;
  floats: number;
}

interface Plan {
  steps: Step[];
  /** Node ids whose outputs the caller gets, by key. */
  kept: Map<string, number>;
  memory: MemoryPlan;
  /** Scratch the ops may need on top of the arena (an estimate, reserved up front so views stay valid). */
  scratchBytes: number;
}

/** A value of the run: in JavaScript memory, or resident in the arena (byte address). */
/** The other tensors of a tuple result (an LSTM's h_n, c_n), bound to the ids the core gave them. */
function bindRest(node: GraphNode, rest: ReadonlyArray<Tensor | null>, values: Map<number, Value>): void {
  rest.forEach((t, k) => {
    const id = node.outputs?.[k + 1];
    if (t !== null && id !== undefined && id !== null) values.set(id, { shape: t.shape, data: t.data, ptr: 0 });
  });
}

interface Value {
  shape: readonly number[];
  data: Float32Array | null;
  ptr: number;
  /** The other tensors of a tuple result (an LSTM's h_n and c_n, attention's weights), owned by JavaScript. */
  rest?: ReadonlyArray<Tensor | null>;
}

/** A value as a tensor without copying it: a view of the engine's memory when it is resident there, with its tuple's other tensors. */
function viewOf(rt: WasmRuntime, v: Value): Tensor {
  const t: Tensor = { shape: v.shape, data: v.data ?? rt.view(v.ptr, numel(v.shape)) };
  return v.rest !== undefined && v.rest.length > 0 ? withRest(t, v.rest) : t;
}

// Ops that always write a fresh output (never a view of an input): their inputs' lifetimes end at them.
// Any other op may return a view of an input, so the planner keeps its inputs alive as long as its output.
const FRESH_MODULES = new Set(['Conv1d', 'Conv2d', 'ConvTranspose2d', 'Conv3d', 'BatchNorm1d', 'BatchNorm2d', 'ReLU', 'ReLU6', 'Hardtanh',
  'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'Linear', 'LeakyReLU', 'SiLU', 'GELU', 'Sigmoid', 'Tanh', 'Hardswish', 'Hardsigmoid',
  'GroupNorm', 'LayerNorm', 'InstanceNorm2d', 'ELU', 'Mish', 'Softmax', 'LogSoftmax']);
const FRESH_OPS = new Set(['add', 'iadd', 'sub', 'mul', 'div', 'relu', 'relu6', 'hardtanh', 'cat', 'conv2d', 'max_pool2d', 'avg_pool2d',
  'adaptive_avg_pool2d', 'linear', 'sigmoid', 'tanh', 'silu', 'gelu']);

/** A fused chain's SiLU over the conv's output, in place when it is resident (no second buffer, no second pass to memory). */
function siluInPlace(rt: WasmRuntime, y: Tensor): Tensor {
  const at = rt.addressOf(y.data);
  if (at === null) return silu(y);
  rt.k.silu_f32(at, at, y.data.length);
  return y;
}

function fresh(step: Step): boolean {
  const n = step.node;
  if (step.chain !== undefined) return true;
  return n.op === 'module' ? FRESH_MODULES.has(n.module?.type ?? '') : FRESH_OPS.has(n.op);
}

function concrete(shape: readonly (number | string)[]): readonly number[] | null {
  return shape.every((d): d is number => typeof d === 'number') ? shape : null;
}

/** The outputs of one run. Valid until the executor runs again: reading them later is refused. */
export class Execution {
  private copies = new Map<string, Tensor>();
  constructor(
    private readonly owner: Executor,
    private readonly serial: number,
    private readonly values: ReadonlyMap<string, Value>,
    readonly timings: NodeTiming[],
  ) {}

  /** Keys of the outputs this run kept. */
  keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  shape(key: string): readonly number[] | undefined {
    return this.values.get(key)?.shape;
  }

  /** The output under `key`, copied out of the engine's memory on first read. */
  get(key: string): Tensor | undefined {
    const hit = this.copies.get(key);
    if (hit !== undefined) return hit;
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    this.checkCurrent();
    let t: Tensor;
    if (v.data !== null) {
      t = { shape: v.shape, data: v.data };
    } else {
      const n = numel(v.shape);
      // new + set, not slice: see ops/conv.ts (fresh pages for a large slice fault on every call).
      const data = new Float32Array(n);
      data.set(this.owner.runtime.view(v.ptr, n));
      t = { shape: v.shape, data };
    }
    if (v.rest !== undefined && v.rest.length > 0) t = withRest(t, v.rest);
    this.copies.set(key, t);
    return t;
  }

  /**
   * The output under `key` without copying it: a view of the engine's memory when it is resident there. Valid
   * only until the executor runs again or packs weights (read it at once: draw it, take its statistics);
   * `get` is the copy to keep.
   */
  view(key: string): Tensor | undefined {
    const hit = this.copies.get(key);
    if (hit !== undefined) return hit;
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    this.checkCurrent();
    return viewOf(this.owner.runtime, v);
  }

  /** True while this run's outputs can still be read (the executor has not run again). */
  get current(): boolean {
    return this.owner.serial === this.serial;
  }

  /** True when `get(key)` can give the output: the run is current, or the output was copied out while it was. */
  readable(key: string): boolean {
    return this.values.has(key) && (this.current || this.copies.has(key));
  }

  /** Values [start, start + count) of an output in its flat order, copied (a page of channels), without copying the rest. */
  read(key: string, start: number, count: number): Float32Array | undefined {
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    const n = numel(v.shape);
    const s = Math.max(0, Math.min(start, n)), e = Math.max(s, Math.min(start + count, n));
    const cached = this.copies.get(key);
    if (cached !== undefined) return cached.data.slice(s, e);
    this.checkCurrent();
    if (v.data !== null) return v.data.slice(s, e);
    return this.owner.runtime.view(v.ptr + s * 4, e - s).slice();
  }

  /** Every kept output (copied out). */
  all(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const k of this.values.keys()) out.set(k, this.get(k) as Tensor);
    return out;
  }

  private checkCurrent(): void {
    if (this.owner.serial !== this.serial) throw new Error('these outputs were overwritten by a later run of the model; read them before running it again');
  }
}

/** A run under way (`Executor.start`): one step at a time, each output readable as soon as it is made. */
export interface Running {
  /** Runs the next step; false once every step has run (or the run was cancelled). */
  step(): boolean;
  /** The output of node `id` if this run has made it (or reuses it): a view, valid until the next step. */
  view(id: number): Tensor | undefined;
  /** Runs the steps left and gives the outputs. */
  finish(): Execution;
  /** Stops here: the outputs made so far are given up. */
  cancel(): void;
}

export class Executor {
  readonly runtime: WasmRuntime;
  private graph: ModelGraph;
  private keys: string[];
  private specs: Map<string, GraphParameter>;
  private paramMap = new Map<string, Tensor>();
  /** Seeded parameters by seed, name, shape and init: an edit re-initialises only what changed. */
  private seeded = new Map<string, SeededTensor>();
  private plans = new Map<string, Plan>();
  private arena: { ptr: number; bytes: number; generation: number } | null = null;
  private memoryLimit: number;
  /** Increments on every run; an Execution of an older run may no longer read the arena. */
  serial = 0;
  /** How the weights matched the model (empty lists for the default init). */
  report: StateDictReport = { missing: [], unexpected: [], mismatched: [] };
  /**
   * Wall times: of the last parameter loading (update or construction; seeded parameters are drawn when first read,
   * a conv's into its packing), and since then of the packing (BatchNorm folding included) and of the planning.
   */
  initMs = 0;
  packMs = 0;
  planMs = 0;

  constructor(graph: ModelGraph, source: ParameterSource = {}, options: ExecutorOptions = {}) {
    this.runtime = runtime();
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.graph = graph;
    this.keys = nodeKeys(graph);
    this.specs = graphParameters(graph);
    this.load(source);
  }

  /** The parameters by qualified name (file tensors, or the seeded default init). */
  get params(): ReadonlyMap<string, Tensor> {
    return this.paramMap;
  }

  /** Bytes of the activation arena (the largest plan made so far). */
  get arenaBytes(): number {
    return this.arena?.bytes ?? 0;
  }

  /**
   * A new version of the model (an edit) or of its weights: parameters whose name, shape and init are
   * unchanged keep their values, so only changed layers are initialised and packed again.
   */
  update(graph: ModelGraph, source: ParameterSource = {}): void {
    this.graph = graph;
    this.keys = nodeKeys(graph);
    this.specs = graphParameters(graph);
    this.plans.clear();
    this.load(source);
  }

  private load(source: ParameterSource): void {
    const t0 = performance.now();
    const seed = source.seed ?? 0;
    const params = new Map<string, Tensor>();
    let report: StateDictReport = { missing: [], unexpected: [], mismatched: [] };
    let bad = new Set<string>();
    if (source.weights !== undefined) {
      report = matchStateDict(this.specs, source.weights);
      if (source.fill !== true && (report.missing.length > 0 || report.mismatched.length > 0 || (source.strict === true && report.unexpected.length > 0))) {
        throw new StateDictError(report);
      }
      bad = new Set([...report.missing, ...report.mismatched.map((m) => m.name)]);
    }
    const seeded = new Map<string, SeededTensor>();
    for (const [name, spec] of this.specs) {
      const given = source.weights?.get(name);
      if (given !== undefined && !bad.has(name)) {
        params.set(name, given);
        continue;
      }
      // Drawn when first read; a conv's weights are drawn straight into their packing.
      const key = `${seed}|${name}|${spec.shape.join('x')}|${JSON.stringify(spec.init)}`;
      const t = this.seeded.get(key) ?? new SeededTensor(spec.shape, spec.init, seed, name);
      seeded.set(key, t);
      params.set(name, t);
    }
    // Parameters of layers the model no longer has are dropped (and their packings with them).
    this.seeded = seeded;
    this.paramMap = params;
    this.report = report;
    this.plans.clear();
    this.initMs = performance.now() - t0;
    this.packMs = 0;
    this.planMs = 0;
  }

  /** Gives the arena back (when nothing was allocated above it since); the executor can still run and takes a new one. */
  dispose(): void {
    this.active?.cancel();
    const a = this.arena;
    if (a !== null && a.generation === this.runtime.generation) this.runtime.releasePersistent(a.ptr, a.bytes);
    this.arena = null;
    this.serial++;
  }

  /** Runs the model on `input`; the outputs are read from the result. */
  run(input: Tensor, options: RunOptions = {}): Execution {
    return this.start(input, options).finish();
  }

  /**
   * Starts a run whose steps the caller takes one at a time (`Running.step`): the preview's worker reads each
   * output as it is made and stops between steps when an edit makes the run stale. Starting another run (or
   * `run`) cancels one under way.
   */
  start(input: Tensor, options: RunOptions = {}): Running {
    this.active?.cancel();
    checkMemory(this.graph, this.specs, input.data.length * 4, this.memoryLimit);
    const rt = this.runtime;
    rt.memoryLimit = this.memoryLimit;
    // Known outputs in the engine's memory, by address: taken before planning, the arena or a packing can grow the
    // memory (which leaves views of it empty).
    const generation = rt.generation;
    const resident = new Map<number, number>();
    for (const [id, t] of options.reuse ?? []) {
      const at = rt.addressOf(t.data);
      // A view taken before the memory last grew reads as empty: left out like a value not in place.
      if (at !== null || t.data.length !== numel(t.shape)) resident.set(id, at ?? -1);
    }
    const plan = this.plan(options);
    const base = this.ensureArena(plan);
    const serial = ++this.serial;
    // In place only where this plan puts the node's output at the same address, and no earlier step's output
    // shares those bytes (with every output kept, none does): nothing writes there before the node is reached.
    const inPlace = new Map<number, number>();
    if (rt.generation === generation) {
      plan.steps.forEach((step, i) => {
        const at = resident.get(step.node.id);
        if (at === undefined || step.chain !== undefined || step.floats === 0 || at !== base + step.offset) return;
        const end = step.offset + step.floats * 4;
        if (plan.steps.slice(0, i).some((e) => e.floats > 0 && e.offset < end && step.offset < e.offset + e.floats * 4)) return;
        inPlace.set(step.node.id, at);
      });
    }
    // A resident known output not in place is left out: its node runs again.
    const runOptions = resident.size === 0 ? options : { ...options, reuse: new Map([...options.reuse ?? []].filter(([id]) => !resident.has(id) || inPlace.has(id))) };
    const values = new Map<number, Value>([[this.graph.input, { shape: input.shape, data: input.data, ptr: 0 }]]);
    const timings: NodeTiming[] = [];
    const tensorOf = (v: Value): Tensor => ({ shape: v.shape, data: v.data ?? rt.view(v.ptr, numel(v.shape)) });
    // Persistent memory stays pinned (no reset can move the arena) until the run finishes or is cancelled.
    rt.pin();
    let next = 0;
    const running: Running = {
      step: () => {
        const step = plan.steps[next];
        if (step === undefined || this.active !== running) return false;
        next++;
        try {
          this.execute(step, base, plan.scratchBytes, values, tensorOf, timings, runOptions, inPlace);
        } catch (e) {
          running.cancel();
          throw e;
        } finally {
          rt.placeOutput(null);
        }
        return next < plan.steps.length;
      },
      view: (id) => {
        const v = this.active === running ? values.get(id) : undefined;
        return v === undefined ? undefined : viewOf(rt, v);
      },
      finish: () => {
        if (this.active !== running) throw new Error('internal: this run was cancelled by a later one');
        while (running.step());
        running.cancel();
        const kept = new Map<string, Value>();
        for (const [key, id] of plan.kept) {
          const v = values.get(id);
          if (v === undefined) {
            if (key === 'output') throw new IncompleteGraphError(`the graph's output tensor ${id} was never produced`);
            continue;
          }
          kept.set(key, v);
        }
        return new Execution(this, serial, kept, timings);
      },
      cancel: () => {
        if (this.active !== running) return;
        this.active = null;
        rt.unpin();
      },
    };
    this.active = running;
    return running;
  }

  /** The run under way, if one was started and neither finished nor cancelled. */
  private active: Running | null = null;

  private execute(step: Step, base: number, scratchBytes: number, values: Map<number, Value>, tensorOf: (v: Value) => Tensor, timings: NodeTiming[], options: RunOptions, inPlace: ReadonlyMap<number, number>): void {
    const rt = this.runtime;
    const { node, last, key, chain } = step;
    const known = chain === undefined ? options.reuse?.get(node.id) : undefined;
    if (known !== undefined) {
      const rest = restOf(known);
      // A known output in the engine's memory stays there, by address (a view would not survive the memory growing).
      const at = inPlace.get(node.id);
      const v: Value = at === undefined ? { shape: known.shape, data: known.data, ptr: 0 } : { shape: known.shape, data: null, ptr: at };
      if (rest.length > 0) v.rest = rest;
      values.set(node.id, v);
      bindRest(node, rest, values);
      const timing = { key, type: 'reused', ms: 0, macs: null };
      timings.push(timing);
      options.onNode?.(timing);
      return;
    }
    // Packing may grow the memory: first (a layer's weights are packed when it first runs, so a model's first
    // layers run before its last are packed), then the ops' scratch is reserved again above the new packing. Views
    // of resident inputs are taken after both, and the memory does not grow between here and the op.
    let packed: { wp: number; bp: number } | null = null;
    if (step.pack !== null) {
      const t0 = performance.now();
      try {
        packed = step.pack();
      } catch (e) {
        // A layer that cannot be packed fails in its own forward, with the argument named.
        if (step.folded !== null) throw new GraphError(`${describeNode(node)} failed: ${(e as Error).message}`, node, e);
      }
      this.reserveScratch(scratchBytes);
      this.packMs += performance.now() - t0;
    }
    const inputs = node.inputs.map((id) => {
      const v = values.get(id);
      if (v === undefined) throw new IncompleteGraphError(`${describeNode(node)} reads tensor ${id}, which no earlier node produced`, node);
      return tensorOf(v);
    });
    const t0 = performance.now();
    let y: Tensor;
    let macs: number | null = null;
    rt.placeOutput(step.floats > 0 ? base + step.offset : null, step.floats);
    try {
      if (node.op === 'module') {
        if (node.module === undefined) throw new GraphError('a module node has no module description');
        const def = layerDef(node.module.type);
        // Forward arguments (need_weights, output_size, masks) reach the layer beside its constructor's.
        const args = node.module.forward === undefined ? node.module.args : { ...node.module.args, ...node.module.forward };
        const x = inputs[0];
        y = packed !== null && step.folded !== null && x !== undefined && x.shape.length === 4 && inputs.length === 1
          ? step.folded.run(x, packed)
          : def.forward(inputs, args, step.lookup, chain?.clamp);
        if (chain?.silu === true) y = siluInPlace(rt, y);
        macs = def.macs?.(inputs, y, args) ?? null;
      } else if (node.op === 'parameter') {
        // An nn.Parameter forward reads itself: its value, copied, since the planner may place the output in the arena.
        const t = this.paramMap.get(String(node.args['name']));
        if (t === undefined) throw new GraphError(`the parameter ${String(node.args['name'])} has no value`, node);
        y = { shape: t.shape, data: Float32Array.from(t.data) };
      } else {
        y = functionalOp(node.op)(inputs, node.args);
      }
    } catch (e) {
      if (e instanceof GraphError) throw e;
      if (e instanceof MemoryLimitError) throw new MemoryLimitError(`at ${describeNode(node)}: ${e.message}`);
      // A parameter's own message names it (its values are not known); a layer's is about its input.
      if (node.op === 'parameter') throw new GraphError((e as Error).message, node, e);
      const shapes = inputs.map((t) => shapeString(t.shape)).join(', ');
      throw new GraphError(`${describeNode(node)} on input ${shapes} failed: ${(e as Error).message}`, node, e);
    } finally {
      rt.placeOutput(null);
    }
    const ms = performance.now() - t0;
    const n = numel(y.shape);
    // A view taken before the memory grew would read as empty: never let one pass for a result.
    if (y.data.length !== n) throw new GraphError(`internal: ${describeNode(node)} returned ${y.data.length} values for shape ${shapeString(y.shape)}`, node);
    const at = rt.addressOf(y.data);
    // The other tensors of a tuple result, under the ids the core gave them; copied out of wasm memory, which the
    // plan does not reserve for them.
    const rest = restOf(y).map((t) => (t === null || rt.addressOf(t.data) === null ? t : { shape: t.shape, data: Float32Array.from(t.data) }));
    const v: Value = at === null ? { shape: y.shape, data: y.data, ptr: 0 } : { shape: y.shape, data: null, ptr: at };
    if (rest.length > 0) v.rest = rest;
    values.set(node.id, v);
    values.set(last.id, v);
    bindRest(node, rest, values);
    const timing: NodeTiming = step.label === undefined ? { key, type: step.type, ms, macs } : { key, label: step.label, type: step.type, ms, macs };
    timings.push(timing);
    options.onNode?.(timing);
  }

  private ensureArena(plan: Plan): number {
    const rt = this.runtime;
    const a = this.arena;
    if (a === null || a.generation !== rt.generation || a.bytes < plan.memory.bytes) {
      if (a !== null && a.generation === rt.generation) rt.releasePersistent(a.ptr, a.bytes);
      const bytes = Math.max(plan.memory.bytes, 64);
      this.arena = { ptr: rt.allocPersistent(bytes, `the activations (${(bytes / 2 ** 20).toFixed(1)} MiB)`), bytes, generation: rt.generation };
    }
    const arena = this.arena as { ptr: number };
    this.reserveScratch(plan.scratchBytes);
    return arena.ptr;
  }

  /** Grows the memory now for the ops' scratch above the persistent memory, so that views of resident values stay valid through an op. */
  private reserveScratch(scratchBytes: number): void {
    try {
      this.runtime.reserve(Math.min(this.runtime.persistentBytes + scratchBytes, this.memoryLimit), 'the scratch memory');
    } catch {
      // Best effort: an op that needs more grows the memory itself.
    }
  }

  private plan(options: RunOptions): Plan {
    const outputs = options.outputs ?? ['output'];
    const fuse = options.fuse ?? outputs !== 'all';
    const sig = JSON.stringify([outputs, fuse]);
    const hit = this.plans.get(sig);
    if (hit !== undefined) return hit;
    const t0 = performance.now();
    const plan = this.makePlan(outputs, fuse);
    this.planMs += performance.now() - t0;
    this.plans.set(sig, plan);
    return plan;
  }

  private makePlan(outputs: 'all' | readonly string[], fuse: boolean): Plan {
    const graph = this.graph;
    const idOfKey = new Map(graph.nodes.map((n, i) => [this.keys[i] as string, n.id]));
    const kept = new Map<string, number>();
    if (outputs !== 'all') {
      for (const k of outputs) {
        const id = k === 'output' ? graph.output : idOfKey.get(k);
        // The analysis found no output: the forward pass goes through code it could not follow.
        if (id === null) throw new IncompleteGraphError("the model's output is not known");
        if (id === undefined) throw new GraphError(`the model has no output named ${k}`);
        kept.set(k, id);
      }
    }
    const keepIds = new Set(kept.values());
    const chains = fuse ? findChains(graph, outputs === 'all' ? new Set() : keepIds) : new Map<number, FusedChain>();
    const skipped = new Set<GraphNode>();
    for (const c of chains.values()) {
      if (c.bn !== null) skipped.add(c.bn);
      if (c.act !== null) skipped.add(c.act);
    }
    const keyOf = new Map(graph.nodes.map((n, i) => [n, this.keys[i] as string]));
    const steps: Step[] = [];
    for (const node of graph.nodes) {
      if (skipped.has(node)) continue;
      const chain = chains.get(node.id);
      const last = chain === undefined ? node : (chain.act ?? chain.bn ?? node);
      const shape = concrete(last.shape);
      const lookup = this.lookup(node, chain), folded = this.foldedConv(node, chain);
      steps.push({
        node, last, chain, key: keyOf.get(last) as string,
        label: chain === undefined ? undefined : [node, chain.bn, chain.act].filter((n): n is GraphNode => n !== null).map((n) => keyOf.get(n) as string).join('+'),
        type: this.stepType(node, chain), lookup, folded, pack: this.packing(node, lookup, folded),
        offset: 0, floats: shape === null ? 0 : numel(shape),
      });
      if (outputs === 'all') kept.set(keyOf.get(last) as string, last.id);
    }
    if (outputs === 'all' && graph.output !== null) kept.set('output', graph.output);

    // Liveness: a value lives from its step to its last reader; kept values to the end of the run.
    const stepOf = new Map<number, number>();
    steps.forEach((s, i) => { stepOf.set(s.node.id, i); stepOf.set(s.last.id, i); });
    const lastUse = steps.map((_, i) => i);
    const live = new Set(kept.values());
    steps.forEach((s, i) => {
      if (live.has(s.last.id) || live.has(s.node.id)) lastUse[i] = Infinity;
      for (const id of s.node.inputs) {
        const j = stepOf.get(id);
        if (j !== undefined) lastUse[j] = Math.max(lastUse[j] as number, i);
      }
    });
    // An op that may return a view of its input keeps that input's bytes alive as long as its own output.
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i] as Step;
      if (fresh(s)) continue;
      for (const id of s.node.inputs) {
        const j = stepOf.get(id);
        if (j !== undefined) lastUse[j] = Math.max(lastUse[j] as number, lastUse[i] as number);
      }
    }
    const planned: PlannedValue[] = steps.map((s, i) => ({ def: i, lastUse: lastUse[i] as number, bytes: s.floats * 4 }));
    const memory = planMemory(planned);
    steps.forEach((s, i) => { s.offset = memory.offsets[i] as number; });
    // Ops' scratch: phase planes and strips about the size of an input plus an output, with slack.
    const floatsOf = new Map(graph.nodes.map((n) => [n.id, numel(concrete(n.shape) ?? [0])]));
    let scratch = 0;
    for (const s of steps) {
      let inFloats = 0;
      for (const id of s.node.inputs) inFloats += floatsOf.get(id) ?? 0;
      scratch = Math.max(scratch, 2 * (inFloats + s.floats) * 4);
    }
    this.lastPlan = { values: planned, memory };
    return { steps, kept, memory, scratchBytes: scratch + (1 << 20) };
  }

  /** The memory plan last made, with its values (for tests). */
  lastPlan: { values: PlannedValue[]; memory: MemoryPlan } | null = null;

  private stepType(node: GraphNode, chain: FusedChain | undefined): string {
    const ty = node.op === 'module' ? node.module?.type ?? 'module' : node.op;
    if (chain === undefined) return ty;
    return chain.act === null ? `${ty}+BatchNorm2d` : `${ty}${chain.bn === null ? '' : '+BatchNorm2d'}+${chain.act.module?.type ?? chain.act.op}`;
  }

  /** Parameter lookup of a node; for a chain, the conv's weight and bias with the BatchNorm folded in. */
  private lookup(node: GraphNode, chain: FusedChain | undefined): ParamLookup {
    const params = this.paramMap;
    const name = node.module?.name ?? '';
    const prefix = name === '' ? '' : `${name}.`;
    const plain: ParamLookup = (p) => params.get(prefix + p) ?? null;
    const bn = chain?.bn?.module;
    if (bn === undefined) return plain;
    const bp = bn.name === '' ? '' : `${bn.name}.`;
    const get = (p: string): Tensor | null => params.get(bp + p) ?? null;
    let f: { weight: Tensor; bias: Tensor } | null = null;
    return (p) => {
      if (f === null) {
        const mean = get('running_mean'), variance = get('running_var'), w = plain('weight');
        if (mean === null || variance === null || w === null) throw new GraphError(`cannot fold ${bn.name} into ${name}: missing parameters`);
        f = foldBatchNorm(w, plain('bias'), mean, variance, get('weight'), get('bias'), typeof bn.args['eps'] === 'number' ? bn.args['eps'] : 1e-5);
      }
      return p === 'weight' ? f.weight : p === 'bias' ? f.bias : null;
    };
  }

  /** For a Conv2d -> BatchNorm2d chain: the conv run on weights packed with the BatchNorm's scale (no folded copy). */
  private foldedConv(node: GraphNode, chain: FusedChain | undefined): Step['folded'] {
    const bn = chain?.bn?.module, m = node.module;
    if (bn === undefined || m === undefined || m.type !== 'Conv2d') return null;
    const params = this.paramMap, rt = this.runtime;
    const at = (layer: string, p: string): Tensor | null => params.get(layer === '' ? p : `${layer}.${p}`) ?? null;
    const w = at(m.name, 'weight'), mean = at(bn.name, 'running_mean'), variance = at(bn.name, 'running_var');
    if (w === null || mean === null || variance === null || w.shape.length !== 4) return null;
    let options: Conv2dOptions;
    try {
      options = conv2dOptions(m.args);
    } catch {
      return null; // the layer's own forward reports the argument
    }
    if ((w.shape[0] as number) % options.groups !== 0) return null;
    const eps = typeof bn.args['eps'] === 'number' ? bn.args['eps'] : 1e-5;
    const fold = (): { scale: Float32Array; bias: Tensor } => foldScale(w, at(m.name, 'bias'), mean, variance, at(bn.name, 'weight'), at(bn.name, 'bias'), eps);
    return {
      pack: () => {
        const f = fold();
        return packConv2d(rt, w, f.bias, options.groups, f.scale);
      },
      run: (x, packed) => conv2d(x, w, fold().bias, { ...options, ...(chain?.clamp === undefined ? {} : { clamp: chain.clamp }), packed }),
    };
  }

  /** How a Conv2d's weights are packed when it first runs, or null for other nodes. */
  private packing(node: GraphNode, lookup: ParamLookup, folded: Step['folded']): Step['pack'] {
    const m = node.module;
    if (node.op !== 'module' || m?.type !== 'Conv2d') return null;
    if (folded !== null) return folded.pack;
    return () => {
      const w = lookup('weight');
      const groups = typeof m.args['groups'] === 'number' ? m.args['groups'] : 1;
      if (w === null || w.shape.length !== 4 || (w.shape[0] as number) % groups !== 0) return null;
      return packConv2d(this.runtime, w, lookup('bias'), groups);
    };
  }
}
