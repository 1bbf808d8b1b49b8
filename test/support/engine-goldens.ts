// What the engine golden tests share: the goldens' weights (test/goldens/engine/generate-corpus.py's fill(), which the
// other generators import: the state_dict is not stored, each tensor is rebuilt from its qualified name and shape),
// and the comparison with PyTorch's tensors.
import { rng } from '../../src/engine/weights/init';
import type { Tensor } from '../../src/engine/tensor';

/** The generator's fill(): the engine's seeded stream by qualified name, one rule per kind of tensor. */
export function fill(name: string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(0, name);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const data = new Float32Array(n);
  const fanIn = shape.length >= 2 ? n / (shape[0] as number) : 1;
  for (let i = 0; i < n; i++) {
    const u = r();
    data[i] =
      leaf === 'running_var' ? 0.5 + u
      : leaf === 'running_mean' ? (2 * u - 1) * 0.2
      : shape.length >= 2 ? (2 * u - 1) / Math.sqrt(fanIn)
      : leaf === 'weight' ? 1 + (2 * u - 1) * 0.2
      : (2 * u - 1) * 0.2;
  }
  return { shape, data };
}


/** max |ours - torch| (Infinity for a NaN) and max |torch|, for the tolerance 1e-4 * max(1, scale). */
export function maxError(ours: Tensor, torch: Tensor): { err: number; scale: number } {
  let err = 0, scale = 0;
  for (let i = 0; i < torch.data.length; i++) {
    const t = torch.data[i] as number;
    scale = Math.max(scale, Math.abs(t));
    const d = Math.abs((ours.data[i] as number) - t);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return { err, scale };
}
