import * as tf from '@tensorflow/tfjs';

// Resizing, normalisation and activation layers with their TF.js defaults (softmax's axis is 1, leakyReLU's alpha 0.3).
const model = tf.sequential({
  layers: [
    tf.layers.upSampling2d({ inputShape: [5, 7, 4], size: [2, 3] }),
    tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
    tf.layers.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, useBias: false, activation: 'selu' }),
    tf.layers.batchNormalization({ center: false, epsilon: 0.01 }),
    tf.layers.leakyReLU(),
    tf.layers.prelu(),
    tf.layers.reLU({ maxValue: 0.5 }),
    tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'mish' }),
    tf.layers.thresholdedReLU({ theta: 0.1 }),
    tf.layers.softmax({ axis: -1 }),
    tf.layers.layerNormalization(),
    tf.layers.maxPooling2d({ poolSize: [3, 2] }),
    tf.layers.flatten(),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 12, activation: 'sigmoid' }),
    tf.layers.reshape({ targetShape: [3, 4] }),
    tf.layers.dense({ units: 6, activation: 'hardSigmoid' }),
    tf.layers.permute({ dims: [2, 1] }),
    tf.layers.dense({ units: 4, activation: 'gelu' }),
    tf.layers.activation({ activation: 'softsign' }),
  ],
});
