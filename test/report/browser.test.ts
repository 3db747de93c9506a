/**
 * The HTML report in a real browser: Debian's headless Chromium driven by playwright-core (never a
 * downloaded browser). The page made from a real tfjs journal renders every chart with the expected
 * marks and no errors (a screenshot goes to test-artifacts/); hostile strings in a journal stay text;
 * the live view redraws when the journal grows; `report --serve` stops cleanly on SIGINT.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { studyOf } from '../../analysis/judging.ts';
import { readStudyFile } from '../../bin/journal-file.ts';
import { viewJournal, type JournalRecord } from '../../core/index.ts';
import { pageContent, renderPage } from '../../report/html.ts';
import { startReportServer } from '../../report/serve.ts';
import { tempDir } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';
import { setAt } from '../helpers/json-path.ts';

const root = resolve(import.meta.dirname, '../..');
const artifacts = join(root, 'test-artifacts');
const dir = tempDir('batchtune-browser-');
const executablePath = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find(existsSync);
if (!executablePath)
  console.warn(
    'SKIPPED: the browser tests need Debian chromium-headless-shell or chromium (apt-get install -y chromium-headless-shell); .ci/run installs it',
  );
const maybe = executablePath ? describe : describe.skip;

/** A tiny real study: an MLP on 600 MNIST digits, 4 batch sizes, noise scale measured. */
const config = {
  name: 'browser-test',
  seed: 2,
  budget: { unit: 'examples', limit: 20000 },
  space: { batchSize: [16, 32, 64, 128], learningRate: { base: 0.05, baseBatchSize: 32, scale: 'sqrt' } },
  strategy: { type: 'grid', maxResource: 3072 },
  trainer: {
    type: 'tfjs',
    backend: 'wasm',
    model: { type: 'mlp', hidden: [16] },
    data: { type: 'mnist', train: 600, validation: 200 },
    evalEvery: 512,
    noiseScale: { every: 4, microBatches: 2 },
  },
};

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

/** A new page at `url`, collecting its errors; `browser` is undefined when beforeAll could not launch it. */
async function open(browser: Browser | undefined, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await defined(browser, 'the browser').newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('dialog', (d) => (errors.push(`dialog: ${d.message()}`), void d.dismiss()));
  await page.goto(url);
  await page.waitForSelector('body[data-rendered="1"]', { timeout: 30000 });
  return { page, errors };
}

const count = (page: Page, chart: string, name: string) => page.locator(`#chart-${chart} .${name} path`).count();

maybe('the HTML report in headless Chromium', () => {
  let browser: Browser | undefined;
  let journal: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: defined(executablePath, 'a chromium'), args: ['--no-sandbox'] });
    const file = join(dir, 'study.json');
    writeFileSync(file, JSON.stringify(config));
    journal = join(dir, 'study.jsonl');
    const run = spawnSync(process.execPath, [join(root, 'bin/batchtune.js'), 'run', file, '--journal', journal, '--quiet'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
  }, 180000);

  afterAll(async () => {
    await browser?.close();
  });

  test('every chart draws its marks, without page errors; a screenshot is saved', async () => {
    const study = readStudyFile(journal);
    const html = join(dir, 'report.html');
    writeFileSync(html, renderPage(pageContent(study, {}, journal)));
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing loaded from elsewhere
    const { page, errors } = await open(browser, `file://${html}`);
    const trials = study.view.trials;
    const withNoise = trials.filter((t) => t.reports.some((r) => typeof r.metrics.noise_scale === 'number'));
    expect(trials).toHaveLength(4);
    expect(withNoise.length).toBeGreaterThan(0);
    expect(await count(page, 'curves', 'curves_marks')).toBe(4); // one line per trial
    expect(await count(page, 'at-point', 'seeds_marks')).toBe(4); // one point per trial at equal examples
    expect(await count(page, 'throughput', 'throughput_marks')).toBe(4); // one point per batch size
    expect(await count(page, 'noise-scale', 'noise_marks')).toBe(withNoise.length);
    expect(await count(page, 'gap', 'gaps_marks')).toBe(4);
    const reachedTarget = await page.locator('#chart-steps-to-target').count();
    if (reachedTarget) expect(await count(page, 'steps-to-target', 'measured_marks')).toBeGreaterThanOrEqual(1);
    expect(await page.locator('figcaption').count()).toBe(6);
    expect(await page.locator('#best-metric').textContent()).toMatch(/^best val_acc: batch \d+/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('hostile strings in a journal (names, metrics, params, tags, plugins) are shown as text and never run', async () => {
    const script = '<script>window.__pwned = 1</script>';
    const img = '"><img src=x onerror="window.__pwned = 2">';
    const records = lines(journal).map((l) => JSON.parse(l) as JournalRecord);
    const rename = (metrics: Record<string, number | null>) =>
      Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k === 'val_acc' ? `val_acc${script}` : k, v]));
    for (const r of records) {
      if (r.t === 'header') {
        setAt(r.config, ['name'], `study ${script}`);
        r.strategy = `grid${img}`;
        r.trainer = `tfjs${script}`;
        r.objective = { ...r.objective, metric: `val_acc${script}` };
      }
      if (r.t === 'trialStart') {
        r.params = { ...r.params, [`opt${img}`]: `adam${script}` };
        r.tag = { note: img };
      }
      if (r.t === 'report') r.report.metrics = rename(r.report.metrics);
      if (r.t === 'searchEnd') r.summary.objective.metric = `val_acc${script}`;
    }
    records.push({ t: 'pluginError', plugin: `evil${img}`, hook: `onReport${script}`, message: `boom ${img}` });
    const html = join(dir, 'hostile.html');
    writeFileSync(html, renderPage(pageContent(studyOf(viewJournal(records)), {}, `journal${img}.jsonl`)));
    const { page, errors } = await open(browser, `file://${html}`);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#content img').count()).toBe(0);
    expect(await page.locator('#content script').count()).toBe(0);
    const text = (await page.locator('#content').textContent()) ?? '';
    for (const s of [`study ${script}`, `grid${img}`, `tfjs${script}`, `adam${script}`, `evil${img}`, `val_acc${script}`])
      expect(text).toContain(s);
    expect(await page.title()).toBe(`batchtune report: study ${script}`);
    expect(await count(page, 'curves', 'curves_marks')).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the live view redraws as the journal grows', async () => {
    const all = lines(journal);
    // Cut after the first trial's segment, as a running study's journal would be.
    const cut = all.findIndex((l) => (JSON.parse(l) as JournalRecord).t === 'segmentEnd') + 1;
    const live = join(dir, 'live.jsonl');
    writeFileSync(live, `${all.slice(0, cut).join('\n')}\n`);
    const server = await startReportServer(live, () => readStudyFile(live), {}, { port: 0, host: '127.0.0.1', intervalMs: 100 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const { page, errors } = await open(browser, server.url);
      expect(await count(page, 'curves', 'curves_marks')).toBe(1);
      appendFileSync(live, `${all.slice(cut).join('\n')}\n`);
      await page.waitForSelector('body[data-rendered="2"]', { timeout: 20000 });
      expect(await count(page, 'curves', 'curves_marks')).toBe(4);
      expect(await page.locator('#live').textContent()).toMatch(/^live: updated/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });

  test('report --serve listens on 127.0.0.1 and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [join(root, 'bin/batchtune.js'), 'report', journal, '--serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        err += String(chunk);
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) resolve(at(m, 1));
      });
      child.on('exit', () => {
        reject(new Error(`exited early: ${err}`));
      });
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('batchtune report: browser-test');
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/stopped\n$/);
  });
});
