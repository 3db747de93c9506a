/**
 * The report's six charts as Vega-Lite specs, from `analysis/chart-data.ts`. Specs carry data inline
 * and only fixed field names; user strings (the metric name) appear as titles, which Vega draws as
 * text, never as markup. Each layer that draws one mark per thing counted is named, so a test (or
 * a reader of the SVG) can count the marks: `<name>_marks`.
 */
import type { ChartData } from '../analysis/chart-data.ts';

export type ChartId = 'curves' | 'at-point' | 'throughput' | 'steps-to-target' | 'noise-scale' | 'gap';

export interface Chart {
  id: ChartId;
  title: string;
  /** The Vega-Lite spec; null when the journal has nothing to draw for it. */
  spec: Record<string, unknown> | null;
  /** How many marks the counted layer draws (one per trial, batch size or point). */
  marks: { name: string; count: number } | null;
}

const WIDTH = 400;
const HEIGHT = 220;
const log2 = { type: 'log', base: 2 };
const batchAxis = { field: 'batchSize', type: 'quantitative', title: 'batch size', scale: log2, axis: { values: [] as number[] } };
const examplesAxis = {
  field: 'examples',
  type: 'quantitative',
  title: 'examples seen',
  scale: { zero: false, nice: true },
  axis: { tickCount: 6, labelOverlap: true, format: '~s' },
};
const colourByBatch = { field: 'batchSize', type: 'ordinal', title: 'batch size', scale: { scheme: 'viridis' } };

function unit(values: unknown[], extra: Record<string, unknown>) {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, height: HEIGHT, data: { values }, ...extra };
}

function withTicks(sizes: number[]) {
  return { ...batchAxis, axis: { values: [...new Set(sizes)].sort((a, b) => a - b) } };
}

