import { tfjsTrainer } from '../../../../plugins/trainers/tfjs/index.ts';
import { withDefaults } from './helpers.ts';

describe('options schema', () => {
  it('fills every default, per model, optimizer and data type', () => {
    expect(withDefaults({})).toEqual({
      backend: 'auto',
      wasmThreads: 'auto',
      task: 'classification',
      model: { type: 'mlp', hidden: [128], activation: 'relu', dropout: 0 },
      optimizer: { type: 'momentum', momentum: 0.9, nesterov: false },
      data: { type: 'mnist', train: 8000, validation: 2000 },
      evalEvery: 10000,
    });
    expect(withDefaults({ model: { type: 'cnn' }, optimizer: { type: 'adam' } })).toMatchObject({
      model: { type: 'cnn', filters: [8, 16], activation: 'relu', dropout: 0 },
      optimizer: { type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    });
  });

  it('rejects unknown keys at every level, keys of another variant, and missing required ones', () => {
    expect(() => withDefaults({ epochs: 3 })).toThrow('must NOT have additional properties');
    expect(() => withDefaults({ model: { type: 'linear', hidden: [3] } })).toThrow('data/model must NOT have additional properties');
    expect(() => withDefaults({ data: { type: 'idx', images: 'a', labels: 'b', test: { images: 'c' } } })).toThrow(
      "data/data/test must have required property 'labels'",
    );
    expect(() => withDefaults({ data: { type: 'csv', path: 'a.csv' } })).toThrow("data/data must have required property 'label'");
    expect(() => withDefaults({ backend: 'webgl' })).toThrow('data/backend must be equal to one of the allowed values');
  });

  it('is declared as the "tfjs" trainer', () => {
    expect(tfjsTrainer).toMatchObject({ kind: 'trainer', name: 'tfjs' });
    expect(tfjsTrainer.schema.additionalProperties).toBe(false);
  });
});
