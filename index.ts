/**
 * batchtune's public API. `runStudy` with the built-in plugins is the usual entry point:
 *
 *   import { runStudy, SearchEvents } from 'batchtune';
 *   const summary = await runStudy(config, { journal: 'study.jsonl' });
 */
import { runStudy as runWith, validateStudy as validateWith, type RunOptions, type StudyOptions } from './core/index.ts';
import type { ResolvedConfig, SearchSummary } from './core/index.ts';
import { createRegistry } from './plugins/builtins.ts';

export * from './core/index.ts';
export { builtinPlugins, createRegistry } from './plugins/builtins.ts';
// Define-by-run: an objective function as a trainer, and an ask/tell study driven from outside the engine.
export { defineObjective, type ObjectiveFunction, type ObjectiveOptions, type ObjectiveTrial } from './define-by-run/objective.ts';
export { AskTellStudy, openStudy, type AskedTrial, type OpenStudyOptions, type TellReport } from './define-by-run/ask-tell.ts';
// Analysis (data) and rendering of a journal: what `report` and `export` use.
export { studyOf, type Study } from './analysis/judging.ts';
export { recommend, type BatchSizeReport, type RecommendOptions } from './analysis/recommend.ts';
export { chartData, type ChartData } from './analysis/chart-data.ts';
export { findings } from './report/findings.ts';
export { pageContent, renderPage } from './report/html.ts';
export { journalCsv } from './report/export-csv.ts';
export { optunaJournal } from './report/export-optuna.ts';

type WithOptionalRegistry<T extends StudyOptions> = Omit<T, 'registry'> & { registry?: T['registry'] | undefined };

/** Runs a study (`config`: a `StudyConfig`, or parsed JSON checked at run time); the built-in plugins are available unless you pass your own registry. */
export function runStudy(config: unknown, options: WithOptionalRegistry<RunOptions> = {}): Promise<SearchSummary> {
  return runWith(config, { ...options, registry: options.registry ?? createRegistry() });
}

/** Validates a study config (a `StudyConfig` or parsed JSON: schema, plugin options, referenced files) without training. */
export function validateStudy(config: unknown, options: WithOptionalRegistry<StudyOptions> = {}): Promise<ResolvedConfig> {
  return validateWith(config, { ...options, registry: options.registry ?? createRegistry() });
}
