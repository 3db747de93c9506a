// A consumer's CommonJS module: require() of the ES module package (Node >= 20.19 loads it synchronously).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS's require is what this file tests
const { runStudy, validateStudy } = require('batchtune');

const config = { seed: 3, budget: { limit: 1000 }, trainer: { type: 'tabular', file: 'missing.json' } };
validateStudy(config, { baseDir: __dirname }).then(
  () => console.log('validated a config that names a missing file'),
  (error) => console.log(JSON.stringify({ runStudy: typeof runStudy, code: error.code, message: error.message })),
);
