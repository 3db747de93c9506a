import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../bin/cli.ts';
import { findMaxBatchSize, profileThroughput } from '../../analysis/profile.ts';
import { fakeTrainer } from '../science/fake-trainer.ts';
import { at } from '../../core/indexed.ts';

/** The part of `batchtune profile --json` these tests read. */
interface ProfileJson {
  throughput: Array<{ status: string }>;
  memory: unknown;
}
const paramsFor = (batchSize: number) => ({ batchSize, learningRate: 0.1 });
const secondsPerStep = (b: number) => 0.01 + 1e-4 * b;

function trainer(maxFeasible?: number) {
  const fake = fakeTrainer({ ...(maxFeasible === undefined ? {} : { maxFeasible }), secondsPerStep });
  return { fake, instance: fake.definition.create({}, { baseDir: '.', seed: 0 }) };
}

describe('profile: throughput per batch size', () => {
  test('warm-up steps, then timed repeats; examples/s from the trainer seconds; infeasible sizes are marked', async () => {
    const { fake, instance } = trainer(300);
    const rows = await profileThroughput(instance, [32, 256, 512], { paramsFor, warmupSteps: 2, steps: 4, repeats: 3 });
    expect(rows.map((r) => [r.batchSize, r.status])).toEqual([
      [32, 'ok'],
      [256, 'ok'],
      [512, 'infeasible'],
    ]);
    expect(at(rows, 0).examplesPerSecond).toBeCloseTo(32 / secondsPerStep(32), 6);
    expect(at(rows, 1).secondsPerStep).toBeCloseTo(secondsPerStep(256), 9);
    expect(at(rows, 0).repeats).toHaveLength(3);
    expect(at(rows, 2).reason).toMatch(/batch size 512 is infeasible: fake out of memory/);
    // Per batch size: warm-up to 2 steps, then 6, 10, 14.
    expect(fake.calls.filter((c) => c.request.batchSize === 32).map((c) => c.request.limits.steps)).toEqual([2, 6, 10, 14]);
  });

  test('a trainer error other than out-of-memory marks the size failed, and the next is still measured', async () => {
    const { instance } = trainer();
    const broken = {
      ...instance,
      open: async (t: Parameters<typeof instance.open>[0]) =>
        t.params.batchSize === 64 ? Promise.reject(new Error('boom')) : instance.open(t),
    };
    const rows = await profileThroughput(broken, [64, 128], { paramsFor, steps: 1, repeats: 1 });
    expect(rows.map((r) => [r.batchSize, r.status, r.reason])).toEqual([
      [64, 'failed', 'boom'],
      [128, 'ok', undefined],
    ]);
  });
});

describe('profile: largest batch that fits (doubling, then bisection)', () => {
  test('doubles until out of memory, then bisects to the exact limit', async () => {
    const { instance } = trainer(300);
    const search = await findMaxBatchSize(instance, 64, 4096, { paramsFor });
    expect(search.largestFeasible).toBe(300);
    expect(search.smallestInfeasible).toBe(301);
    expect(search.cappedAt).toBeNull();
    expect(search.probes.map((p) => `${p.batchSize}${p.feasible ? '+' : '-'}`).join(' ')).toBe(
      '64+ 128+ 256+ 512- 384- 320- 288+ 304- 296+ 300+ 302- 301-',
    );
  });

  test('stops at the cap when it still fits', async () => {
    const { instance } = trainer(300);
    const search = await findMaxBatchSize(instance, 64, 200, { paramsFor });
    expect(search).toMatchObject({ largestFeasible: 200, smallestInfeasible: null, cappedAt: 200 });
    expect(search.probes.map((p) => p.batchSize)).toEqual([64, 128, 200]);
  });

  test('sizes already measured are not probed again; a start that does not fit bisects downward', async () => {
    const { fake, instance } = trainer(20);
    const known = new Map([[64, false]]);
    const search = await findMaxBatchSize(instance, 64, 4096, { paramsFor }, known);
    expect(search).toMatchObject({ largestFeasible: 20, smallestInfeasible: 21 });
    expect(at(search.probes, 0).batchSize).toBe(32);
    expect(fake.opened).not.toContain(64);
  });

  test('nothing fits', async () => {
    const { instance } = trainer(0);
    const search = await findMaxBatchSize(instance, 4, 64, { paramsFor });
    expect(search).toMatchObject({ largestFeasible: null, smallestInfeasible: 1 });
  });

  test('a probe that fails for another reason stops the search and says why', async () => {
    const { instance } = trainer();
    const broken = {
      ...instance,
      open: async (t: Parameters<typeof instance.open>[0]) =>
        t.params.batchSize > 100 ? Promise.reject(new Error('disk full')) : instance.open(t),
    };
    const search = await findMaxBatchSize(broken, 64, 4096, { paramsFor });
    expect(search).toMatchObject({ largestFeasible: 64, error: 'disk full' });
  });
});

describe('batchtune profile', () => {
  const fixtures = new URL('../fixtures/science/', import.meta.url).pathname;

  async function profileCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'bt-profile-'));
    const config = join(dir, 'oom.json');
    writeFileSync(
      config,
      JSON.stringify({
        budget: { limit: 1000 },
        space: { batchSize: [64, 256, 512], learningRate: 0.1 },
        trainer: { type: 'oom', maxFeasible: 300 },
        plugins: [join(fixtures, 'oom-trainer.mjs')],
      }),
    );
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      const code = await main(['profile', config, ...args]);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  test('a table of examples/s with infeasible sizes marked, and the largest batch that fits', async () => {
    const { code, out } = await profileCli(['--quiet', '--repeats', '1', '--steps', '2']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\s+256\s+ok\s+7191\s/m); // 256 / (0.01 + 0.0001·256)
    expect(out).toMatch(/^\s+512\s+infeasible\s+-\s+-\s+-\s+batch size 512 is infeasible: out of memory$/m);
    expect(out).toMatch(/largest batch that fits: 300 \(301 runs out of memory\) \(probes: 384✗ 320✗ 288✓ 304✗ 296✓ 300✓ 302✗ 301✗\)/);
  });

  test('--json, --max-batch caps the search, --no-search skips it', async () => {
    const capped = JSON.parse((await profileCli(['--quiet', '--json', '--max-batch', '200', '--repeats', '1'])).out) as ProfileJson;
    expect(capped.throughput.map((r) => r.status)).toEqual(['ok', 'ok', 'infeasible']);
    expect(capped.memory).toMatchObject({ largestFeasible: 256, cappedAt: 256, probes: [] });
    const skipped = JSON.parse((await profileCli(['--quiet', '--json', '--no-search', '--repeats', '1'])).out) as ProfileJson;
    expect(skipped.memory).toBeNull();
    // Without --quiet, stderr says once which backend measured and why (what the trainer reported).
    const loud = await profileCli(['--no-search', '--repeats', '1']);
    expect(loud.err.split('\n').filter((line) => line.startsWith('backend: '))).toEqual(['backend: simulated (a cost model, no device)']);
    const bad = await profileCli(['--steps', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--steps: must be a whole number >= 1 \(got "0"\)/);
  });
});
