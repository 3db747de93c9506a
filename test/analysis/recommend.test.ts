import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, runStudy, viewJournal, type JournalRecord, type Report } from '../../index.ts';
import { readConfigFile } from '../../bin/config-file.ts';
import { main } from '../../bin/cli.ts';
import { studyOf } from '../../analysis/judging.ts';
import { recommend } from '../../analysis/recommend.ts';
import { crossing, fitSteps } from '../../analysis/steps-to-target.ts';
import { findings } from '../../report/findings.ts';
import { formatBatchSizeReport } from '../../report/recommendation.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/**
 * A hand-built journal with a known answer. Trial curves: val_acc = min(cap, 0.9·s/S_B) at step s,
 * with S_B = 100·(1 + 64/B) steps to 0.9 and seconds per step 0.01 + 0.0001·B, so time to 0.9 is
 * 5.8 s (B 16), 3.96 (32), 3.28 (64), 3.42 (128), 4.45 (256): batch 64 is fastest, and the fit
 * must find S_min 100, B_noise 64. Caps fall with B (0.95 − 0.0001·B), so batch 16 has the best
 * configuration at equal examples, but one seed of batch 32 is the best single trial (as the run
 * summary judges), with batch 16 within its spread and ahead by the mean.
 */
const E = 51200;
const sizes = [16, 32, 64, 128, 256];
const S = (b: number) => 100 * (1 + 64 / b);
const secondsPerStep = (b: number) => 0.01 + 0.0001 * b;

interface TrialSpec {
  batchSize: number;
  learningRate: number;
  cap: number;
  slow?: number;
  noise?: number;
  tag?: unknown;
  infeasible?: boolean;
  /** Other segments that trained on the same machine at once (a pool); absent: it had the machine alone. */
  sharedWith?: number;
}

function journal(specs: TrialSpec[]): JournalRecord[] {
  const records: JournalRecord[] = [
    {
      t: 'header',
      version: 1,
      configHash: 'x',
      seed: 0,
      strategy: 'grid',
      trainer: 'hand',
      objective: { metric: 'val_acc', mode: 'max' },
      resourceUnit: 'examples',
      createdAt: '2024-01-01T00:00:00.000Z',
      config: {},
    },
  ];
  specs.forEach((spec, trialId) => {
    const params = { batchSize: spec.batchSize, learningRate: spec.learningRate };
    records.push({ t: 'trialStart', trialId, params, seed: trialId, ...(spec.tag ? { tag: spec.tag } : {}) });
    records.push({ t: 'segmentStart', trialId, seg: 0 });
    const request = { limits: { examples: E }, batchSize: spec.batchSize, learningRate: spec.learningRate };
    if (spec.infeasible) {
      records.push({
        t: 'segmentEnd',
        trialId,
        seg: 0,
        request,
        error: { state: 'infeasible', message: 'batch size 512 is infeasible: out of memory' },
      });
      records.push({ t: 'trialEnd', trialId, state: 'infeasible', reason: 'out of memory' });
      return;
    }
    const b = spec.batchSize;
    let last: Report | undefined;
    for (let s = 25; s * b <= E; s += 25) {
      const v = Math.min(spec.cap, (0.9 * s) / (S(b) * (spec.slow ?? 1)));
      last = {
        progress: { examples: s * b, steps: s, seconds: s * secondsPerStep(b) },
        metrics: { val_acc: v, train_acc: v + 0.01, ...(spec.noise ? { noise_scale: spec.noise } : {}) },
        batchSize: b,
        learningRate: spec.learningRate,
      };
      records.push({ t: 'report', trialId, seg: 0, report: last });
    }
    const placement = spec.sharedWith === undefined ? {} : { placement: { host: 'h', worker: 'w', sharedWith: spec.sharedWith } };
    records.push({
      t: 'segmentEnd',
      trialId,
      seg: 0,
      request,
      result: { progress: defined(last, 'last').progress, exhausted: false, stopped: false },
      ...placement,
    });
    records.push({ t: 'trialEnd', trialId, state: 'completed' });
  });
  return records;
}

const specs: TrialSpec[] = [
  ...sizes.map((b) => ({ batchSize: b, learningRate: 0.001 * b, cap: 0.95 - 0.0001 * b, ...(b === 64 ? { noise: 70 } : {}) })),
  { batchSize: 32, learningRate: 0.032, cap: 0.95 - 0.0032 + 0.002 }, // a second seed of batch 32
  { batchSize: 64, learningRate: 0.5, cap: 0.93, slow: 2 }, // a worse learning rate at 64
  { batchSize: 512, learningRate: 0.512, cap: 0.9, infeasible: true },
  { batchSize: 16, learningRate: 0.016, cap: 0.99, tag: { schedule: 'batch-increase' } },
];

