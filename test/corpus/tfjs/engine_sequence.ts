import * as tf from '@tensorflow/tfjs';

// A 1-d convnet over 30 steps of 6 features: dilated and 'same' conv1d, 1-d pools, then a dense head.
const model = tf.sequential();
model.add(tf.layers.conv1d({ inputShape: [30, 6], filters: 8, kernelSize: 3, dilationRate: 2, activation: 'relu' }));
model.add(tf.layers.conv1d({ filters: 10, kernelSize: 4, strides: 2, padding: 'same', activation: 'softplus' }));
model.add(tf.layers.maxPooling1d({ poolSize: 2 }));
model.add(tf.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }));
model.add(tf.layers.globalMaxPooling1d({}));
model.add(tf.layers.repeatVector({ n: 3 }));
model.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 2, activation: 'linear' }));
