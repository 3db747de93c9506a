import { Redis } from 'ioredis';

/** Commands fail after a few retries, so a lost server surfaces as an error instead of a hang. */
export function connect(url: string, options: { blocking?: boolean } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: options.blocking ? null : 5, enableAutoPipelining: !options.blocking });
}

/** What BullMQ builds its own connections from. */
export function bullConnection(url: string) {
  return { url, maxRetriesPerRequest: null, enableAutoPipelining: true };
}
