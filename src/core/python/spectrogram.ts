import { add, floorDiv, mul, sub, type Dim, type Shape } from '../dims';
import { toDim, toNumber } from './interpreter';
import type { Value } from './values';

const STFT = ['n_fft', 'hop_length', 'win_length', 'window', 'center', 'pad_mode', 'normalized', 'onesided', 'return_complex'];
const ISTFT = ['n_fft', 'hop_length', 'win_length', 'window', 'center', 'normalized', 'onesided', 'length', 'return_complex'];

/** The arguments after the tensor, by name (positional in signature order, then keywords); undefined when not given. */
function bind(names: string[], args: Value[], kwargs: ReadonlyMap<string, Value>): Map<string, Value> | undefined {
  if (args.length > names.length) return undefined;
  const out = new Map<string, Value>();
  args.forEach((v, i) => out.set(names[i] ?? '', v));
  for (const [k, v] of kwargs) {
    if (!names.includes(k) || out.has(k)) return undefined;
    out.set(k, v);
  }
  return out;
}

/** A flag: its default when not given (or None), undefined when its value is not known. */
function flag(v: Value | undefined, fallback: boolean): boolean | undefined {
  if (v === undefined || v.k === 'none') return fallback;
  return v.k === 'bool' ? v.v : undefined;
}

function positiveInt(v: Value | undefined): number | undefined {
  const n = v ? toNumber(v) : undefined;
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** What stft and istft share: the bound arguments, n_fft, the hop (n_fft // 4 by default) and `center`. */
function framing(names: string[], args: Value[], kwargs: ReadonlyMap<string, Value>):
  { a: Map<string, Value>; nFft: number; hop: number | undefined; center: boolean | undefined } | undefined {
  const a = bind(names, args, kwargs);
  const nFft = positiveInt(a?.get('n_fft'));
  if (!a || nFft === undefined) return undefined;
  const hopV = a.get('hop_length');
  const hop = hopV === undefined || hopV.k === 'none' ? Math.floor(nFft / 4) : positiveInt(hopV);
  return { a, nFft, hop, center: flag(a.get('center'), true) };
}

/**
 * torch.stft of a real signal ([L] or [B, L]), PyTorch 1.13's sizes: center pads n_fft // 2 on both sides, frames =
 * 1 + (L - n_fft) // hop (hop defaults to n_fft // 4), n_fft // 2 + 1 frequencies when onesided (the default for a
 * real signal). return_complex=True gives the complex [B, freqs, frames], False a trailing 2; not giving it is an
 * error PyTorch 1.13 raises for real signals, so the size is left unknown, as is anything not known.
 */
export function stftShape(input: Shape, args: Value[], kwargs: ReadonlyMap<string, Value>): Shape | undefined {
  const f = framing(STFT, args, kwargs);
  if (!f || (input.length !== 1 && input.length !== 2)) return undefined;
  const { a, nFft, hop, center } = f;
  const onesided = flag(a.get('onesided'), true);
  const complexV = a.get('return_complex');
  const complex = complexV === undefined || complexV.k === 'none' ? undefined : flag(complexV, false);
  const length = input[input.length - 1];
  if (!hop || center === undefined || onesided === undefined || complex === undefined || length === undefined) return undefined;
  const padded = center ? add(length, 2 * Math.floor(nFft / 2)) : length;
  if (typeof padded === 'number' && padded < nFft) return undefined;
  const frames = add(1, floorDiv(sub(padded, nFft), hop));
  const freqs = onesided ? Math.floor(nFft / 2) + 1 : nFft;
  return [...input.slice(0, -1), freqs, frames, ...(complex ? [] : [2])];
}

/**
 * torch.istft of a complex spectrogram ([freqs, frames] or [B, freqs, frames]): the signal's `length` when given,
 * else n_fft + hop * (frames - 1), less n_fft // 2 on each side when centred.
 */
export function istftShape(input: Shape, args: Value[], kwargs: ReadonlyMap<string, Value>): Shape | undefined {
  const f = framing(ISTFT, args, kwargs);
  if (!f || (input.length !== 2 && input.length !== 3)) return undefined;
  const { a, nFft, hop, center } = f;
  const lengthV = a.get('length');
  const frames = input[input.length - 1];
  if (!hop || center === undefined || frames === undefined) return undefined;
  let length: Dim | undefined;
  if (lengthV !== undefined && lengthV.k !== 'none') length = toDim(lengthV);
  else length = sub(add(nFft, mul(hop, sub(frames, 1))), center ? 2 * Math.floor(nFft / 2) : 0);
  return length === undefined ? undefined : [...input.slice(0, -2), length];
}
