import { toErrorInfo } from '../../errors.ts';
import { checkConfigDir } from '../../master/drivers/native.ts';
import type { CheckResult } from '../../protocol/types.ts';
import { output, parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { formatCheck } from '../format.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'validate a config directory without touching anything',
  help: `Usage: hotcycle check [DIR] [options]

Runs the check phase on a config directory (a plain directory or a ConfigMap volume,
read through its ..data link): hotcycle.yaml against hotcycle's schema, listener
addresses. Errors name the file, line, column and field. Nothing is reloaded.
Exit status: 0 valid, 1 invalid, 2 usage error.

Options:
${describe(SETTINGS.configDir, 'DIR')}
  --json                     print the result as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values, positionals } = parse('check', argv, { 'config-dir': { type: 'string' }, json: { type: 'boolean' } }, true);
    if (values.help) return printHelp(this);
    if (positionals.length > 1) throw new UsageError(`check takes one directory, got ${positionals.length}`);
    const dir = positionals[0] ?? resolve(SETTINGS.configDir, values['config-dir']);
    const started = performance.now();
    let result: CheckResult;
    try {
      const { configHash } = await checkConfigDir(dir);
      result = { ok: true, configHash, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      result = { ok: false, configHash: '', durationMs: Math.round(performance.now() - started), error: toErrorInfo(error, 'check') };
    }
    return output(values.json ?? false, result, formatCheck(result), result.ok);
  },
};
