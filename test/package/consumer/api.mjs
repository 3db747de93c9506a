// A consumer's ES module: the API by the package's name, a study on the recorded curves the package ships.
import { fileURLToPath } from 'node:url';
import { runStudy, validateStudy, SearchEvents } from 'batchtune';

const baseDir = fileURLToPath(new URL('./node_modules/batchtune/examples/tabular/', import.meta.url));
const config = { seed: 3, budget: { limit: 200000 }, strategy: { type: 'asha' }, trainer: { type: 'tabular', file: 'toy-curves.json' } };
await validateStudy(config, { baseDir });
const events = new SearchEvents();
let reports = 0;
events.on('report', () => reports++);
const summary = await runStudy(config, { baseDir, events });
console.log(JSON.stringify({ best: summary.best?.params, trials: summary.trials.length, reports }));
