import { unknownDim, type Dim, type Shape } from '../dims';
import type { CallInfo } from './analyzer';
import { toNumber } from './interpreter';
import type { TensorOps } from './tensors';
import { tuple, type TensorValue, type Value } from './values';

/**
 * torch.nn.utils.rnn's PackedSequence, as the tensor of its `data` ([sum of lengths, *features], what an RNN's hooks
 * see) marked with the padded batch it came from. An RNN over it gives packed output and batched final states;
 * pad_packed_sequence gives the padded batch back, as long as the longest sequence.
 */
export interface Packed {
  batch: Dim;
  /** The longest length (the padded length pad_packed_sequence restores); unknown when the lengths are. */
  longest: Dim;
}

function flag(v: Value | undefined): boolean | undefined {
  if (v === undefined || v.k === 'none') return false;
  return v.k === 'bool' ? v.v : undefined;
}

/** pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True): the lengths' values give the sizes. */
export function packPaddedSequence(tensors: TensorOps, info: CallInfo): Value {
  const input = info.args[0] ?? info.kwargs.get('input');
  const lengths = info.args[1] ?? info.kwargs.get('lengths');
  const batchFirst = flag(info.args[2] ?? info.kwargs.get('batch_first'));
  if (input?.k !== 'tensor' || !input.shape || input.shape.length < 2 || batchFirst === undefined) return tensors.make(null);
  const batch = input.shape[batchFirst ? 0 : 1] ?? unknownDim();
  const values = lengths?.k === 'tensor' ? lengths.values?.data : lengths?.k === 'list' || lengths?.k === 'tuple' ? lengths.items.map((v) => toNumber(v)) : undefined;
  const known = values && values.every((n): n is number => n !== undefined && Number.isInteger(n) && n > 0) && values.length === batch ? values : undefined;
  const total: Dim = known ? known.reduce((x, y) => x + y, 0) : unknownDim();
  const out = tensors.make([total, ...input.shape.slice(2)], input);
  out.packed = { batch, longest: known ? Math.max(...known) : unknownDim() };
  return out;
}

/** pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None) -> (padded, lengths). */
export function padPackedSequence(tensors: TensorOps, info: CallInfo): Value {
  const seq = info.args[0] ?? info.kwargs.get('sequence');
  const batchFirst = flag(info.args[1] ?? info.kwargs.get('batch_first'));
  const totalV = info.args[3] ?? info.kwargs.get('total_length');
  const total = totalV === undefined || totalV.k === 'none' ? undefined : toNumber(totalV);
  if (seq?.k !== 'tensor' || !seq.packed || !seq.shape || batchFirst === undefined || (totalV !== undefined && totalV.k !== 'none' && total === undefined)) {
    return tuple([tensors.make(null), tensors.make(null)]);
  }
  const { batch, longest } = seq.packed;
  const length: Dim = total ?? longest;
  const rest = seq.shape.slice(1);
  const shape: Shape = batchFirst ? [batch, length, ...rest] : [length, batch, ...rest];
  const padded = tensors.make(shape, seq);
  delete padded.packed;
  return tuple([padded, tensors.make([batch])]);
}

/** An RNN's final states over a packed input are batched ([layers x directions, batch, hidden]). */
export function batchedStates(t: TensorValue, packed: Packed): Shape | null {
  if (!t.shape || t.shape.length !== 2) return t.shape;
  return [t.shape[0] ?? unknownDim(), packed.batch, t.shape[1] ?? unknownDim()];
}
