import * as tf from '@tensorflow/tfjs';

const IMAGE_SIZE = 32;
const NUM_CLASSES = 10;
const FILTERS = [16, 32, 64];

const model = tf.sequential();
model.add(tf.layers.inputLayer({ inputShape: [IMAGE_SIZE, IMAGE_SIZE, 3] }));
for (const filters of FILTERS) {
  model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
}
model.add(tf.layers.dropout({ rate: 0.25 }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
model.add(tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax' }));

export default model;
