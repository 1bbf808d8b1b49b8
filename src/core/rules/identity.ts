// Identity: takes any constructor arguments and returns its input unchanged.
import { type LayerSpec } from './layer-spec';
import { firstInput, isResult } from './common';

export const identity: LayerSpec = {
  type: 'Identity',
  signature: [],
  defaults: {},
  acceptsAnyArgs: true,
  apply(_a, inputs) {
    const x = firstInput(inputs, 'Identity');
    return isResult(x) ? x : { output: [...x] };
  },
  paramCount: () => 0,
  macs: () => 0,
};
