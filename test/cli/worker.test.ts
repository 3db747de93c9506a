import { describe, expect, test } from '@jest/globals';
import { runBin } from '../helpers/cli.ts';

function cli(args: string[]) {
  return runBin(args);
}

describe('batchtune worker: bad input', () => {
  test('without --redis: one line naming the flag, exit 2', () => {
    const { code, stderr } = cli(['worker', '--concurrency', '2']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^batchtune: missing --redis <url>\nusage: batchtune worker --redis <url>/);
  });

  test('a server that does not answer: one line with the reason, exit 2, no stack trace', () => {
    const { code, stderr } = cli(['worker', '--redis', 'redis://127.0.0.1:1']);
    expect(code).toBe(2);
    expect(stderr).toBe('batchtune: --redis: cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n');
  });
});
