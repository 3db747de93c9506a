/** The report's charts as SVG files, drawn in Node by Vega (no browser). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chart } from './charts.ts';
import { nodeModules } from './vega.ts';

/** One SVG per chart that has data; the caption is the chart's subtitle. Returns the files written. */
export async function writeSvgCharts(list: readonly Chart[], captions: Record<string, string>, dir: string): Promise<string[]> {
  const { vega, vegaLite } = await nodeModules();
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const chart of list) {
    if (!chart.spec) continue;
    const spec = {
      ...chart.spec,
      title: { text: chart.title, subtitle: wrap(captions[chart.id] ?? ''), anchor: 'start' },
      background: 'white',
    };
    const compiled = vegaLite.compile(spec as never).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    const file = join(dir, `${chart.id}.svg`);
    writeFileSync(file, svg);
    written.push(file);
  }
  return written;
}

/** Splits a caption into lines of at most ~90 characters (Vega draws one text line per array item). */
function wrap(text: string, width = 90): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
