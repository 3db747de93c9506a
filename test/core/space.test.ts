import { createRng, expandBatchSizes, scaledLearningRate, SearchSpace } from '../../core/index.ts';

describe('search space', () => {
  test('powersOfTwo expands to every power of two in the range', () => {
    expect(expandBatchSizes({ powersOfTwo: [8, 1024] })).toEqual([8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(expandBatchSizes({ powersOfTwo: [5, 40] })).toEqual([8, 16, 32]);
    expect(expandBatchSizes([64, 8, 64])).toEqual([8, 64]);
  });

  test('learning-rate rules scale from the base batch size', () => {
    expect(scaledLearningRate({ base: 0.1, baseBatchSize: 32, scale: 'linear' }, 128)).toBeCloseTo(0.4);
    expect(scaledLearningRate({ base: 0.1, baseBatchSize: 32, scale: 'sqrt' }, 128)).toBeCloseTo(0.2);
    expect(scaledLearningRate({ base: 0.1, baseBatchSize: 32, scale: 'none' }, 128)).toBe(0.1);
  });

  test('the grid is batch size x learning rate x extras, in a stable order', () => {
    const space = new SearchSpace({ batchSize: [16, 32], learningRate: [0.1, 0.01], params: { width: { choice: [64, 128] } } });
    const grid = space.grid();
    expect(grid).toHaveLength(8);
    expect(grid[0]).toEqual({ batchSize: 16, learningRate: 0.1, width: 64 });
    expect(grid[7]).toEqual({ batchSize: 32, learningRate: 0.01, width: 128 });
  });

  test('a rule gives one learning rate per batch size, and warmup ramps from the base', () => {
    const space = new SearchSpace({
      batchSize: [32, 256],
      learningRate: { base: 0.05, baseBatchSize: 32, scale: 'linear', warmup: { examples: 5000 } },
    });
    expect(space.grid().map((p) => p.learningRate)).toEqual([0.05, 0.4]);
    expect(space.warmupFor({ batchSize: 256, learningRate: 0.4 })).toEqual({ examples: 5000, from: 0.05 });
  });

  test('sampling is reproducible from the seed and respects each domain', () => {
    const space = new SearchSpace({
      batchSize: [8, 16, 32],
      learningRate: 0.1,
      params: { decay: { loguniform: [1e-5, 1e-2] }, layers: { int: [1, 4] }, drop: { uniform: [0, 0.5] } },
    });
    const a = Array.from(
      { length: 20 },
      (
        (rng) => () =>
          space.sample(rng)
      )(createRng(7, 'x')),
    );
    const b = Array.from(
      { length: 20 },
      (
        (rng) => () =>
          space.sample(rng)
      )(createRng(7, 'x')),
    );
    expect(a).toEqual(b);
    for (const p of a) {
      expect([8, 16, 32]).toContain(p.batchSize);
      expect(p.decay).toBeGreaterThanOrEqual(1e-5);
      expect(p.decay).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(p.layers)).toBe(true);
      expect(p.drop).toBeLessThan(0.5);
    }
    expect(space.finite).toBe(false);
    expect(() => space.grid()).toThrow('space.params.decay: a grid needs a finite domain (choice or int), not a continuous one');
  });
});
