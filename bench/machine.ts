import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on, for its results file. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** The 1, 5 and 15 minute load averages as `uptime` prints them: how busy the machine was. */
export function uptimeLoad(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' })
      .trim()
      .replace(/^.*load average:\s*/, 'load average ');
  } catch {
    return 'load unknown';
  }
}
