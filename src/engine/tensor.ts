// A dense float32 tensor, row-major (NCHW for images). Engine ops never mutate their inputs.

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array): Tensor {
  const n = numel(shape);
  if (data !== undefined && data.length !== n) {
    throw new Error(`tensor data has ${data.length} values but shape [${shape.join(', ')}] needs ${n}`);
  }
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}

export function dim(t: Tensor, i: number): number {
  const r = t.shape.length;
  const k = i < 0 ? i + r : i;
  const d = t.shape[k];
  if (d === undefined) throw new Error(`dimension ${i} is out of range for a ${r}-d tensor`);
  return d;
}

/** Normalises a possibly negative dimension index against a rank. */
export function normDim(d: number, rank: number): number {
  const k = d < 0 ? d + rank : d;
  if (k < 0 || k >= rank) throw new Error(`dimension ${d} is out of range for a ${rank}-d tensor`);
  return k;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Reads index i of an array known to be in range (keeps noUncheckedIndexedAccess honest without noise). */
export function at(a: ArrayLike<number>, i: number): number {
  return a[i] as number;
}

/**
 * A layer whose forward returns a tuple (an LSTM's output, (h_n, c_n)): the first tensor, with the others in
 * `rest` in the order the core flattens the tuple (null for a None).
 */
export interface TupleTensor extends Tensor {
  readonly rest: ReadonlyArray<Tensor | null>;
}

export function withRest(first: Tensor, rest: ReadonlyArray<Tensor | null>): TupleTensor {
  return { shape: first.shape, data: first.data, rest };
}

/** The tensors after the first of a tuple-valued forward (none for a plain tensor). */
export function restOf(t: Tensor): ReadonlyArray<Tensor | null> {
  return 'rest' in t ? (t as TupleTensor).rest : [];
}
