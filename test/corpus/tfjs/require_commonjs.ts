// A Node training script: the library is loaded with CommonJS require.
const tf = require('@tensorflow/tfjs-node');

const cnn = tf.sequential();
cnn.add(tf.layers.conv2d({ inputShape: [28, 28, 1], kernelSize: 3, filters: 8, activation: 'relu' }));
cnn.add(tf.layers.maxPooling2d({ poolSize: 2 }));
cnn.add(tf.layers.flatten());
cnn.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
