import cliProgress from 'cli-progress';
import { bestFinishedTrial, type Objective, type SearchEvents, type TrialView } from '../core/index.ts';
import { formatNumber } from './format.ts';
import { pluginWarningLine } from './warning.ts';

function describeTrial(trial: TrialView): string {
  const params = Object.entries(trial.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
  return `trial ${trial.trialId} (${params})`;
}

/**
 * Live progress on a terminal: a bar of the budget with the trial count and best value. In a pipe
 * (or CI) it prints plain lines instead, one per finished trial. Writes to stderr, so `--json`
 * output on stdout stays clean.
 */
export function attachConsoleReporter(events: SearchEvents, stream: NodeJS.WriteStream = process.stderr): () => void {
  // isTTY is typed boolean, but a stream that is not a terminal leaves it undefined.
  const interactive = Boolean(stream.isTTY as boolean | undefined) && !process.env.CI;
  let bar: cliProgress.SingleBar | undefined;
  let unit = '';
  let best: number | undefined;
  let objective: Objective = { metric: '', mode: 'max' };
  const finished: TrialView[] = [];
  let trials = 0;
  // Clear the bar's line first; the bar redraws itself on its next update.
  const print = (line: string) => stream.write(bar ? `\r\x1b[2K${line}\n` : `${line}\n`);

  events.on('searchStart', (e) => {
    unit = e.budget.unit;
    objective = e.objective;
    print(
      `batchtune: ${e.strategy} on ${e.trainer}, seed ${e.seed}, budget ${e.budget.limit} ${unit}${e.resumed ? ' (resumed from journal)' : ''}`,
    );
    const backend = backendLine(e.trainerInfo);
    if (backend) print(backend);
    if (interactive) {
      bar = new cliProgress.SingleBar(
        { stream, format: 'budget |{bar}| {percentage}% {value}/{total} {unit} | trials {trials} | best {best}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.budget.limit, 0, { unit, trials: 0, best: '-' });
    }
  });
  events.on('trialStart', () => {
    trials += 1;
  });
  events.on('budget', (b) =>
    bar?.update(Math.min(b.spent, b.limit), { unit, trials, best: best === undefined ? '-' : formatNumber(best) }),
  );
  events.on('trialEnd', ({ trial }) => {
    if (trial.state === 'completed' || trial.state === 'stopped') finished.push(trial);
    best = bestFinishedTrial(finished, objective)?.value ?? undefined;
    const value = trial.value === undefined ? '-' : formatNumber(trial.value);
    const reason = trial.reason ? ` (${trial.reason})` : '';
    print(`${describeTrial(trial)} ${trial.state} at ${formatNumber(trial.resource)}: ${value}${reason}`);
  });
  events.on('pluginError', (e) => print(pluginWarningLine(e)));
  events.on('searchEnd', ({ summary }) => {
    bar?.update(Math.min(summary.budget.spent, summary.budget.limit));
    bar?.stop();
    bar = undefined;
    print(`spent ${formatNumber(summary.budget.spent)} of ${summary.budget.limit} ${summary.budget.unit}`);
  });
  return () => {
    bar?.stop();
    events.removeAllListeners();
  };
}

/** The one line saying which backend a trainer chose and why, from the facts it reports (`backend`, `backendReason`). */
export function backendLine(trainerInfo: Readonly<Record<string, unknown>> | undefined): string | undefined {
  // Facts a trainer plugin chose to report: strings as they are, anything else as JSON.
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const { backend, backendReason } = trainerInfo ?? {};
  return backend ? `backend: ${text(backend)} (${text(backendReason ?? 'no reason given')})` : undefined;
}
