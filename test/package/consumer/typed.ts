/**
 * A consumer's TypeScript, type-checked against the installed declarations with strict,
 * noUncheckedIndexedAccess and exactOptionalPropertyTypes, then run: a trainer of its own
 * (a noisy quadratic whose best batch size is 64) searched by the built-in grid.
 */
import {
  createRegistry,
  defineTrainer,
  runStudy,
  type Report,
  type SearchSummary,
  type StudyConfig,
  type TrainerSession,
  type TrainRequest,
} from 'batchtune';

interface QuadraticOptions {
  best: number;
}

class QuadraticSession implements TrainerSession {
  private examples = 0;
  private steps = 0;
  constructor(
    private readonly best: number,
    private readonly batchSize: number,
  ) {}

  async train(request: TrainRequest, onReport: (report: Report) => 'continue' | 'stop' | Promise<'continue' | 'stop'>) {
    // Train toward the target (the engine always sets one), never past the budget's hard cap.
    const limit = request.limits.examples ?? Number.POSITIVE_INFINITY;
    const goal = request.target?.unit === 'examples' ? request.target.value : this.examples + 10 * request.batchSize;
    while (this.examples < goal && this.examples + request.batchSize <= limit) {
      this.examples += request.batchSize;
      this.steps += 1;
    }
    const distance = Math.log2(this.batchSize / this.best);
    const report: Report = {
      progress: { examples: this.examples, steps: this.steps, seconds: this.steps * 0.001 },
      metrics: { val_loss: distance * distance + 1000 / (this.examples + 1) },
      batchSize: request.batchSize,
      learningRate: request.learningRate,
    };
    const verdict = await onReport(report);
    return { progress: report.progress, exhausted: false, stopped: verdict === 'stop' };
  }

  dispose(): void {}
}

export const quadratic = defineTrainer<QuadraticOptions>({
  name: 'quadratic',
  description: 'val_loss = log2(B / best)^2 + 1000 / examples',
  schema: { type: 'object', properties: { best: { type: 'number', default: 64 } }, additionalProperties: false },
  create: (options) => ({
    prepare: () => Promise.resolve({ objective: { metric: 'val_loss', mode: 'min' } }),
    open: (trial) => Promise.resolve(new QuadraticSession(options.best, trial.params.batchSize)),
  }),
});

const config: StudyConfig = {
  seed: 1,
  budget: { unit: 'examples', limit: 100000 },
  space: { batchSize: { powersOfTwo: [16, 256] }, learningRate: 0.1 },
  strategy: { type: 'grid', maxResource: 10000 },
  trainer: { type: 'quadratic', best: 64 },
};

const summary: SearchSummary = await runStudy(config, { registry: createRegistry().register(quadratic) });
const first = summary.trials[0];
console.log(
  JSON.stringify({ best: summary.best?.params.batchSize ?? null, trials: summary.trials.length, firstState: first?.state ?? null }),
);
