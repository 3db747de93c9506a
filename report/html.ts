/**
 * The report as one self-contained HTML page: findings and recommendations at the top, the six
 * charts with a caption each, then the tables. Vega, Vega-Lite and vega-embed are inlined, so the
 * file opens offline. Every string from the journal (metric names, params, tags, plugin names,
 * messages) is escaped; chart data travels as JSON in a non-executing script element.
 */
import { createHash } from 'node:crypto';
import { chartData } from '../analysis/chart-data.ts';
import type { Study } from '../analysis/judging.ts';
import type { RecommendOptions } from '../analysis/recommend.ts';
import { captions } from './captions.ts';
import { charts, type Chart } from './charts.ts';
import { findings } from './findings.ts';
import { batchSizeTable } from './recommendation.ts';
import { trialsTableCells } from './trials-table.ts';
import { browserBundles } from './vega.ts';
import { at } from '../core/indexed.ts';
import { BatchtuneError } from '../core/errors.ts';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and attribute values. */
function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c as keyof typeof ESCAPES]);
}

/** JSON that cannot end the script element it sits in, nor open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's source that cannot end its element early. */
function scriptText(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function table(header: string[], rows: string[][]): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export interface PageContent {
  /** The page's body content (escaped HTML). */
  html: string;
  charts: Array<{ id: string; spec: Chart['spec']; marks: Chart['marks'] }>;
  title: string;
}

/** The content of the report for one journal: what the page shows and what the live view sends. */
export function pageContent(study: Study, options: RecommendOptions, source: string): PageContent {
  const { view } = study;
  const header = view.header;
  if (!header) throw new BatchtuneError('JOURNAL_CORRUPT', `${source}: the journal has no header record`);
  const data = chartData(study, options);
  const said = findings(data.report);
  const caption = captions(data);
  const list = charts(data);
  const configName = (header.config as { name?: unknown } | undefined)?.name;
  const name = typeof configName === 'string' ? configName : source;
  const title = `batchtune report: ${name}`;
  const state = view.summary ? (view.summary.error ? `ended early: ${view.summary.error}` : 'finished') : 'running or unfinished';
  const trials = trialsTableCells(view.trials, header.objective);
  const withTags = view.trials.some((t) => t.tag !== undefined);
  const trialRows = trials.rows.map((row, i) =>
    withTags ? [...row, at(view.trials, i).tag === undefined ? '' : JSON.stringify(at(view.trials, i).tag)] : row,
  );
  const sizes = batchSizeTable(data.report);
  const parts = [
    `<header><h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${escapeHtml(source)}: strategy <b>${escapeHtml(header.strategy)}</b> on trainer <b>${escapeHtml(header.trainer)}</b>, objective <b>${escapeHtml(header.objective.metric)}</b> (${escapeHtml(header.objective.mode)}), ${view.trials.length} trials, ${escapeHtml(state)}</p></header>`,
    '<section id="recommendations"><h2>Recommendations</h2><ul>',
    `<li class="finding" id="best-metric">${escapeHtml(said.bestMetric)}</li>`,
    `<li class="finding" id="fastest">${escapeHtml(said.fastestToTarget)}</li>`,
    `<li class="finding" id="point">${escapeHtml(said.point)}</li>`,
    ...said.scaling.map((line) => `<li class="finding">${escapeHtml(line)}</li>`),
    '</ul></section>',
    '<section id="charts">',
    ...list.map(
      (c) =>
        `<figure id="figure-${c.id}"><h3>${escapeHtml(c.title)}</h3>` +
        (c.spec ? `<div class="chart" id="chart-${c.id}"></div>` : '<div class="chart empty">nothing to draw</div>') +
        `<figcaption>${escapeHtml(caption[c.id])}</figcaption></figure>`,
    ),
    '</section>',
    `<section id="batch-sizes"><h2>Per batch size</h2>${table(sizes.header, sizes.rows)}</section>`,
    `<section id="trials"><h2>Trials</h2>${table(withTags ? [...trials.header, 'tag'] : trials.header, trialRows)}</section>`,
  ];
  if (said.excluded.length)
    parts.push(`<section><h2>Left out</h2><ul>${said.excluded.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></section>`);
  if (view.pluginErrors.length) {
    parts.push(
      `<section id="plugin-errors"><h2>Plugin errors</h2><ul>${view.pluginErrors.map((e) => `<li>${escapeHtml(`${e.plugin} (${e.hook})${e.trialId === undefined ? '' : `, trial ${e.trialId}`}: ${e.message}`)}</li>`).join('')}</ul></section>`,
    );
  }
  return { html: parts.join('\n'), charts: list.map((c) => ({ id: c.id, spec: c.spec, marks: c.marks })), title };
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; } h3 { font-size: 14px; margin: 0 0 6px; }
.meta { color: #555; margin-top: 0; }
#recommendations ul { padding-left: 18px; } .finding { margin: 4px 0; }
#best-metric, #fastest { font-weight: 600; }
#charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 18px; }
figure { margin: 0; padding: 12px; border: 1px solid #ddd; border-radius: 6px; background: #fff; }
figcaption { color: #333; margin-top: 6px; }
.empty { color: #888; padding: 24px 0; }
table { border-collapse: collapse; font-size: 12px; overflow-x: auto; display: block; }
th, td { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: #f6f6f6; }
#live { position: fixed; top: 8px; right: 12px; font-size: 12px; color: #2a7; }
`;

/** The page's script: draw every chart (SVG renderer), and in the live view redraw on each update. */
const SCRIPT = `
(function () {
  var state = (window.__batchtune = { views: {}, rendered: 0, errors: [] });
  function draw(charts) {
    return Promise.all(charts.filter(function (c) { return c.spec; }).map(function (c) {
      var el = document.getElementById('chart-' + c.id);
      if (!el) return null;
      return vegaEmbed(el, c.spec, { renderer: 'svg', actions: false }).then(function (r) { state.views[c.id] = r.view; })
        .catch(function (e) { state.errors.push(String(e)); el.textContent = 'chart failed: ' + e; });
    })).then(function () { state.rendered += 1; document.body.setAttribute('data-rendered', String(state.rendered)); });
  }
  var initial = JSON.parse(document.getElementById('report-data').textContent);
  draw(initial.charts);
  if (initial.live) {
    var status = document.getElementById('live');
    var source = new EventSource('events');
    source.addEventListener('update', function () {
      fetch('data').then(function (r) { return r.json(); }).then(function (next) {
        document.getElementById('content').innerHTML = next.html;
        document.title = next.title;
        status.textContent = 'live: updated ' + new Date().toLocaleTimeString();
        return draw(next.charts);
      });
    });
    source.onerror = function () { status.textContent = 'live: disconnected'; };
  }
})();
`;

/** The whole page, with the charting libraries inlined (`live`: the page follows /events). */
export function renderPage(content: PageContent, options: { live?: boolean } = {}): string {
  // Only these scripts may run (by hash): markup that slipped into the page could not execute.
  const sources = [...browserBundles(), SCRIPT].map(scriptText);
  const hashes = sources.map((source) => `'sha256-${createHash('sha256').update(source).digest('base64')}'`).join(' ');
  const payload = { charts: content.charts, live: Boolean(options.live) };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${hashes} 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'">`,
    `<title>${escapeHtml(content.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    options.live ? '<div id="live">live</div>' : '',
    `<main id="content">\n${content.html}\n</main>`,
    `<script type="application/json" id="report-data">${scriptJson(payload)}</script>`,
    ...sources.map((source) => `<script>${source}</script>`),
    '</body></html>',
  ].join('\n');
}
