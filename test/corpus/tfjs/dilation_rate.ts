import * as tf from '@tensorflow/tfjs';

const INPUT_SIZE = 64;

// Dilated ("atrous") convolutions grow the receptive field without striding.
export function buildDilatedNet(numClasses: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [INPUT_SIZE, INPUT_SIZE, 3], filters: 16, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, dilationRate: 2, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, dilationRate: 4, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 4, strides: 4 }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, dilationRate: [2, 1] }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax' }));
  return model;
}

const model = buildDilatedNet(4);
