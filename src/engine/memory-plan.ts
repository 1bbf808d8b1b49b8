// Where each activation of a run lives in the executor's arena: values whose lifetimes do not overlap
// share bytes. Pure: the executor gives the values in the order they are produced, with the step of
// their last reader; the plan is made once per graph and reused by every run.

export interface PlannedValue {
  /** Step that writes the value. */
  def: number;
  /** Last step that reads it (directly or through a view of it); Infinity when it must outlive the run. */
  lastUse: number;
  bytes: number;
}

export interface MemoryPlan {
  /** Byte offset of each value in the arena, in the order given. */
  offsets: number[];
  /** Arena size in bytes. */
  bytes: number;
}

const ALIGN = 64;
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Greedy buffer sharing: each value takes the smallest free buffer that holds it, else grows the largest
 * free one, else a new buffer. A buffer is free at step s once its occupant's last use is before s, so an
 * op never writes over one of its own inputs.
 */
export function planMemory(values: readonly PlannedValue[]): MemoryPlan {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as PlannedValue).def - (values[b] as PlannedValue).def || a - b);
  const buffers: Array<{ size: number; busyUntil: number }> = [];
  const bufferOf = new Array<number>(values.length).fill(-1);
  for (const i of order) {
    const v = values[i] as PlannedValue;
    const need = alignUp(Math.max(v.bytes, 4));
    let best = -1, largest = -1;
    buffers.forEach((b, j) => {
      if (b.busyUntil >= v.def) return;
      if (b.size >= need && (best < 0 || b.size < (buffers[best] as { size: number }).size)) best = j;
      if (largest < 0 || b.size > (buffers[largest] as { size: number }).size) largest = j;
    });
    const j = best >= 0 ? best : largest >= 0 ? largest : buffers.push({ size: 0, busyUntil: -1 }) - 1;
    const b = buffers[j] as { size: number; busyUntil: number };
    b.size = Math.max(b.size, need);
    b.busyUntil = v.lastUse;
    bufferOf[i] = j;
  }
  const starts: number[] = [];
  let bytes = 0;
  for (const b of buffers) {
    starts.push(bytes);
    bytes += b.size;
  }
  return { offsets: bufferOf.map((j) => starts[j] as number), bytes };
}

/** Pairs of values that are live at the same step and share bytes (a correct plan has none). */
export function planConflicts(values: readonly PlannedValue[], plan: MemoryPlan): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      const a = values[i] as PlannedValue, b = values[j] as PlannedValue;
      const live = a.def <= b.lastUse && b.def <= a.lastUse;
      const oa = plan.offsets[i] as number, ob = plan.offsets[j] as number;
      const overlap = oa < ob + b.bytes && ob < oa + a.bytes;
      if (live && overlap && a.bytes > 0 && b.bytes > 0) out.push([i, j]);
    }
  }
  return out;
}
