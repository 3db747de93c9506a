import { validateStudy } from '../../index.ts';
import { parseCommand, parseSeed, requirePositional } from '../args.ts';
import { readConfigFile } from '../config-file.ts';

export const usage = 'batchtune validate <config.json> [--seed <n>]';

/** Checks a config as a run would (schema, plugin options, referenced files) and trains nothing. */
export async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { seed: { type: 'string' } }, usage);
  const path = requirePositional(positionals, 'config.json', usage);
  const { config, baseDir } = readConfigFile(path);
  const resolved = await validateStudy(config, { baseDir, seed: parseSeed(values.seed) });
  process.stdout.write(
    `${path}: valid (${resolved.scheduler ? `sampler ${resolved.sampler!.type}, scheduler ${resolved.scheduler.type}` : `strategy ${resolved.strategy.type}`}, trainer ${resolved.trainer.type}, budget ${resolved.budget.limit} ${resolved.budget.unit})\n`,
  );
  return 0;
}