/** The part of `batchtune report --json` the CLI test reads. */
interface ReportJson {
  batchSizes: unknown[];
  recommendations: { bestMetric?: { batchSize: number }; fastestToTarget?: unknown };
  findings: { bestMetric: string };
  bestSchedule: string;
}

describe('report: recommendation from a journal', () => {
  const records = journal(specs);
  const view = studyOf(viewJournal(records));

  test('per batch size: value at equal examples, its learning rate, spread, steps, throughput, gap, noise', () => {
    const report = recommend(view, { target: 0.9 });
    expect(report.examples).toBe(E);
    expect(report.batchSizes.map((r) => r.batchSize)).toEqual([16, 32, 64, 128, 256, 512]);
    const row = (b: number) =>
      defined(
        report.batchSizes.find((r) => r.batchSize === b),
        'report.batchSizes.find((r) => r.batchSize === b)',
      );
    expect(row(16).value).toBeCloseTo(0.9484, 6);
    expect(row(16).steps).toBe(3200);
    expect(row(16).secondsPerStep).toBeCloseTo(0.0116, 9);
    expect(row(16).examplesPerSecond).toBeCloseTo(16 / 0.0116, 6);
    expect(row(16).gap).toBeCloseTo(0.01, 9);
    // Batch 32 has two seeds of the same configuration.
    expect(row(32).trials).toBe(2);
    expect(defined(row(32).spread, 'row(32).spread').n).toBe(2);
    expect(defined(row(32).spread, 'row(32).spread').std).toBeCloseTo(0.002 / Math.SQRT2, 9);
    expect(row(32).value).toBeCloseTo(0.9478, 9);
    // Batch 64: the good learning rate wins over the slow one; the noise scale was measured.
    expect(row(64).configs).toBe(2);
    expect(row(64).learningRate).toBe(0.064);
    expect(row(64).noiseScale).toBe(70);
    // Judged at the last report, where the run summary judges a trial.
    expect(row(16).secondsToBest).toBeCloseTo(3200 * secondsPerStep(16), 9);
    expect(row(16).examples).toBe(E);
    expect(report.point).toMatchObject({ basis: 'highest level reached', level: E, unit: 'examples', bestTrialId: 5, examples: E });
    expect(row(512).notCompared).toMatchObject({ reason: 'infeasible' });
    expect(row(512).infeasible).toBe(true);
    expect(row(512).value).toBeNull();
    expect(report.excluded).toEqual([{ trialId: 8, why: 'changes its batch size during training (a schedule)' }]);
  });

  test('best metric: the best trial at the judging point, with the batch sizes inside its noise and ahead by the mean', () => {
    const report = recommend(view, { target: 0.9 });
    const best = defined(report.recommendations.bestMetric, 'report.recommendations.bestMetric');
    expect(best).toMatchObject({
      trialId: 5,
      batchSize: 32,
      learningRate: 0.032,
      metric: 'val_acc',
      examples: E,
      steps: 1600,
      withinNoise: [16],
      aheadByMean: [16],
      compared: 5,
    });
    expect(best.value).toBeCloseTo(0.9488, 6);
    expect(defined(best.runnerUp, 'best.runnerUp').batchSize).toBe(16);
    const said = findings(report);
    expect(said.bestMetric).toMatch(
      /^best val_acc: batch 32, lr 0\.032: val_acc 0\.9488 \(its configuration: 0\.9478 ± 0\.001414 over 2 trials\) after 51200 examples \(1600 steps\), trial 5, the best of 5 batch sizes compared there; next: batch 16 with 0\.9484; within the spread of batch 16/,
    );
    expect(said.bestMetric).toMatch(
      /by the mean over seeds batch 16 is ahead; not compared: batch 512 \(did not fit in memory \(infeasible\)\)$/,
    );
    expect(said.point).toBe(
      'judged at 51200 examples, the highest level any trial reached (E = 51200 examples for the best trial); 5 of 6 batch sizes trained that far, the others are not compared there',
    );
  });

  test('fastest to the target: the fit recovers S_min and B_noise, and batch 64 wins on predicted time', () => {
    const report = recommend(view, { target: 0.9 });
    const row = (b: number) =>
      defined(
        report.batchSizes.find((r) => r.batchSize === b),
        'report.batchSizes.find((r) => r.batchSize === b)',
      );
    for (const b of sizes) expect(row(b).stepsToTarget).toBeCloseTo(S(b), 6);
    expect(row(64).targetLearningRate).toBe(0.064);
    expect(defined(report.fit, 'report.fit').sMin).toBeCloseTo(100, 6);
    expect(defined(report.fit, 'report.fit').bNoise).toBeCloseTo(64, 6);
    expect(defined(report.fit, 'report.fit').eMin).toBeCloseTo(6400, 4);
    expect(defined(report.fit, 'report.fit').points).toBe(5);
    expect(defined(report.fit, 'report.fit').meanRelativeError).toBeLessThan(1e-9);
    const fastest = defined(report.recommendations.fastestToTarget, 'report.recommendations.fastestToTarget');
    expect(fastest).toMatchObject({
      batchSize: 64,
      learningRate: 0.064,
      basis: 'fit',
      target: 0.9,
      measuredFastest: { batchSize: 64, learningRate: 0.064 },
    });
    // Doubling efficiency (S(B/2)/S(B))/2: 500/300/2, 300/200/2, 200/150/2, 150/125/2; below 0.75 from 128 on.
    expect(sizes.map((b) => row(b).scalingEfficiency)).toEqual([
      null,
      expect.closeTo(5 / 6, 9),
      expect.closeTo(0.75, 9),
      expect.closeTo(2 / 3, 9),
      expect.closeTo(0.6, 9),
    ]);
    expect(report.halvingStopsAt).toBe(128);
    expect(fastest.predictedSeconds).toBeCloseTo(200 * secondsPerStep(64), 6);
    expect(fastest.measuredSeconds).toBeCloseTo(200 * secondsPerStep(64), 6);
    expect(findings(report).fastestToTarget).toMatch(
      /predicted 200 steps × 0\.0164 s\/step = 3\.28 s to ≥ 0\.9 \(measured 200 steps, 3\.28 s\); fit S\(B\) = 100·\(1 \+ 64\/B\) over 5 batch sizes, mean relative error 0\.0%/,
    );
  });

  test('the default target is within 1% of the best value; --examples moves the comparison point', () => {
    const report = recommend(view);
    expect(report.targetSource).toBe('within 1% of the best');
    expect(report.target).toBeCloseTo(0.9488 * 0.99, 9);
    const early = recommend(view, { examples: 12800, target: 0.9 });
    // At 12800 examples batch 256 has had 50 steps (0.9·50/125 = 0.36); batch 32's 400 steps are past its cap.
    expect(
      defined(
        early.batchSizes.find((r) => r.batchSize === 256),
        'early.batchSizes.find((r) => r.batchSize === 256)',
      ).value,
    ).toBeCloseTo(0.36, 9);
    expect(early.point).toMatchObject({ basis: 'given examples', level: 12800 });
    expect(defined(early.recommendations.bestMetric, 'early.recommendations.bestMetric')).toMatchObject({
      batchSize: 32,
      trialId: 5,
      examples: 12800,
    });
  });

  test('fitSteps: too few points, and a negative term held at zero', () => {
    expect(fitSteps([{ batchSize: 32, steps: 100 }])).toBeNull();
    const perfect = defined(
      fitSteps([
        { batchSize: 16, steps: 800 },
        { batchSize: 32, steps: 390 },
        { batchSize: 64, steps: 190 },
      ]),
      'value',
    );
    expect(perfect.sMin).toBe(0);
    expect(perfect.bNoise).toBeNull();
    expect(perfect.note).toMatch(/no critical batch size in this range/);
    const flat = defined(
      fitSteps([
        { batchSize: 16, steps: 100 },
        { batchSize: 32, steps: 110 },
        { batchSize: 64, steps: 120 },
      ]),
      'value',
    );
    expect(flat.eMin).toBe(0);
    expect(flat.sMin).toBeGreaterThan(100);
    expect(flat.note).toMatch(/did not fall with larger batches/);
  });

  test('batchtune report prints the table and both recommendations, or JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bt-report-'));
    const file = join(dir, 'j.jsonl');
    writeFileSync(
      file,
      journal(specs)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      expect(await main(['report', file, '--target', '0.9'])).toBe(0);
      expect(out.join('')).toMatch(/best val_acc: batch 32, lr 0\.032/);
      expect(out.join('')).toMatch(/fastest to the target: batch 64, lr 0\.064/);
      expect(out.join('')).toMatch(/schedules \(val_acc\):\n.*schedule/);
      out.length = 0;
      expect(await main(['report', file, '--json'])).toBe(0);
      const json = JSON.parse(out.join('')) as ReportJson;
      expect(json.batchSizes).toHaveLength(6);
      expect(json.recommendations.bestMetric?.batchSize).toBe(32);
      expect(json.findings.bestMetric).toMatch(/^best val_acc: batch 32/);
      expect(json.recommendations.fastestToTarget).toHaveProperty('batchSize');
      expect(json.bestSchedule).toBe('batch-increase');
    } finally {
      spy.mockRestore();
    }
  });

  test('batchtune report rejects bad input with exit 2', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['report'])).toBe(2);
      expect(await main(['report', '/nonexistent.jsonl'])).toBe(2);
      const dir = mkdtempSync(join(tmpdir(), 'bt-report-'));
      const file = join(dir, 'j.jsonl');
      writeFileSync(
        file,
        journal(specs.slice(0, 2))
          .map((r) => JSON.stringify(r))
          .join('\n') + '\n',
      );
      expect(await main(['report', file, '--target', 'abc'])).toBe(2);
      expect(await main(['report', file, '--metric', 'nope'])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/--metric: no report of .* has "nope"; known: train_acc, val_acc/);
    } finally {
      err.mockRestore();
    }
  });

  test('crossing interpolates steps and seconds between the reports around the target', () => {
    const trial = at(viewJournal(journal([{ batchSize: 64, learningRate: 0.1, cap: 1 }])).trials, 0);
    // val_acc = 0.9·s/200 reported every 25 steps: 0.5 is crossed at s = 111.1 (between 100 and 125).
    const hit = defined(crossing(trial, 'val_acc', 'max', 0.5), 'value');
    expect(hit.steps).toBeCloseTo(1000 / 9, 9);
    expect(hit.seconds).toBeCloseTo((1000 / 9) * secondsPerStep(64), 9);
    expect(crossing(trial, 'val_acc', 'max', 1.5)).toBeNull();
  });
});

