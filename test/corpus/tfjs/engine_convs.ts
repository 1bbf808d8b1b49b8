import * as tf from '@tensorflow/tfjs';

// Every convolution kind on an odd-sized input: 'same' with strides pads one more pixel at the bottom/right.
const model = tf.sequential();
model.add(tf.layers.conv2d({ inputShape: [23, 21, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }));
model.add(tf.layers.depthwiseConv2d({ kernelSize: [3, 2], strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu' }));
model.add(tf.layers.separableConv2d({ filters: 12, kernelSize: [3, 5], padding: 'valid', depthMultiplier: 2, activation: 'elu' }));
model.add(tf.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }));
model.add(tf.layers.conv2dTranspose({ filters: 5, kernelSize: 2, strides: 3, padding: 'valid' }));
model.add(tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }));
model.add(tf.layers.conv2d({ filters: 7, kernelSize: 4, strides: 3, padding: 'same', kernelInitializer: 'heNormal' }));
model.add(tf.layers.batchNormalization());
model.add(tf.layers.activation({ activation: 'swish' }));
model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
model.add(tf.layers.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same' }));
model.add(tf.layers.globalAveragePooling2d({}));
model.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
