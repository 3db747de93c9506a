import { Worker, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { callPlugin } from '../../../core/driver.ts';
import {
  createTrainer,
  errorMessage,
  loadPlugins,
  TrialHost,
  type PluginRegistry,
  type Report,
  type ReportVerdict,
} from '../../../core/index.ts';
import { RedisCheckpointStore } from './checkpoints.ts';
import type { HostLoad } from './host-load.ts';
import { bullConnection } from './connection.ts';
import {
  jobId,
  keys,
  queueName,
  type Broadcast,
  type SegmentJobData,
  type SegmentReply,
  type StudyAnnouncement,
  type WorkerMessage,
} from './protocol.ts';
import type { VerdictWaiter } from './verdicts.ts';

/** What every study a worker process serves shares: its identity, its connections, its machine's load. */
export interface WorkerEnvironment {
  /** `host/pid`: how placements and the search process name this worker. */
  id: string;
  host: string;
  url: string;
  prefix: string;
  concurrency: number;
  redis: Redis;
  verdicts: VerdictWaiter;
  load: HostLoad;
  createRegistry(): PluginRegistry;
  broadcast(message: Broadcast): Promise<void>;
  log(line: string): void;
}

/** Why a segment stopped before its end: this worker shuts down, or the search process is gone. */
type Leaving = 'shutdown' | 'gone';

class Abandoned extends Error {}

/**
 * One study on one worker process: a BullMQ worker on the study's queue, with the study's own stall
 * settings, and a trial host (the study's trainer, built and prepared once) kept across its segments.
 */
export class StudyWorker {
  private readonly bull: Worker<SegmentJobData, SegmentReply>;
  private host?: Promise<TrialHost>;
  private leaving?: Leaving;
  /** Trials with a segment training here, and whether another worker has taken the trial over meanwhile. */
  private readonly running = new Map<number, { superseded: boolean }>();

  constructor(
    private readonly env: WorkerEnvironment,
    readonly announcement: StudyAnnouncement,
  ) {
    const { lockDuration, stalledInterval, maxStalledCount } = announcement;
    this.bull = new Worker(queueName(announcement.study), (job, token) => this.process(job, token), {
      connection: bullConnection(env.url),
      prefix: env.prefix,
      concurrency: env.concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      name: env.id,
    });
    this.bull.on('error', (error) => {
      env.log(`study ${announcement.study}: ${errorMessage(error)}`);
    });
  }

  get study(): string {
    return this.announcement.study;
  }

  /** The trial ended: free its session here, if this worker holds it (the search process removed its checkpoint). */
  async release(trialId: number): Promise<void> {
    if (this.host) await (await this.host).evict(trialId);
  }

  /**
   * The trial continues on another worker: free the session here, keep the checkpoint. A segment of it
   * still training here (a lost attempt whose worker came back) drops its session when it ends.
   */
  async evict(trialId: number): Promise<void> {
    const running = this.running.get(trialId);
    if (running) running.superseded = true;
    else if (this.host) await (await this.host).evict(trialId);
  }

  /**
   * Stops taking this study's segments. `ended`: the study is over, every session goes. `shutdown`: this
   * worker stops; a segment in flight goes back to the queue at its next report. `gone`: the search
   * process vanished; nothing is left to report to.
   */
  async close(why: 'ended' | Leaving): Promise<void> {
    if (why !== 'ended') this.leaving = why;
    await this.bull.close();
    const host = await this.host?.catch(() => undefined);
    const errors = (await host?.close({ keepCheckpoints: why === 'shutdown' })) ?? [];
    for (const error of errors) this.env.log(`study ${this.study}: ${errorMessage(error)}`);
  }

  private async process(job: Job<SegmentJobData, SegmentReply>, token?: string): Promise<SegmentReply> {
    const { env } = this;
    const { segment } = job.data;
    const attempt = job.attemptsStarted;
    const from = { attempt, worker: env.id };
    let host: TrialHost;
    try {
      host = await (this.host ??= this.openHost(job.data));
    } catch (error) {
      return { ...from, error: { message: `worker ${env.id} cannot build the study's trainer: ${errorMessage(error)}` } };
    }
    const { trialId } = segment.trial;
    if (segment.seg > 0 && !host.holds(trialId, segment.seg))
      await env.broadcast({ t: 'moved', study: this.study, trialId, worker: env.id });
    const verdictKey = keys.verdict(env.prefix, this.study, jobId(segment), attempt);
    const onReport = async (report: Report): Promise<ReportVerdict> => {
      this.checkStaying();
      await job.updateProgress({ ...from, report } satisfies WorkerMessage);
      return env.verdicts.wait(verdictKey, () => this.stillWanted());
    };
    // Counted on the way (not awaited before training, so it costs the segment no round trip).
    const began = env.load.begin(`${env.id}:${job.id}:${attempt}`);
    began.catch(() => {});
    const running = { superseded: false };
    this.running.set(trialId, running);
    try {
      const result = await host.run(segment, onReport);
      return { ...from, ok: { result, placement: { host: env.host, worker: env.id, sharedWith: await (await began)() } } };
    } catch (error) {
      await began.then((ended) => ended()).catch(() => 0);
      if (!this.leaving) return { ...from, error: { ...codeOf(error), message: errorMessage(error) } };
      // Half-trained: this session matches no segment boundary, so it must not be continued.
      running.superseded = true;
      if (this.leaving === 'gone') throw new Abandoned(`study ${this.study}: the search process is gone`);
      await job.moveToWait(token);
      throw new WaitingError();
    } finally {
      this.running.delete(trialId);
      if (running.superseded) await host.evict(trialId);
    }
  }

  private async openHost(data: SegmentJobData): Promise<TrialHost> {
    const registry = this.env.createRegistry();
    await loadPlugins(data.plugins, registry, data.baseDir);
    const trainer = createTrainer({ trainer: data.trainer, seed: data.seed }, registry, data.baseDir);
    await callPlugin(trainer.name, 'prepare', () => trainer.instance.prepare());
    this.env.log(`study ${this.study}: trainer ${trainer.name} ready`);
    return new TrialHost(trainer, new RedisCheckpointStore(this.env.redis, this.env.prefix, this.study));
  }

  private checkStaying(): void {
    if (this.leaving) throw new Abandoned(`worker ${this.env.id} is leaving study ${this.study}`);
  }

  /** Between polls for a verdict: stop waiting when this worker leaves or the search process is gone. */
  private async stillWanted(): Promise<void> {
    this.checkStaying();
    if ((await this.env.redis.exists(keys.alive(this.env.prefix, this.study))) === 0) {
      this.leaving = 'gone';
      this.checkStaying();
    }
  }
}

function codeOf(error: unknown): { code?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'INFEASIBLE' ? { code } : {};
}
