// The engine's public surface: pure TypeScript + WebAssembly, no DOM and no Node APIs.
export { runGraph, graphParameters, checkMemory, GraphError, type RunGraphOptions, type RunGraphResult, type NodeTiming } from './run-graph';
export { Executor, Execution, type ParameterSource, type ExecutorOptions, type RunOptions } from './executor';
export { nodeKeys } from './node-keys';
export { layers, layerDef, type LayerDef, type ParamSpec } from './layers';
export { functional, functionalOp } from './functional';
export { runtime, resetRuntime, MemoryLimitError, DEFAULT_MEMORY_LIMIT } from './runtime';
export { tensor, numel, type Tensor } from './tensor';
export { readSafetensors, writeSafetensors, WeightsFormatError } from './weights/safetensors';
export { readTorchStateDict } from './weights/torch-pickle';
export { readWeightsFile, matchStateDict, describeReport, StateDictError, type StateDictReport } from './weights/state-dict';
export { initParameter, randn, rng } from './weights/init';
