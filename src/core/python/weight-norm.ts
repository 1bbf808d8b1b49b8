import { readConvParams } from '../rules/conv';
import { allKnown } from '../rules/common';
import type { CallInfo } from './analyzer';
import type { TensorOps } from './tensors';
import { toNumber } from './interpreter';
import { UNKNOWN_VALUE, type ModuleValue, type Value } from './values';

/** The weight's shape of the layers weight_norm is applied to in model code, from their arguments. */
function weightShape(m: ModuleValue): number[] | undefined {
  const spec = m.spec;
  const args = m.args;
  if (!spec || !args) return undefined;
  const conv = /^Conv([123])d$/.exec(spec.type);
  if (conv) {
    const { p } = readConvParams(args, Number(conv[1]));
    const k = allKnown(p.kernel);
    if (typeof p.inChannels !== 'number' || typeof p.outChannels !== 'number' || !p.groups || !k) return undefined;
    return [p.outChannels, p.inChannels / p.groups, ...k];
  }
  if (spec.type === 'Linear') {
    const i = args.get('in_features');
    const o = args.get('out_features');
    return typeof i === 'number' && typeof o === 'number' ? [o, i] : undefined;
  }
  return undefined;
}

/**
 * `torch.nn.utils.weight_norm(module, name='weight', dim=0)` gives back the module itself, its shapes unchanged; the
 * weight becomes weight_v (same size) and weight_g, the norm kept per index of `dim` (one value for dim None or -1,
 * PyTorch's rule). weight_g is added as a parameter; when its size is not known the parameter count is unknown.
 */
export function weightNorm(tensors: TensorOps, info: CallInfo): Value {
  const m = info.args[0] ?? info.kwargs.get('module');
  if (m?.k !== 'module') return m ?? UNKNOWN_VALUE;
  const nameV = info.args[1] ?? info.kwargs.get('name');
  const name = nameV === undefined ? 'weight' : nameV.k === 'str' ? nameV.v : undefined;
  const dimV = info.args[2] ?? info.kwargs.get('dim');
  const dim = dimV === undefined ? 0 : dimV.k === 'none' ? -1 : toNumber(dimV);
  const shape = weightShape(m);
  if (name !== 'weight' || dim === undefined || !shape || dim < -1 || dim >= shape.length || info.unknownSplat) {
    m.attrs.set(`${name ?? 'weight'}_g`, UNKNOWN_VALUE);
    return m;
  }
  const g = tensors.make(dim === -1 ? [] : shape.map((s, i) => (i === dim ? s : 1)));
  g.parameter = true;
  m.attrs.set('weight_g', g);
  return m;
}