describe('report on a journal of the tabular trainer', () => {
  test('examples/tabular/grid.json: batch 16 is best at equal examples, batch 32 fastest to 99% of it', async () => {
    const { config, baseDir } = readConfigFile('examples/tabular/grid.json');
    const store = new MemoryStore();
    await runStudy(config, { baseDir, journal: store });
    const records = store.read() as JournalRecord[];
    const view = viewJournal(records);
    const report = recommend(studyOf(view));
    expect(report.examples).toBe(20000);
    expect(report.point).toMatchObject({
      basis: 'search summary',
      bestTrialId: defined(defined(view.summary, 'view.summary').best, 'best').trialId,
    });
    expect(report.batchSizes.map((r) => r.batchSize)).toEqual([16, 32, 64, 128]);
    expect(report.recommendations.bestMetric).toMatchObject({ batchSize: 16, learningRate: 0.05 });
    expect(report.recommendations.fastestToTarget).toMatchObject({ batchSize: 32, learningRate: 0.1, basis: 'fit' });
    expect(defined(report.fit, 'report.fit').points).toBe(3);
    expect(defined(report.fit, 'report.fit').meanRelativeError).toBeLessThan(0.05);
  });
});

describe('speed measured while sharing the machine', () => {
  test('is never compared with speed measured alone: those batch sizes drop out of the speed findings', () => {
    const mixed = specs.slice(0, 5).map((s) => (s.batchSize === 64 ? { ...s, sharedWith: 1 } : s));
    const report = recommend(studyOf(viewJournal(journal(mixed))));
    const row = (b: number) =>
      defined(
        report.batchSizes.find((r) => r.batchSize === b),
        'report.batchSizes.find((r) => r.batchSize === b)',
      );
    expect(row(64)).toMatchObject({ throughputMeasured: 'shared', examplesPerSecond: null, secondsPerStep: null });
    expect(row(32)).toMatchObject({ throughputMeasured: 'alone' });
    expect(row(32).examplesPerSecond).toBeCloseTo(32 / secondsPerStep(32), 6);
    // Batch 64 is the fastest to the target when measured alone; shared, it cannot be recommended on time.
    expect(report.recommendations.fastestToTarget?.batchSize).not.toBe(64);
    expect(formatBatchSizeReport(report)).toContain("'shared': batch 64 trained only beside other trials on the same machine");
  });

  test('when every batch size shared the machine, speeds are compared among themselves and flagged', () => {
    const shared = specs.slice(0, 5).map((s) => ({ ...s, sharedWith: 1 }));
    const report = recommend(studyOf(viewJournal(journal(shared))));
    expect(report.batchSizes.every((r) => r.throughputMeasured === 'shared' && r.examplesPerSecond !== null)).toBe(true);
    expect(report.recommendations.fastestToTarget?.batchSize).toBe(64);
    expect(formatBatchSizeReport(report)).toContain('*: every speed here was measured while trials shared the machine');
  });
});
