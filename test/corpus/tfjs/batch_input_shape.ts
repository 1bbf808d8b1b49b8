import * as tf from '@tensorflow/tfjs';

// A fixed batch of 8 grayscale 48x48 faces (emotion classifier), upsampled and reshaped on the way.
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ batchInputShape: [8, 48, 48, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tf.layers.separableConv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
    tf.layers.upSampling2d({ size: [2, 2] }),
    tf.layers.zeroPadding2d({ padding: 1 }),
    tf.layers.conv2d({ filters: 8, kernelSize: 1 }),
    tf.layers.globalMaxPooling2d({}),
    tf.layers.reshape({ targetShape: [2, 4] }),
    tf.layers.dense({ units: 7 }),
  ],
});

console.log(model.outputs[0]?.shape);
