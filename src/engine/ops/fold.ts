// nn.Unfold (im2col) and nn.Fold (col2im, summing overlaps) on [N, C, H, W] / [N, C·kh·kw, L] (or unbatched).
import { at, shapeString, tensor, type Tensor } from '../tensor';

export interface FoldOptions {
  kernel: [number, number];
  dilation: [number, number];
  padding: [number, number];
  stride: [number, number];
}

function blocks(H: number, W: number, o: FoldOptions): [number, number] {
  const bh = Math.floor((H + 2 * o.padding[0] - o.dilation[0] * (o.kernel[0] - 1) - 1) / o.stride[0]) + 1;
  const bw = Math.floor((W + 2 * o.padding[1] - o.dilation[1] * (o.kernel[1] - 1) - 1) / o.stride[1]) + 1;
  return [bh, bw];
}

export function unfold(x: Tensor, o: FoldOptions): Tensor {
  const unbatched = x.shape.length === 3;
  if (!unbatched && x.shape.length !== 4) throw new Error(`unfold expects a 3-d (unbatched) or 4-d input, got ${shapeString(x.shape)}`);
  const [N, C, H, W] = (unbatched ? [1, ...x.shape] : x.shape) as [number, number, number, number];
  const [bh, bw] = blocks(H, W, o);
  if (bh < 1 || bw < 1) throw new Error(`unfold: the input ${H}x${W} is too small for kernel ${o.kernel.join('x')}`);
  const [kh, kw] = o.kernel, L = bh * bw, R = C * kh * kw;
  const out = tensor(unbatched ? [R, L] : [N, R, L]);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const row = ((n * C + c) * kh + i) * kw + j;
      for (let by = 0; by < bh; by++) {
        const y = by * o.stride[0] - o.padding[0] + i * o.dilation[0];
        for (let bx = 0; bx < bw; bx++) {
          const xx = bx * o.stride[1] - o.padding[1] + j * o.dilation[1];
          out.data[row * L + by * bw + bx] = y >= 0 && y < H && xx >= 0 && xx < W ? at(x.data, ((n * C + c) * H + y) * W + xx) : 0;
        }
      }
    }
  }
  return out;
}

export function fold(x: Tensor, outputSize: [number, number], o: FoldOptions): Tensor {
  const unbatched = x.shape.length === 2;
  if (!unbatched && x.shape.length !== 3) throw new Error(`fold expects a 2-d (unbatched) or 3-d input, got ${shapeString(x.shape)}`);
  const [N, R, L] = (unbatched ? [1, ...x.shape] : x.shape) as [number, number, number];
  const [kh, kw] = o.kernel, [H, W] = outputSize;
  if (R % (kh * kw) !== 0) throw new Error(`fold: ${R} rows are not a multiple of the kernel size ${kh * kw}`);
  const [bh, bw] = blocks(H, W, o);
  if (bh * bw !== L) throw new Error(`fold: the input has ${L} blocks, output_size ${H}x${W} gives ${bh * bw}`);
  const C = R / (kh * kw);
  const out = tensor(unbatched ? [C, H, W] : [N, C, H, W]);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const row = ((n * C + c) * kh + i) * kw + j;
      for (let by = 0; by < bh; by++) {
        const y = by * o.stride[0] - o.padding[0] + i * o.dilation[0];
        if (y < 0 || y >= H) continue;
        for (let bx = 0; bx < bw; bx++) {
          const xx = bx * o.stride[1] - o.padding[1] + j * o.dilation[1];
          if (xx < 0 || xx >= W) continue;
          const k = ((n * C + c) * H + y) * W + xx;
          out.data[k] = at(out.data, k) + at(x.data, (n * R + row) * L + by * bw + bx);
        }
      }
    }
  }
  return out;
}
