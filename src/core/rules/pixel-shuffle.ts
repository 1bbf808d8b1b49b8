// PixelShuffle / PixelUnshuffle: (*, C*r*r, H, W) <-> (*, C, H*r, W*r).
import { divExact, dimToString, isKnown, mul, unknownDim, type Dim } from '../dims';
import { type ApplyResult, type LayerArgs, type LayerSpec } from './layer-spec';
import { asInt, fail, firstInput, isResult, shapeText } from './common';

function apply(a: LayerArgs, inputs: Parameters<LayerSpec['apply']>[1], shuffle: boolean, who: string): ApplyResult {
  const x = firstInput(inputs, who);
  if (isResult(x)) return x;
  const op = shuffle ? 'pixel_shuffle' : 'pixel_unshuffle';
  if (x.length < 3) {
    return fail('rank-mismatch', `${who} expects an input (*, C, H, W) with at least 3 dims, but gets ${x.length}-D ${shapeText(x)}`, { blamesInput: true, pytorch: `${op} expects input to have at least 3 dimensions, but got input with ${x.length} dimension(s)` });
  }
  const r = asInt(a.get(shuffle ? 'upscale_factor' : 'downscale_factor'));
  const lead = x.slice(0, -3);
  const [c, h, w] = x.slice(-3) as [Dim, Dim, Dim];
  if (r === undefined) return { output: [...lead, unknownDim(), unknownDim(), unknownDim()] };
  if (shuffle) {
    const cOut = divExact(c, r * r);
    if (cOut === undefined && isKnown(c)) {
      return fail('channel-mismatch', `${who}(${r}) needs channels divisible by ${r * r} (upscale_factor squared), but the input ${shapeText(x)} has ${c}`, {
        blamesInput: true,
        pytorch: `pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${r * r}`,
      });
    }
    return { output: [...lead, cOut ?? unknownDim(), mul(h, r), mul(w, r)] };
  }
  const hOut = divExact(h, r);
  const wOut = divExact(w, r);
  for (const [size, q, label, idx] of [[h, hOut, 'height', -2], [w, wOut, 'width', -1]] as const) {
    if (q === undefined && isKnown(size)) {
      return fail('input-too-small', `${who}(${r}) needs the ${label} divisible by ${r}, but the input ${shapeText(x)} has ${label} ${dimToString(size)}`, {
        blamesInput: true,
        pytorch: `pixel_unshuffle expects ${label} to be divisible by downscale_factor, but input.size(${idx})=${dimToString(size)} is not divisible by ${r}`,
      });
    }
  }
  return { output: [...lead, mul(c, r * r), hOut ?? unknownDim(), wOut ?? unknownDim()] };
}

export const pixelShuffleSpecs: LayerSpec[] = [
  { type: 'PixelShuffle', signature: ['upscale_factor'], defaults: {}, apply: (a, i) => apply(a, i, true, 'PixelShuffle'), paramCount: () => 0 },
  { type: 'PixelUnshuffle', signature: ['downscale_factor'], defaults: {}, apply: (a, i) => apply(a, i, false, 'PixelUnshuffle'), paramCount: () => 0 },
];

export const pixelShuffleFunctionals: LayerSpec[] = [
  { type: 'torch.nn.functional.pixel_shuffle', signature: ['upscale_factor'], defaults: {}, apply: (a, i) => apply(a, i, true, 'F.pixel_shuffle') },
  { type: 'torch.nn.functional.pixel_unshuffle', signature: ['downscale_factor'], defaults: {}, apply: (a, i) => apply(a, i, false, 'F.pixel_unshuffle') },
];
