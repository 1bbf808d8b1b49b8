// Unfold (im2col) and Fold (col2im), modules and functions:
//   Unfold: [N, C, H, W] -> [N, C*kh*kw, L], L = number of sliding blocks; Fold: [N, C*kh*kw, L] -> [N, C, oh, ow].
import { dimEquals, dimToString, divExact, isKnown, mul, product, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type LayerArgs, type LayerSpec } from './layer-spec';
import { allKnown, asTuple, fail, firstInput, isResult, shapeText } from './common';
import { convOutSize } from './conv';

interface FoldParams {
  kernel: (Dim | undefined)[];
  dilation: (Dim | undefined)[];
  padding: (Dim | undefined)[];
  stride: (Dim | undefined)[];
}

function pairOf(a: LayerArgs, name: string): (Dim | undefined)[] {
  const t = asTuple(a.get(name), 2);
  return t === 'bad' ? [undefined, undefined] : t;
}

function read(a: LayerArgs): FoldParams {
  return { kernel: pairOf(a, 'kernel_size'), dilation: pairOf(a, 'dilation'), padding: pairOf(a, 'padding'), stride: pairOf(a, 'stride') };
}

function blocks(p: FoldParams, sizes: Dim[]): Dim[] {
  return sizes.map((s, i) => {
    const pad = p.padding[i];
    return convOutSize(s, pad === undefined ? undefined : mul(2, pad), p.kernel[i], p.stride[i], p.dilation[i]).out;
  });
}

const tupleText = (xs: (Dim | undefined)[]): string => `(${xs.map((x) => (x === undefined ? '?' : dimToString(x))).join(', ')})`;

function unfoldApply(type: string, a: LayerArgs, x: Shape): ApplyResult {
  if (x.length !== 3 && x.length !== 4) {
    return fail('rank-mismatch', `${type} expects a 4-D input (N, C, H, W) or an unbatched 3-D one, but gets ${x.length}-D ${shapeText(x)}`, { blamesInput: true });
  }
  const p = read(a);
  const spatial = x.slice(-2);
  const b = blocks(p, spatial);
  if (b.some((d) => isKnown(d) && d < 1)) {
    return fail('input-too-small', `${type}: the ${tupleText(p.kernel)} window (with dilation and padding) does not fit in the ${spatial.map(dimToString).join('x')} input`, {
      blamesInput: true,
      pytorch: `Given input with spatial size ${tupleText(spatial)}, kernel_size=${tupleText(p.kernel)}, dilation=${tupleText(p.dilation)}, padding=${tupleText(p.padding)}, calculated shape of the array of sliding blocks as ${tupleText(b)}, but its components must be at least one.`,
    });
  }
  const k = allKnown(p.kernel);
  const c = x[x.length - 3] as Dim;
  const out: Shape = [k ? mul(c, k[0]! * k[1]!) : unknownDim(), product(b)];
  return { output: x.length === 4 ? [x[0] as Dim, ...out] : out };
}

function foldApply(type: string, a: LayerArgs, x: Shape): ApplyResult {
  if (x.length !== 2 && x.length !== 3) {
    return fail('rank-mismatch', `${type} expects a 3-D input (N, C*kh*kw, L) or an unbatched 2-D one, but gets ${x.length}-D ${shapeText(x)}`, {
      blamesInput: true,
      pytorch: `Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${shapeText(x)}`,
    });
  }
  const p = read(a);
  const os = pairOf(a, 'output_size');
  const cols = x[x.length - 2] as Dim;
  const L = x[x.length - 1] as Dim;
  const k = allKnown(p.kernel);
  let c: Dim = unknownDim();
  if (k) {
    const q = divExact(cols, k[0]! * k[1]!);
    if (q === undefined && isKnown(cols)) {
      return fail('invalid-argument', `${type}: dim ${x.length - 2} of ${shapeText(x)} is ${cols}, not a multiple of the kernel's ${k[0]! * k[1]!} elements`, {
        blamesInput: true,
        ...(x.length === 3 ? { pytorch: `Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${cols} and kernel_size=${tupleText(p.kernel)}.` } : {}),
      });
    }
    if (q !== undefined) c = q;
  }
  if (os.every((o) => o !== undefined)) {
    const b = blocks(p, os as Dim[]);
    const total = product(b);
    if (dimEquals(total, L) === false) {
      return fail('invalid-argument', `${type}: output_size ${tupleText(os)} needs ${dimToString(total)} sliding blocks but the input has ${dimToString(L)} (the last dim of ${shapeText(x)})`, {
        blamesInput: true,
        ...(x.length === 3 ? { pytorch: `Given output_size=${tupleText(os)}, kernel_size=${tupleText(p.kernel)}, dilation=${tupleText(p.dilation)}, padding=${tupleText(p.padding)}, stride=${tupleText(p.stride)}, expected size of input's dimension 2 to match the calculated number of sliding blocks ${b.map(dimToString).join(' * ')} = ${dimToString(total)}, but got input.size(2)=${dimToString(L)}.` } : {}),
      });
    }
  }
  const out: Shape = [c, ...os.map((o) => o ?? unknownDim())];
  return { output: x.length === 3 ? [x[0] as Dim, ...out] : out };
}

const unfoldSig = ['kernel_size', 'dilation', 'padding', 'stride'];
const foldSig = ['output_size', 'kernel_size', 'dilation', 'padding', 'stride'];
const defaults = { dilation: 1, padding: 0, stride: 1 };

function spec(type: string, fold: boolean): LayerSpec {
  return {
    type,
    signature: fold ? foldSig : unfoldSig,
    defaults,
    apply(a, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const who = type.startsWith('torch.') ? `F.${type.slice(type.lastIndexOf('.') + 1)}` : type;
      return fold ? foldApply(who, a, x) : unfoldApply(who, a, x);
    },
    paramCount: () => 0,
  };
}

export const foldSpecs: LayerSpec[] = [spec('Unfold', false), spec('Fold', true)];
export const foldFunctionals: LayerSpec[] = [spec('torch.nn.functional.unfold', false), spec('torch.nn.functional.fold', true)];
