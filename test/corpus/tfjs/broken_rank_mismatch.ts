import * as tf from '@tensorflow/tfjs';

// A decoder that forgot to reshape the dense output back to an image before the conv.
const model = tf.sequential();
model.add(tf.layers.dense({ inputShape: [100], units: 7 * 7 * 32, activation: 'relu' }));
model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
model.add(tf.layers.upSampling2d({ size: [2, 2] }));
model.add(tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }));
