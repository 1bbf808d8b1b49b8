// Only the functions the script uses, destructured from require.
const { sequential, layers } = require('@tensorflow/tfjs');

const mlp = sequential({
  layers: [
    layers.dense({ inputShape: [20], units: 16, activation: 'relu' }),
    layers.reshape({ targetShape: [4, 4] }),
    layers.flatten(),
    layers.dense({ units: 3 }),
  ],
});
