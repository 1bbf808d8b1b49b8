// Every shape rule, keyed by torch.nn class name (layerSpecs) or by torch function path (functionalSpecs).
// Adding a layer: write its rule file and list its spec here.
import { type LayerSpec } from './layer-spec';
import { activationFunctionals, activationSpecs } from './activation';
import { adaptivePoolFunctionals, adaptivePoolSpecs } from './adaptive-pool';
import { conv1d, conv2d, conv3d } from './conv';
import { convTranspose1d, convTranspose2d, convTranspose3d } from './conv-transpose';
import { dropoutFunctionals, dropoutSpecs } from './dropout';
import { embedding } from './embedding';
import { einopsFunctionals, einopsLayerSpecs } from './einops';
import { flattenSpecs, torchFlatten } from './flatten';
import { identity } from './identity';
import { multiheadAttention } from './attention';
import { foldFunctionals, foldSpecs } from './fold';
import { matmulFunctionals } from './matmul';
import { recurrentSpecs } from './recurrent';
import { transformerSpecs } from './transformer';
import { functionalLinear, linearSpecs } from './linear';
import { functionalLayerNorm, normSpecs } from './norm';
import { functionalPad, padSpecs } from './pad';
import { pixelShuffleFunctionals, pixelShuffleSpecs } from './pixel-shuffle';
import { poolFunctionals, poolSpecs } from './pool';
import { functionalInterpolate, upsampleSpecs } from './upsample';

function byType(specs: LayerSpec[]): Map<string, LayerSpec> {
  const map = new Map<string, LayerSpec>();
  for (const s of specs) {
    if (map.has(s.type)) throw new Error(`duplicate shape rule for ${s.type}`);
    map.set(s.type, s);
  }
  return map;
}

export const layerSpecs: Map<string, LayerSpec> = byType([
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  ...poolSpecs,
  ...adaptivePoolSpecs,
  ...normSpecs,
  ...linearSpecs,
  ...flattenSpecs,
  ...activationSpecs,
  ...dropoutSpecs,
  ...upsampleSpecs,
  ...pixelShuffleSpecs,
  ...padSpecs,
  identity,
  embedding,
  ...recurrentSpecs,
  multiheadAttention,
  ...transformerSpecs,
  ...foldSpecs,
  ...einopsLayerSpecs,
]);

export const functionalSpecs: Map<string, LayerSpec> = byType([
  ...poolFunctionals,
  ...adaptivePoolFunctionals,
  functionalInterpolate,
  functionalPad,
  ...dropoutFunctionals,
  ...activationFunctionals,
  torchFlatten,
  functionalLinear,
  functionalLayerNorm,
  ...pixelShuffleFunctionals,
  ...foldFunctionals,
  ...matmulFunctionals,
  ...einopsFunctionals,
]);
