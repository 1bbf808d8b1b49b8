// What one forward run of a model records: layer applications, the op graph, shape sites, constraints.
import type { Dim, Shape } from '../dims';
import type { GraphNode, Range } from '../types';
import type { ModuleValue } from './values';

export interface Application {
  module: ModuleValue;
  inputs: Shape[];
  output: Shape | null;
  callRange: Range;
  receptiveField: [number, number] | null;
  cumulativeStride: [number, number] | null;
  params: number | null;
  macs: number | null;
  formula: string[];
}

/** A relation the symbolic input must satisfy for the model to run (used to say which sizes it accepts). */
export interface Constraint {
  dim: Dim;
  /** 'min1': the dim must be at least 1; 'eq0': it must be 0 (two sizes that must match). */
  kind: 'min1' | 'eq0';
}

export interface SiteRecord {
  range: Range;
  shapes: Shape[];
  hint: boolean;
}

export class RunContext {
  readonly applications: Application[] = [];
  readonly nodes: GraphNode[] = [];
  /** Graph nodes for module applications, to fill in qualified names at the end. */
  readonly moduleNodes: Array<{ node: GraphNode; module: ModuleValue }> = [];
  readonly used = new Set<number>();
  readonly forwardRan = new Set<number>();
  readonly constraints: Constraint[] = [];
  /** Something on the run's path was unknown: unused-layer warnings would not be reliable. */
  uncertain = false;
  /** An error stopped part of the flow. */
  failed = false;

  constructor(
    /** Findings and sites of throwaway runs (example calls during top-level execution) are dropped. */
    readonly record: boolean,
    /** The model being run: layers are named by their path in it (`layer1.0.conv1`). */
    readonly root?: ModuleValue,
    /** Its name, for shape sites that several models reach (a block used by two networks). */
    readonly model?: string,
    /**
     * Whether anything reads what ran (applications, graph, constraints) once the run is over: not for an example
     * call during top-level execution, which only computes its result.
     */
    readonly traced = true,
  ) {}
}
