/**
 * `report --html` and `--svg` without a browser: the page is one self-contained file, and the SVG
 * charts drawn by Vega in Node carry one mark per trial, seed or batch size, with the captions that
 * state the findings. Journal: grid on curves recorded from real MNIST training (3 seeds).
 */
import { jest } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../bin/cli.ts';
import { readStudyFile } from '../../bin/journal-file.ts';
import { chartData } from '../../analysis/chart-data.ts';
import { captions } from '../../report/captions.ts';
import { tempDir } from '../helpers/tabular.ts';

const dir = tempDir('batchtune-charts-');

async function cli(args: string[]): Promise<number> {
  const quiet = [
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true),
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    return await main(args);
  } finally {
    for (const spy of quiet) spy.mockRestore();
  }
}

describe('report --html and --svg', () => {
  const journal = join(dir, 'grid.jsonl');
  beforeAll(async () => {
    const config = join(dir, 'grid.json');
    const file = new URL('../../bench/data/mnist-mlp.json', import.meta.url).pathname;
    // Each configuration three times (three trial seeds, three recorded curves): the seed spread shows.
    const configs = [16, 64, 256].flatMap((batchSize) => Array.from({ length: 3 }, () => ({ batchSize, learningRate: 0.1 })));
    writeFileSync(
      config,
      JSON.stringify({
        seed: 1,
        budget: { unit: 'examples', limit: 10_000_000 },
        space: { configs },
        strategy: { type: 'grid', maxResource: 40960 },
        trainer: { type: 'tabular', file },
      }),
    );
    expect(await cli(['run', config, '--journal', journal, '--quiet'])).toBe(0);
  });

  test('--html: one file, the charting libraries inlined, nothing fetched', async () => {
    const html = join(dir, 'out/report.html');
    expect(await cli(['report', journal, '--html', html])).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=|@import|url\(http/);
    expect(page).toContain('vegaEmbed');
    expect(page).toContain('Content-Security-Policy');
    expect(page.match(/<figure /g)).toHaveLength(6);
  });

  test('--svg: a file per chart with data, marks per trial, seed and batch size, and the caption', async () => {
    const svgDir = join(dir, 'svg');
    expect(await cli(['report', journal, '--svg', svgDir])).toBe(0);
    expect(readdirSync(svgDir).sort()).toEqual(['at-point.svg', 'curves.svg', 'gap.svg', 'steps-to-target.svg', 'throughput.svg']);
    const svg = (name: string) => readFileSync(join(svgDir, `${name}.svg`), 'utf8');
    const study = readStudyFile(journal);
    const trials = study.view.trials.length;
    expect(trials).toBe(9);
    // One line (its own group) per trial.
    expect(svg('curves').match(/class="mark-line role-mark curves_marks"/g)).toHaveLength(trials);
    // One point per batch size in the throughput chart and per judged trial in the others.
    const points = (name: string, mark: string) =>
      (
        svg(name)
          .split(`class="mark-symbol role-mark ${mark}"`)[1]
          ?.split('</g>')[0]
          ?.match(/<path /g) ?? []
      ).length;
    expect(points('throughput', 'throughput_marks')).toBe(3);
    const data = chartData(study);
    expect(points('at-point', 'seeds_marks')).toBe(data.atPoint.length);
    expect(data.atPoint.length).toBe(9);
    expect(new Set(data.atPoint.map((p) => p.value)).size).toBeGreaterThan(3); // the seeds differ
    expect(/class="mark-rule role-mark layer_\d+_marks"/.test(svg('at-point'))).toBe(true); // the ± 1 std bars
    expect(points('gap', 'gaps_marks')).toBe(data.gap.length);
    expect(points('steps-to-target', 'measured_marks')).toBe(data.stepsToTarget.length);
    const said = captions(data);
    expect(said.throughput).toMatch(/^Batch 256 is the fastest per example \(\d+ examples\/s, [\d.]+× batch 16\)/);
    expect(svg('throughput')).toContain('Batch 256 is the fastest per example');
    expect(said['noise-scale']).toMatch(/not measured/);
  });
});
