/**
 * One definition per command: its options (with short flags and help text), its operands and what it
 * runs. From it come the parser, the one-line synopsis of `batchtune --help` and the full
 * `batchtune <cmd> --help`, so the three never disagree.
 */
import { parseArgs } from 'node:util';
import { BatchtuneError, didYouMean } from '../core/index.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One letter: `-j` for `--json`. */
  readonly short?: string;
  /** A string option's value in usage: `<file>`, `csv|optuna`. */
  readonly value?: string;
  /** Shown without brackets in the synopsis; the command checks that it was given. */
  readonly required?: boolean;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What the parser found, typed from the specs: a boolean flag or a string, absent when not given. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

interface CommandSpec<O extends OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  /** The positional arguments, as usage shows them: `<config.json>`. */
  readonly operands?: string;
  readonly options: O;
  /** Lines printed after the options in `--help` (defaults, where output goes). */
  readonly notes?: readonly string[];
  /** `args` are the command's arguments as given (for a record of how it was run). */
  run(values: OptionValues<O>, positionals: string[], args: readonly string[]): Promise<number>;
}

/** Options every command takes. */
const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h', description: 'print this help and exit' },
  debug: { type: 'boolean', description: 'show the stack trace of an unexpected error' },
} as const satisfies OptionSpecs;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** One line: `batchtune run <config.json> [--journal <file>] [-r|--resume] ...`. */
  readonly synopsis: string;
  /** The full `--help` text. */
  help(): string;
  /** Parses the command's arguments (a usage error names the bad flag) and returns what to run. */
  parse(args: string[]): { help: boolean; debug: boolean; run: () => Promise<number> };
}

export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const options: OptionSpecs = { ...spec.options, ...GLOBAL_OPTIONS };
  const synopsis = [
    `batchtune ${spec.name}`,
    ...(spec.operands ? [spec.operands] : []),
    ...Object.entries(spec.options).map(([name, option]) => (option.required ? flagText(name, option) : `[${flagText(name, option)}]`)),
  ].join(' ');
  return {
    name: spec.name,
    summary: spec.summary,
    synopsis,
    help: () => helpText(spec, synopsis, options),
    parse(args) {
      const parsed = parseFlags(spec.name, args, options);
      const values = parsed.values as OptionValues<O> & { help?: boolean; debug?: boolean };
      return {
        help: values.help === true,
        debug: values.debug === true,
        run: () => spec.run(values, parsed.positionals, args),
      };
    },
  };
}

/** `--journal <file>`, `--json`. */
function longFlag(name: string, option: OptionSpec): string {
  return `--${name}${option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''}`;
}

function flagText(name: string, option: OptionSpec): string {
  return option.short ? `-${option.short}|${longFlag(name, option)}` : longFlag(name, option);
}

function helpText(spec: CommandSpec<OptionSpecs>, synopsis: string, options: OptionSpecs): string {
  const rows = Object.entries(options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '    ';
    return { flag: `  ${short}${longFlag(name, option)}`, text: option.description };
  });
  const width = Math.max(...rows.map((row) => row.flag.length)) + 2;
  const lines = rows.map((row) => `${row.flag.padEnd(width)}${row.text}`);
  const notes = spec.notes?.length ? `\n${spec.notes.join('\n')}\n` : '';
  return `usage: ${synopsis}\n\n${spec.summary}\n\noptions:\n${lines.join('\n')}\n${notes}`;
}

/** Every flag the command takes, for messages: `-j/--json, --journal <file>, ...`. */
function validFlags(options: OptionSpecs): string {
  return Object.entries(options)
    .map(([name, option]) => `${option.short ? `-${option.short}/` : ''}--${name}`)
    .join(', ');
}

/** node:util's parseArgs, with its errors turned into one line that names the flag and the valid ones (exit 2). */
function parseFlags(command: string, args: string[], options: OptionSpecs) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    const names = Object.keys(options);
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
      const hint = unknown.startsWith('--')
        ? didYouMean(
            unknown,
            names.map((n) => `--${n}`),
          )
        : '';
      throw new BatchtuneError(
        'USAGE',
        `${command}: unknown option ${unknown}${hint}; valid: ${validFlags(options)} (see batchtune ${command} --help)`,
      );
    }
    const name = /--([\w-]+)/.exec(message)?.[1];
    const option = name === undefined ? undefined : options[name];
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name !== undefined && option !== undefined) {
      const problem =
        option.type === 'boolean'
          ? 'is a flag and takes no value'
          : message.includes('ambiguous')
            ? `needs a value; one that starts with "-" is written --${name}=<value> (as in --${name}=-1)`
            : `needs a value (${longFlag(name, option)})`;
      throw new BatchtuneError('USAGE', `${command}: --${name} ${problem}`);
    }
    throw new BatchtuneError('USAGE', `${command}: ${message}`);
  }
}
