// Linear layer: y = x W^T + b over the last dimension.
import { at, shapeString, tensor, type Tensor } from '../tensor';

export function linear(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  if (w.shape.length !== 2) throw new Error(`linear expects a 2-d weight, got ${shapeString(w.shape)}`);
  const [O, I] = w.shape as [number, number];
  const last = x.shape[x.shape.length - 1];
  if (last !== I) throw new Error(`linear: input ${shapeString(x.shape)} has ${last ?? 0} features in its last dimension, the weight ${shapeString(w.shape)} expects ${I}`);
  const rows = x.data.length / I;
  const out = tensor([...x.shape.slice(0, -1), O]);
  const xd = x.data, wd = w.data;
  for (let r = 0; r < rows; r++) {
    const xb = r * I;
    for (let o = 0; o < O; o++) {
      const wb = o * I;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i + 3 < I; i += 4) {
        s0 += at(xd, xb + i) * at(wd, wb + i);
        s1 += at(xd, xb + i + 1) * at(wd, wb + i + 1);
        s2 += at(xd, xb + i + 2) * at(wd, wb + i + 2);
        s3 += at(xd, xb + i + 3) * at(wd, wb + i + 3);
      }
      for (; i < I; i++) s0 += at(xd, xb + i) * at(wd, wb + i);
      out.data[r * O + o] = s0 + s1 + s2 + s3 + (bias === null ? 0 : at(bias.data, o));
    }
  }
  return out;
}
