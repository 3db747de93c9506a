import { defineTrainer } from '../../core/plugin.ts';
import { paramsKey, sameParams, type Params } from '../../core/params.ts';
import { RESOURCE_UNITS, ZERO_PROGRESS, type Progress, type ResourceUnit } from '../../core/resource.ts';
import { endsBefore, type SegmentEnd } from '../../core/target.ts';
import type { ReportHandler, SegmentResult, TrainRequest, TrainerSession } from '../../core/trainer.ts';
import { loadTabularFile, type CurvePoint, type TabularFile } from './tabular-file.ts';
import { at } from '../../core/indexed.ts';

interface TabularOptions {
  file: string;
}

/**
 * Replays recorded learning curves, so strategies can be tested and benchmarked in milliseconds.
 * A trial reads the curve `seed mod curves.length` of its configuration. Training up to a target
 * reports every recorded point on the way and ends at the point nearest the target (`endsBefore`);
 * the ledger is charged that point's recorded examples, steps and seconds, so time budgets replay too.
 */
export const tabularTrainer = defineTrainer<TabularOptions>({
  name: 'tabular',
  description: 'Replays recorded learning curves from a file (see the tabular format in the README).',
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', minLength: 1, description: 'Path of the tabular JSON file, relative to the config.' } },
  },
  check(options, env, path) {
    loadTabularFile(options.file, env.baseDir, `${path}.file`);
  },
  dataFiles: (options) => [options.file],
  create(options, env) {
    let table: TabularFile;
    /** Configurations by their exact params, so opening a trial is not a scan of the whole table. */
    let byKey: Map<string, TabularFile['configs'][number]>;
    return {
      prepare() {
        table = loadTabularFile(options.file, env.baseDir, 'trainer.file');
        byKey = new Map(table.configs.map((c) => [paramsKey(c.params), c]));
        const maxResource: Partial<Record<ResourceUnit, number>> = {};
        for (const unit of RESOURCE_UNITS) {
          maxResource[unit] = Math.max(...table.configs.flatMap((c) => c.curves.map((curve) => at(curve, curve.length - 1)[unit])));
        }
        return Promise.resolve({
          objective: { metric: table.metric, mode: table.mode },
          maxResource,
          space: { configs: table.configs.map((c) => c.params) },
          simulatedClock: true,
          info: { file: options.file, name: table.name, configs: table.configs.length },
        });
      },
      open({ params, seed }) {
        // Params computed by a rule (a scaled learning rate) may differ by float noise: then scan.
        const config = byKey.get(paramsKey(params)) ?? table.configs.find((c) => sameParams(c.params, params));
        if (!config) return Promise.reject(new Error(`no configuration in ${options.file} has params ${JSON.stringify(params)}`));
        return Promise.resolve(new CurveSession(at(config.curves, seed % config.curves.length), params));
      },
    };
  },
});

class CurveSession implements TrainerSession {
  private next = 0;
  private progress: Progress = ZERO_PROGRESS;

  constructor(
    private readonly curve: CurvePoint[],
    private readonly params: Params,
  ) {}

  async train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    let stopped = false;
    let endedBy: SegmentEnd | false = false;
    const start = this.progress;
    // Recorded points are the only places a replay can stop; `endsBefore` picks the one nearest the target.
    while (this.next < this.curve.length && !stopped) {
      const point = at(this.curve, this.next);
      endedBy = withinCaps(point, request) ? endsBefore(start, this.progress, pointProgress(point), request) : 'limits';
      if (endedBy) break;
      this.next += 1;
      this.progress = pointProgress(point);
      const verdict = await onReport({
        progress: this.progress,
        metrics: point.metrics,
        batchSize: this.params.batchSize,
        learningRate: this.params.learningRate,
      });
      stopped = verdict === 'stop';
    }
    return { progress: this.progress, exhausted: this.next >= this.curve.length, stopped, ...(endedBy ? { endedBy } : {}) };
  }

  dispose(): void {}
}

/** Recorded points are known before they are "trained", so seconds are a hard cap here too. */
function withinCaps(point: CurvePoint, request: TrainRequest): boolean {
  return RESOURCE_UNITS.every((unit) => request.limits[unit] === undefined || point[unit] <= request.limits[unit]);
}

function pointProgress(point: CurvePoint): Progress {
  return { examples: point.examples, steps: point.steps, seconds: point.seconds };
}
