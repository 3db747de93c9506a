import { BatchtuneError, validateStudy, type ResolvedConfig } from '../../index.ts';
import { parseSeed, requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readConfigFile } from '../config-file.ts';

const options = {
  seed: { type: 'string', value: '<n>', description: "the study's seed (default: the config's seed)" },
  json: {
    type: 'boolean',
    short: 'j',
    description: 'print {"config", "valid": true, "resolved"} or {"config", "valid": false, "error": {"code", "message"}} on stdout',
  },
} as const satisfies OptionSpecs;

/** What `validate --json` prints: the config as a run would use it (defaults filled in), or why it cannot run. */
export type ValidateJson =
  { config: string; valid: true; resolved: ResolvedConfig } | { config: string; valid: false; error: { code: string; message: string } };

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'check a config without training: schema, plugin options, the files it names (the trainer reads its data)',
  operands: '<config.json>',
  options,
  notes: ['Exit codes: 0 valid, 2 bad input (the one-line error is also on stderr with --json), 1 a plugin failed otherwise.'],
  run: validate,
});

/** Checks a config as a run would (schema, plugin options, referenced files) and trains nothing. */
async function validate(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const path = requirePositional(positionals, 'config.json', validateCommand.synopsis);
  const seed = parseSeed(values.seed);
  let resolved: ResolvedConfig;
  try {
    const { config, baseDir } = readConfigFile(path);
    resolved = await validateStudy(config, { baseDir, ...(seed !== undefined ? { seed } : {}) });
  } catch (error) {
    if (values.json) {
      const code = innermostCode(error) ?? 'PLUGIN_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      printJson({ config: path, valid: false, error: { code, message } });
    }
    throw error;
  }
  if (values.json) {
    printJson({ config: path, valid: true, resolved });
    return 0;
  }
  const search = resolved.scheduler
    ? `${resolved.sampler ? `sampler ${resolved.sampler.type}, ` : ''}scheduler ${resolved.scheduler.type}`
    : `strategy ${resolved.strategy.type}`;
  process.stdout.write(
    `${path}: valid (${search}, trainer ${resolved.trainer.type}, budget ${resolved.budget.limit} ${resolved.budget.unit})\n`,
  );
  return 0;
}

function printJson(result: ValidateJson): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** The code of the innermost batchtune error: DATA_INVALID for a data file a trainer's prepare rejected, not the PLUGIN_FAILED around it. */
function innermostCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof BatchtuneError) code = e.code;
  }
  return code;
}
