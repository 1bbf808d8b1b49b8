// One forward pass of a core ModelGraph that returns every node's output: a compiled model (executor.ts)
// made for this call and run once. Keys: a module application by its qualified name ("layer1.0.conv1"),
// a functional op by its op name ("relu", "add"); the k-th repeat of either gets "#k" ("relu#1"); the
// graph's result is also "output". Callers that run a model more than once keep an Executor instead.
import type { ModelGraph } from '../core/types';
import { Executor } from './executor';
import type { NodeTiming } from './graph';
import type { Tensor } from './tensor';
import type { StateDictReport } from './weights/state-dict';

export { GraphError, graphParameters, checkMemory, type NodeTiming } from './graph';

export interface RunGraphOptions {
  /** Loaded weights by qualified name; without them every parameter gets PyTorch's default init. */
  weights?: ReadonlyMap<string, Tensor>;
  /** Seed of the default init. */
  seed?: number;
  /** Refuse to run when outputs and weights would need more bytes than this (default 1 GiB). */
  memoryLimit?: number;
  /** Also refuse weights the model does not use (torch's strict=True). */
  strict?: boolean;
  /**
   * Fold eval-mode BatchNorm into the preceding conv and fuse a following ReLU/ReLU6 into its store, as
   * inference runtimes do. The folded nodes then have no output of their own: the chain's result is
   * reported under the last node's key. Off by default (every node's output is then exact and present).
   */
  fuse?: boolean;
  /** Called after each node with its wall time. */
  onNode?: (info: NodeTiming) => void;
  /**
   * Outputs already known for some nodes (by node id), e.g. from the previous run of an edited model:
   * those nodes are not executed. Ignored for nodes that start a fused chain.
   */
  reuse?: ReadonlyMap<number, Tensor>;
}

export interface RunGraphResult {
  outputs: Map<string, Tensor>;
  /** Weight matching report (empty lists when initialised from the seed). */
  weights: StateDictReport;
  timings: NodeTiming[];
}

export function runGraph(graph: ModelGraph, input: Tensor, options: RunGraphOptions = {}): RunGraphResult {
  const executor = new Executor(graph, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.weights === undefined ? {} : { weights: options.weights }),
    ...(options.strict === undefined ? {} : { strict: options.strict }),
  }, options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit });
  const run = executor.run(input, {
    outputs: 'all', fuse: options.fuse === true,
    ...(options.reuse === undefined ? {} : { reuse: options.reuse }),
    ...(options.onNode === undefined ? {} : { onNode: options.onNode }),
  });
  const outputs = run.all();
  executor.dispose();
  return { outputs, weights: executor.report, timings: run.timings };
}
