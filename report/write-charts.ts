/** `report --html` and `--svg`: the page and the chart files for one journal. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chartData } from '../analysis/chart-data.ts';
import type { Study } from '../analysis/judging.ts';
import type { RecommendOptions } from '../analysis/recommend.ts';
import { captions } from './captions.ts';
import { charts } from './charts.ts';
import { pageContent, renderPage } from './html.ts';
import { writeSvgCharts } from './svg.ts';

export async function writeCharts(
  study: Study,
  options: RecommendOptions,
  out: { source: string; html?: string | undefined; svgDir?: string | undefined },
): Promise<string[]> {
  const written: string[] = [];
  if (out.html !== undefined) {
    const page = renderPage(pageContent(study, options, out.source));
    mkdirSync(dirname(out.html), { recursive: true });
    writeFileSync(out.html, page);
    written.push(out.html);
  }
  if (out.svgDir !== undefined) {
    const data = chartData(study, options);
    written.push(...(await writeSvgCharts(charts(data), captions(data), out.svgDir)));
  }
  return written;
}
