/**
 * A batch-size search driven from TypeScript: subscribe to the typed events for a live line per
 * report, then use the typed summary. Run it with `npx tsx examples/api/run-study.ts`.
 */
import { fileURLToPath } from 'node:url';
import { runStudy, SearchEvents, type SearchSummary, type StudyConfig } from 'batchtune';

const config: StudyConfig = {
  seed: 7,
  budget: { unit: 'examples', limit: 120000 },
  strategy: { type: 'random', nTrials: 6 },
  trainer: { type: 'tabular', file: 'toy-curves.json' },
  callbacks: [{ type: 'early-stopping', patience: 3 }],
};

const events = new SearchEvents();
events.on('report', ({ trial, report }) => {
  const value = report.metrics.val_acc;
  console.log(`trial ${trial.trialId} batch ${trial.batchSize}: ${report.progress.examples} examples, val_acc ${value}`);
});
events.on('trialEnd', ({ trial }) => {
  console.log(`trial ${trial.trialId} ${trial.state}${trial.reason ? ` (${trial.reason})` : ''}`);
});

const summary: SearchSummary = await runStudy(config, {
  baseDir: fileURLToPath(new URL('../tabular/', import.meta.url)),
  events,
});

if (summary.best) {
  const { params, metric, value, resource } = summary.best;
  console.log(`best: batchSize ${params.batchSize}, learningRate ${params.learningRate}: ${metric} ${value} after ${resource} examples`);
}
console.log(`spent ${summary.budget.spent} of ${summary.budget.limit} ${summary.budget.unit}`);
