import { createTrainer, mnistOptions, params, segment } from './helpers.ts';
import { defined } from '../../../helpers/defined.ts';

describe.each([
  [{ type: 'sgd' }, 0.1],
  [{ type: 'momentum', momentum: 0.9 }, 0.05],
  [{ type: 'adam' }, 0.003],
])('optimizer %j', (optimizer, rate) => {
  it("takes each request's learning rate: at 0 the weights stay put, momentum and all", async () => {
    const trainer = createTrainer(mnistOptions({ optimizer }));
    await trainer.prepare();
    const session = await trainer.open({ trialId: 0, params: params(32, rate), seed: 2 });
    const first = await segment(session, { limits: { examples: 640 }, batchSize: 32, learningRate: rate });
    const frozen = await segment(session, { limits: { examples: 1280 }, batchSize: 32, learningRate: 0 });
    expect(frozen.result.progress.steps).toBe(40);
    expect(frozen.reports.at(-1)).toMatchObject({ learningRate: 0 });
    expect(defined(frozen.reports.at(-1), 'frozen.reports.at(-1)').metrics.val_loss).toBe(
      defined(first.reports.at(-1), 'first.reports.at(-1)').metrics.val_loss,
    );
    const again = await segment(session, { limits: { examples: 1920 }, batchSize: 32, learningRate: rate });
    expect(defined(again.reports.at(-1), 'again.reports.at(-1)').metrics.val_loss).not.toBe(
      defined(first.reports.at(-1), 'first.reports.at(-1)').metrics.val_loss,
    );
    await session.dispose();
    void trainer.close();
  });
});

describe('maxEpochs', () => {
  it('caps every trial at maxEpochs × train rows, says so in maxResource, and reports exhaustion', async () => {
    const trainer = createTrainer(mnistOptions({ maxEpochs: 1.5 }));
    expect((await trainer.prepare()).maxResource).toEqual({ examples: 1500 });
    const session = await trainer.open({ trialId: 0, params: params(100, 0.1), seed: 2 });
    const first = await segment(session, { limits: { examples: 1000 }, batchSize: 100, learningRate: 0.1 });
    expect(first.result).toMatchObject({ exhausted: false, progress: { examples: 1000 } });
    const rest = await segment(session, { limits: { examples: 5000 }, batchSize: 100, learningRate: 0.1 });
    expect(rest.result).toMatchObject({ exhausted: true, progress: { examples: 1500 } });
    await session.dispose();
    void trainer.close();
  });
});
