import { PluginError } from './errors.ts';

/**
 * Races a plugin call against a deadline. A call that never settles (a promise left pending, an await
 * on nothing) then fails with a one-line error naming the plugin and hook, instead of hanging the
 * search or letting Node exit silently. A call that blocks the event loop cannot be raced in its own
 * process: run such trainers on the `pool` executor, whose heartbeat kills a stuck worker.
 */
export function withDeadline<T>(work: Promise<T>, seconds: number, plugin: string, hook: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError(plugin, hook, `no answer within ${seconds} s`));
    }, seconds * 1000);
  });
  return Promise.race([work, expired]).finally(() => {
    clearTimeout(timer);
  });
}

/** A plugin call that ran out of time: a plugin failure (named, with its hook) whose code says why. */
export function timeoutError(plugin: string, hook: string, problem: string): PluginError {
  return Object.assign(new PluginError(plugin, hook, new Error(problem)), { code: 'TIMEOUT' as const });
}

/** A deadline that each heartbeat pushes back: fires `onExpire` once nothing renewed it for `seconds`. */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  readonly expired: Promise<never>;
  private fire!: (error: Error) => void;

  constructor(
    private readonly seconds: number,
    private readonly error: () => Error,
  ) {
    this.expired = new Promise<never>((_, reject) => (this.fire = reject));
    this.expired.catch(() => {});
    this.renew();
  }

  renew(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fire(this.error());
    }, this.seconds * 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
