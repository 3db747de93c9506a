/** Checks of the process trainer's options that need the file system: the folder and the program exist. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { configError, type PluginEnvironment } from '../../../core/index.ts';
import type { ProcessOptions } from './options.ts';
import { at } from '../../../core/indexed.ts';

export function checkOptions(options: ProcessOptions, env: PluginEnvironment, path: string): void {
  const cwd = scriptFolder(options, env);
  if (!isDirectory(cwd)) throw configError(`${path}.cwd`, `is not a folder (resolved to ${cwd})`, options.cwd);
  const program = at(options.command, 0);
  const inherited = options.inheritEnv ? (process.env.PATH ?? '') : '';
  const searchPath = options.env['PATH'] ?? inherited;
  if (!findProgram(program, cwd, searchPath)) {
    const where = program.includes('/') ? `relative to ${cwd}` : 'on the PATH';
    throw configError(`${path}.command[0]`, `no executable program ${JSON.stringify(program)} ${where}`, program);
  }
}

function scriptFolder(options: ProcessOptions, env: PluginEnvironment): string {
  return options.cwd === undefined ? env.baseDir : isAbsolute(options.cwd) ? options.cwd : resolve(env.baseDir, options.cwd);
}

/**
 * The files the command names (the script, files given as arguments; a program found on the PATH is
 * not one), relative to the config's folder when they lie under it.
 */
export function commandFiles(options: ProcessOptions, env: PluginEnvironment): string[] {
  const cwd = scriptFolder(options, env);
  const program = at(options.command, 0);
  const named = program.includes('/') ? options.command : options.command.slice(1);
  return named
    .map((arg) => resolve(cwd, arg))
    .filter(isFile)
    .map((file) => {
      const inside = relative(env.baseDir, file);
      return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
    });
}

/** Where the program would run from, as a spawn without a shell finds it, or undefined. */
function findProgram(program: string, cwd: string, searchPath: string): string | undefined {
  if (program.includes('/')) {
    const file = resolve(cwd, program);
    return isExecutable(file) ? file : undefined;
  }
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
