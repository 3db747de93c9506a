/**
 * Where a script's stderr goes: one log file per trial (`<logDir>/trial-<id>/stderr.log`), written
 * by the script directly (so nothing is lost if batchtune dies), and its tail for failure reasons.
 */
import { closeSync, mkdirSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The folder a run's trials log into: the configured one, else a new one under the OS temp folder. */
export function resolveLogDir(logDir: string | undefined, baseDir: string): string {
  if (logDir) return isAbsolute(logDir) ? logDir : resolve(baseDir, logDir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(tmpdir(), 'batchtune-process', `${stamp}-${process.pid}`);
}

interface StderrLog {
  /** The file the script's stderr is appended to. */
  path: string;
  /** The folder it lives in, the trial's own. */
  dir: string;
  /** An open descriptor to hand to the child as its stderr; closed by `release`. */
  fd: number;
}

/** Creates `<logDir>/<name>/stderr.log` (appending: a resumed trial keeps its earlier log) with a header line. */
export function openStderrLog(logDir: string, name: string, header: string): StderrLog {
  const dir = join(logDir, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'stderr.log');
  const fd = openSync(path, 'a');
  writeSync(fd, `${HEADER_MARK} ${header}\n`);
  return { path, dir, fd };
}

export function releaseLog(log: StderrLog): void {
  try {
    closeSync(log.fd);
  } catch {
    // Already closed.
  }
}

const HEADER_MARK = '# batchtune:';
const TAIL_BYTES = 4096;

/**
 * The last lines the script wrote since its header, on one line (" | " between lines), short enough
 * for a trial's reason: "" when it wrote nothing.
 */
function stderrTail(path: string, maxLines = 3, maxChars = 400): string {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
  const header = text.lastIndexOf(HEADER_MARK);
  if (header >= 0) text = text.slice(text.indexOf('\n', header) + 1);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const tail = lines.slice(-maxLines).join(' | ');
  return tail.length > maxChars ? `...${tail.slice(tail.length - maxChars + 3)}` : tail;
}

/** `; stderr: "..." (log: path)`, the suffix every failure reason gets. */
export function logSuffix(path: string): string {
  const tail = stderrTail(path);
  return `${tail ? `; stderr: ${JSON.stringify(tail)}` : '; stderr: (empty)'} (log: ${path})`;
}
