import { formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import { errorMessage, toErrorInfo, type ErrorInfo } from '../../errors.ts';
import { readConfigSet } from '../../configset/snapshot.ts';
import { parseSchemaFlag } from '../../checks/schema-mappings.ts';
import { checkFileSet, SIDECAR_DRIVERS, unreadableVersion, type SidecarDriver } from '../../checks/gate.ts';
import { formatError, output, parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { short } from '../format.ts';

interface CheckReport {
  ok: boolean;
  dir: string;
  configHash: string;
  durationMs: number;
  diagnostics: Diagnostic[];
  error?: ErrorInfo;
}

export const checkCommand: Command = {
  help: `Usage: hotcycle check [DIR] [options]

Runs the sidecar's gate on a config directory (a plain directory or a ConfigMap volume,
read through its ..data link), the same checks a new version passes before it is published:
hotcycle.yaml against hotcycle's schema, files mapped to a JSON Schema (checks.schemas in
hotcycle.yaml, or --schema), nginx syntax (checks.nginx.files; *.conf by default with
--driver nginx), and check commands (checks.commands). With the native driver, listener
addresses are checked too. Every finding is printed as file:line:col: message.
Nothing is published or reloaded.
Exit status: 0 valid, 1 invalid, 2 usage error.

Options:
${describe(SETTINGS.configDir, 'DIR')}
${describe(SETTINGS.driver, 'NAME')}
  --schema GLOB=SCHEMA       check files matching GLOB against the JSON Schema file SCHEMA (repeatable)
  --json                     print the result as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values, positionals } = parse('check', argv, {
      'config-dir': { type: 'string' }, driver: { type: 'string' }, schema: { type: 'string', multiple: true }, json: { type: 'boolean' },
    }, true);
    if (values.help) return printHelp(this);
    if (positionals.length > 1) throw new UsageError(`check takes one directory, got ${positionals.length}`);
    const driver = resolve(SETTINGS.driver, values.driver);
    if (!(SIDECAR_DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}": expected one of ${SIDECAR_DRIVERS.join(', ')}`);
    const schemas = (values.schema ?? []).map((flag) => {
      try {
        return parseSchemaFlag(flag);
      } catch (error) {
        throw new UsageError(errorMessage(error));
      }
    });
    const dir = positionals[0] ?? resolve(SETTINGS.configDir, values['config-dir']);
    const report = await checkDir(dir, driver as SidecarDriver, schemas);
    return output(values.json ?? false, report, formatReport(report), report.ok);
  },
};

async function checkDir(dir: string, driver: SidecarDriver, schemas: ReturnType<typeof parseSchemaFlag>[]): Promise<CheckReport> {
  const started = performance.now();
  const done = (part: Omit<CheckReport, 'dir' | 'durationMs' | 'ok'>): CheckReport => ({
    ok: part.diagnostics.every((d) => d.severity === 'notice') && !part.error, dir, durationMs: Math.round(performance.now() - started), ...part,
  });
  let version;
  try {
    version = await readConfigSet(dir);
  } catch (error) {
    const diagnostics = unreadableVersion(error, [dir]);
    return diagnostics ? done({ configHash: '', diagnostics }) : done({ configHash: '', diagnostics: [], error: toErrorInfo(error, 'check') });
  }
  return done({ configHash: version.hash, diagnostics: await checkFileSet(version.files, { driver, schemas }) });
}

function formatReport(report: CheckReport): string {
  if (report.error) return `${report.dir}: config INVALID: ${formatError(report.error)}`;
  if (report.ok) return `config ${short(report.configHash)} in ${report.dir} is valid (${report.durationMs} ms)`;
  const count = `${report.diagnostics.length} finding${report.diagnostics.length === 1 ? '' : 's'}`;
  return [...report.diagnostics.map(formatDiagnostic), `config ${short(report.configHash)} in ${report.dir} is INVALID (${count})`].join('\n');
}