export function charts(data: ChartData): Chart[] {
  const { metric } = data;
  const sizes = data.report.batchSizes.map((r) => r.batchSize);
  const trials = new Set(data.curves.map((p) => p.trialId)).size;
  const noiseTrials = new Set(data.noise.map((p) => p.trialId)).size;
  const judgedAt = data.report.point ? `at ${data.report.examples} examples` : '';
  const severalSeeds = data.atPoint.length > new Set(data.atPoint.map((p) => p.batchSize)).size;
  const tooltip = [
    { field: 'trialId', title: 'trial' },
    { field: 'batchSize', title: 'batch' },
  ];

  const curves: Chart = {
    id: 'curves',
    title: `Learning curves: ${metric} vs examples`,
    spec: data.curves.length
      ? unit(data.curves, {
          name: 'curves',
          mark: { type: 'line', interpolate: 'linear' },
          encoding: {
            x: examplesAxis,
            y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
            color: colourByBatch,
            detail: { field: 'trialId', type: 'nominal' },
            tooltip: [...tooltip, { field: 'examples' }, { field: 'value', title: metric }],
          },
        })
      : null,
    marks: data.curves.length ? { name: 'curves_marks', count: trials } : null,
  };

  const valueAxis = { field: 'value', type: 'quantitative', title: `${metric} ${judgedAt}`, scale: { zero: false } };
  const atPointLayers: unknown[] = [
    {
      name: 'seeds',
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: withTicks(sizes),
        y: valueAxis,
        color: colourByBatch,
        tooltip: [...tooltip, { field: 'value', title: metric }, { field: 'examples' }],
      },
    },
    { mark: { type: 'line', color: '#888' }, encoding: { x: withTicks(sizes), y: { ...valueAxis, aggregate: 'mean' } } },
  ];
  // The seed spread: mean ± 1 standard deviation over a configuration's seeds.
  if (severalSeeds) atPointLayers.push({ mark: { type: 'errorbar', extent: 'stdev' }, encoding: { x: withTicks(sizes), y: valueAxis } });
  const atPoint: Chart = {
    id: 'at-point',
    title: `${metric} vs batch size at equal examples`,
    spec: data.atPoint.length ? unit(data.atPoint, { layer: atPointLayers }) : null,
    marks: data.atPoint.length ? { name: 'seeds_marks', count: data.atPoint.length } : null,
  };

  const throughputLayers: unknown[] = [
    {
      mark: { type: 'line' },
      encoding: { x: withTicks(sizes), y: { field: 'examplesPerSecond', type: 'quantitative', title: 'examples / s' } },
    },
    {
      name: 'throughput',
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: withTicks(sizes),
        y: { field: 'examplesPerSecond', type: 'quantitative' },
        tooltip: [
          { field: 'batchSize', title: 'batch' },
          { field: 'examplesPerSecond', title: 'examples/s', format: '.4~s' },
        ],
      },
    },
  ];
  if (data.largestFitting !== null) {
    throughputLayers.push({
      data: { values: [{ batchSize: data.largestFitting, label: `largest that fits: ${data.largestFitting}` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 3], color: '#c0392b' },
          encoding: { x: { field: 'batchSize', type: 'quantitative', scale: log2 } },
        },
        {
          mark: { type: 'text', align: 'right', dx: -4, dy: -4, baseline: 'top', color: '#c0392b', y: 0 },
          encoding: { x: { field: 'batchSize', type: 'quantitative', scale: log2 }, text: { field: 'label' } },
        },
      ],
    });
  }
  const throughput: Chart = {
    id: 'throughput',
    title: 'Throughput vs batch size',
    spec: data.throughput.length ? unit(data.throughput, { layer: throughputLayers }) : null,
    marks: data.throughput.length ? { name: 'throughput_marks', count: data.throughput.length } : null,
  };

  const logAxis = (field: string, title: string) => ({ field, type: 'quantitative', title, scale: { type: 'log' } });
  const stepsLayers: unknown[] = [
    {
      name: 'measured',
      data: { values: data.stepsToTarget },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { ...logAxis('batchSize', 'batch size'), axis: { values: sizes } },
        y: logAxis('steps', 'steps to target'),
        tooltip: [
          { field: 'batchSize', title: 'batch' },
          { field: 'steps', format: '.4~s' },
        ],
      },
    },
  ];
  if (data.fitCurve.length)
    stepsLayers.unshift({
      data: { values: data.fitCurve },
      mark: { type: 'line', color: '#888', strokeDash: [5, 3] },
      encoding: { x: logAxis('batchSize', 'batch size'), y: logAxis('steps', 'steps to target') },
    });
  const target = data.report.target;
  const steps: Chart = {
    id: 'steps-to-target',
    title: `Steps to ${metric} ${target === null ? '' : `${data.report.mode === 'max' ? '≥' : '≤'} ${Number(target.toPrecision(4))}`} vs batch size (log–log)`,
    spec: data.stepsToTarget.length
      ? { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, height: HEIGHT, layer: stepsLayers }
      : null,
    marks: data.stepsToTarget.length ? { name: 'measured_marks', count: data.stepsToTarget.length } : null,
  };

  const noise: Chart = {
    id: 'noise-scale',
    title: 'Gradient noise scale B_simple over training',
    spec: data.noise.length
      ? unit(data.noise, {
          name: 'noise',
          mark: { type: 'line', point: false },
          encoding: {
            x: examplesAxis,
            y: { field: 'value', type: 'quantitative', title: 'B_simple' },
            color: colourByBatch,
            detail: { field: 'trialId', type: 'nominal' },
            tooltip: [...tooltip, { field: 'examples' }, { field: 'value', title: 'B_simple', format: '.4~s' }],
          },
        })
      : null,
    marks: data.noise.length ? { name: 'noise_marks', count: noiseTrials } : null,
  };

  const gap: Chart = {
    id: 'gap',
    title: 'Train–validation gap vs batch size',
    spec: data.gap.length
      ? unit(data.gap, {
          layer: [
            {
              name: 'gaps',
              mark: { type: 'point', filled: true, size: 50 },
              encoding: {
                x: withTicks(sizes),
                y: { field: 'gap', type: 'quantitative', title: `gap ${judgedAt}` },
                color: colourByBatch,
                tooltip: [...tooltip, { field: 'gap', format: '.4f' }],
              },
            },
            {
              mark: { type: 'line', color: '#888' },
              encoding: { x: withTicks(sizes), y: { aggregate: 'mean', field: 'gap', type: 'quantitative' } },
            },
          ],
        })
      : null,
    marks: data.gap.length ? { name: 'gaps_marks', count: data.gap.length } : null,
  };

  return [curves, atPoint, throughput, steps, noise, gap];
}
