import * as tf from '@tensorflow/tfjs';

// 'same' and 'valid' padding with strides on an odd-sized RGB input (NHWC).
const model = tf.sequential();
model.add(tf.layers.conv2d({ inputShape: [27, 27, 3], filters: 16, kernelSize: 3, strides: 2, padding: 'same' }));
model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid' }));
model.add(tf.layers.conv2d({ filters: 32, kernelSize: [3, 5], strides: [1, 2], padding: 'same' }));
model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
model.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 5 }));
