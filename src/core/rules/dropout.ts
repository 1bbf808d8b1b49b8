// Dropout family: shape-preserving; p must be in [0, 1]; the channel-wise variants check the rank.
import { type ApplyResult, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { asBool, asNumber, fail, firstInput, isResult, issue, shapeText, warning } from './common';

type Variant = 'plain' | '1d' | '2d' | '3d' | 'feature-alpha';

function probabilityIssue(type: string, a: LayerArgs): LayerIssue | undefined {
  const p = asNumber(a.get('p'));
  if (p === undefined || (p >= 0 && p <= 1)) return undefined;
  const e = issue('invalid-argument', `${type}: p=${p} is a probability and must be between 0 and 1`, { arg: 'p' });
  // Python prints 2 and 2.0 differently and the source value does not say which: only non-integers are exact.
  if (!Number.isInteger(p)) e.pytorch = `dropout probability has to be between 0 and 1, but got ${p}`;
  return e;
}

const DROPOUT1D_NOTE = 'Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).';

function apply(a: LayerArgs, inputs: Parameters<LayerSpec['apply']>[1], variant: Variant, functional: boolean): ApplyResult {
  const type = a.type;
  const x = firstInput(inputs, type);
  if (isResult(x)) return x;
  if (functional) {
    const bad = probabilityIssue(type, a);
    if (bad) return { error: bad };
  }
  const rank = x.length;
  if (variant === '1d' && rank !== 2 && rank !== 3) {
    return fail('rank-mismatch', `${type} expects a 2-D (C, L) or 3-D (N, C, L) input but gets ${rank}-D ${shapeText(x)}`, { blamesInput: true, pytorch: `dropout1d: Expected 2D or 3D input, but received a ${rank}D input. ${DROPOUT1D_NOTE}` });
  }
  // Channel-wise dropout needs a channel dim; PyTorch only looks when training (modules: unknown here).
  const featureRank = variant === '2d' || variant === 'feature-alpha' ? rank : variant === '3d' && rank !== 5 ? rank + 1 : rank;
  if ((variant === '2d' || variant === '3d' || variant === 'feature-alpha') && featureRank < 2) {
    const training = functional ? asBool(a.get('training')) : undefined;
    const message = `${type} drops whole channels and needs at least 2 dims, but gets ${shapeText(x)}`;
    const pytorch = 'Feature dropout requires at least 2 dimensions in the input';
    if (training === true) return fail('rank-mismatch', message, { blamesInput: true, pytorch });
    if (training === undefined) return { output: [...x], issues: [warning('rank-mismatch', `${message} (PyTorch raises in training mode)`, { blamesInput: true, pytorch })] };
  }
  return { output: [...x] };
}

function moduleSpec(type: string, variant: Variant): LayerSpec {
  return {
    type,
    signature: ['p', 'inplace'],
    defaults: { p: 0.5, inplace: false },
    check(a) {
      const bad = probabilityIssue(type, a);
      return bad ? [bad] : [];
    },
    apply: (a, inputs) => apply(a, inputs, variant, false),
    paramCount: () => 0,
  };
}

function functionalSpec(name: string, variant: Variant, trainingDefault: boolean): LayerSpec {
  return {
    type: `torch.nn.functional.${name}`,
    signature: ['p', 'training', 'inplace'],
    defaults: { p: 0.5, training: trainingDefault, inplace: false },
    apply: (a, inputs) => apply(a, inputs, variant, true),
  };
}

export const dropoutSpecs: LayerSpec[] = [
  moduleSpec('Dropout', 'plain'),
  moduleSpec('Dropout1d', '1d'),
  moduleSpec('Dropout2d', '2d'),
  moduleSpec('Dropout3d', '3d'),
  moduleSpec('AlphaDropout', 'plain'),
  moduleSpec('FeatureAlphaDropout', 'feature-alpha'),
];

export const dropoutFunctionals: LayerSpec[] = [
  functionalSpec('dropout', 'plain', true),
  functionalSpec('dropout1d', '1d', true),
  functionalSpec('dropout2d', '2d', true),
  functionalSpec('dropout3d', '3d', true),
  functionalSpec('alpha_dropout', 'plain', false),
  functionalSpec('feature_alpha_dropout', 'feature-alpha', false),
];
