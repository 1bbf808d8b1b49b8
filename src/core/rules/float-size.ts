// A layer size given as a float (`mid = out_planes / 4` in code ported from Python 2): the layer's __init__ passes it
// to torch.empty() for its weight, which only takes ints. PyTorch's TypeError depends on where the first float sits
// in the weight's size: first element (or a bare size) -> "invalid combination"; later -> "found element ... at pos N".
import type { LayerArgs, LayerIssue } from './layer-spec';

/** The signatures torch.empty() lists when none matched (PyTorch 1.13). */
const EMPTY_SIGNATURES =
  ' * (tuple of ints size, *, tuple of names names, torch.memory_format memory_format, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)\n' +
  ' * (tuple of SymInts size, *, torch.memory_format memory_format, Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)\n';

function invalidCombination(got: 'tuple' | 'float'): string {
  return `empty() received an invalid combination of arguments - got (${got}, dtype=NoneType, device=NoneType), but expected one of:\n${EMPTY_SIGNATURES}`;
}

/** One entry of the weight's size tuple: the parameter it comes from. */
interface SizeEntry { param: string; float: boolean }

/**
 * The float-size error of a layer, if any. `floats(name)` gives, for a parameter, whether each of its numbers is a
 * Python float (one flag for a number, one per item for a tuple); undefined when the value is not known.
 */
export function floatSizeIssue(a: LayerArgs, floats: (name: string) => boolean[] | undefined): LayerIssue | undefined {
  const type = a.type;
  const flag = (name: string): boolean => floats(name)?.some(Boolean) === true;
  let entries: SizeEntry[] | undefined;
  let bare: SizeEntry | undefined;
  const conv = /^(Conv|ConvTranspose)([123])d$/.exec(type);
  if (conv) {
    const n = Number(conv[2]);
    const k = floats('kernel_size');
    if (!k) return undefined;
    const kernel = (k.length === 1 ? Array<boolean>(n).fill(k[0] ?? false) : k).map((f) => ({ param: 'kernel_size', float: f }));
    // in_channels // groups is a float when either is.
    const inner: SizeEntry = { param: flag('in_channels') ? 'in_channels' : 'groups', float: flag('in_channels') || flag('groups') };
    const out: SizeEntry = { param: 'out_channels', float: flag('out_channels') };
    if (conv[1] === 'ConvTranspose') {
      const innerT: SizeEntry = { param: flag('out_channels') ? 'out_channels' : 'groups', float: flag('out_channels') || flag('groups') };
      entries = [{ param: 'in_channels', float: flag('in_channels') }, innerT, ...kernel];
    } else entries = [out, inner, ...kernel];
  } else if (type === 'Linear') {
    entries = [{ param: 'out_features', float: flag('out_features') }, { param: 'in_features', float: flag('in_features') }];
  } else if (type === 'Embedding') {
    entries = [{ param: 'num_embeddings', float: flag('num_embeddings') }, { param: 'embedding_dim', float: flag('embedding_dim') }];
  } else if (/^BatchNorm[123]d$/.test(type) && a.get('affine') === true) {
    bare = { param: 'num_features', float: flag('num_features') };
  } else if (type === 'GroupNorm' && a.get('affine') === true) {
    bare = { param: 'num_channels', float: flag('num_channels') };
  } else if (type === 'PReLU') {
    bare = { param: 'num_parameters', float: flag('num_parameters') };
  }
  let pytorch: string | undefined;
  let param: string | undefined;
  if (bare?.float) {
    pytorch = invalidCombination('float');
    param = bare.param;
  } else if (entries) {
    const at = entries.findIndex((e) => e.float);
    if (at < 0) return undefined;
    param = entries[at]?.param;
    pytorch = at === 0 ? invalidCombination('tuple') : `empty(): argument 'size' must be tuple of SymInts, but found element of type float at pos ${at + 1}`;
  }
  if (!pytorch || !param) return undefined;
  const value = a.get(param);
  const shown = typeof value === 'number' ? (Number.isInteger(value) ? `${value}.0` : String(value)) : 'a float';
  return {
    code: 'float-size', severity: 'error', arg: param, pytorch,
    message: `${type} ${param} is ${shown}, a float: layer sizes must be ints. In Python 3, / always gives a float; use // for integer division (or int(...))`,
  };
}
