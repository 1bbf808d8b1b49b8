import * as tf from '@tensorflow/tfjs';

// The dense layer gives 7 * 7 * 16 values, the reshape asks for 7 * 7 * 32.
const model = tf.sequential();
model.add(tf.layers.dense({ inputShape: [64], units: 7 * 7 * 16, activation: 'relu' }));
model.add(tf.layers.reshape({ targetShape: [7, 7, 32] }));
model.add(tf.layers.conv2dTranspose({ filters: 16, kernelSize: 4, strides: 2, padding: 'same' }));
model.add(tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }));
