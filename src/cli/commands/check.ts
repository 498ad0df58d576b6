import { errorsOf, formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import { errorMessage, toErrorInfo, type ErrorInfo } from '../../errors.ts';
import { readConfigSet } from '../../configset/snapshot.ts';
import { parseSchemaFlag } from '../../checks/schema-mappings.ts';
import { checkFileSet, SIDECAR_DRIVERS, unreadableVersion, type CheckOptions, type SidecarDriver } from '../../checks/gate.ts';
import { NGINX_FLAGS, NGINX_FLAGS_HELP, nginxCheckFlags } from '../nginx-flags.ts';
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

Checks a config directory (a plain directory or a ConfigMap volume, read through its ..data
link) exactly as the sidecar checks each new version before it may be published. Nothing is
published or reloaded. What is checked, and with what:
  hotcycle.yaml     hotcycle's schema. Native driver: required, with listener addresses
                    as the master parses them. nginx driver: optional; only its checks:
                    section is read (no workers needed).
  JSON/YAML files   against a JSON Schema: checks.schemas in hotcycle.yaml, or --schema.
  nginx files       with --driver nginx, or when hotcycle.yaml has checks.nginx: nginx's
                    own lexer and directive table, on what nginx reads and where it reads
                    it: the main config (--nginx-conf, checks.nginx.main, else nginx.conf)
                    and its includes, relative to its directory or under --include-root;
                    without a main config, each *.conf at the root inside http { } (as
                    nginx's stock nginx.conf reads conf.d/). OpenResty *_by_lua_block
                    bodies are skipped as Lua. Semantics (unknown directives and variables,
                    host names, files outside the set) are nginx -t's, run by the master.
  certificates      each tls.crt with its tls.key, and what ssl_certificate and
                    ssl_certificate_key name in the set: PEM as OpenSSL reads it, the
                    chain a client builds, the key (decrypted with ssl_password_file),
                    every certificate on the path valid now, OpenSSL's security level
                    (2, or @SECLEVEL=N in ssl_ciphers).
  check commands    checks.commands in hotcycle.yaml, each in a copy of the set, with a timeout.
Findings are printed as file:line:col: message. A notice (an include left to nginx -t, a
*.conf that nothing includes, the conf.d reading) is printed as file:line:col: notice: …
and refuses nothing.
Exit status: 0 valid (notices allowed); 1 invalid (at least one finding that is not a
notice) or the directory could not be read; 2 usage error.

Options:
${describe(SETTINGS.configDir, 'DIR')}
${describe(SETTINGS.driver, 'NAME')}
${NGINX_FLAGS_HELP}
  --schema GLOB=SCHEMA       check files matching GLOB against the JSON Schema file SCHEMA (repeatable)
  --json                     print the result as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values, positionals } = parse('check', argv, {
      'config-dir': { type: 'string' }, driver: { type: 'string' }, schema: { type: 'string', multiple: true }, json: { type: 'boolean' }, ...NGINX_FLAGS,
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
    const report = await checkDir(dir, { driver: driver as SidecarDriver, schemas, nginx: nginxCheckFlags(values) });
    return output(values.json ?? false, report, formatReport(report), report.ok);
  },
};

async function checkDir(dir: string, options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const done = (part: Omit<CheckReport, 'dir' | 'durationMs' | 'ok'>): CheckReport => ({
    ok: errorsOf(part.diagnostics).length === 0 && !part.error, dir, durationMs: Math.round(performance.now() - started), ...part,
  });
  let version;
  try {
    version = await readConfigSet(dir);
  } catch (error) {
    const diagnostics = unreadableVersion(error, [dir]);
    return diagnostics ? done({ configHash: '', diagnostics }) : done({ configHash: '', diagnostics: [], error: toErrorInfo(error, 'check') });
  }
  return done({ configHash: version.hash, diagnostics: await checkFileSet(version.files, options) });
}

function formatReport(report: CheckReport): string {
  if (report.error) return `${report.dir}: config INVALID: ${formatError(report.error)}`;
  const findings = report.diagnostics.map(formatDiagnostic);
  const notices = report.diagnostics.length - errorsOf(report.diagnostics).length;
  const noted = notices > 0 ? `, ${notices} notice${notices === 1 ? '' : 's'}` : '';
  if (report.ok) return [...findings, `config ${short(report.configHash)} in ${report.dir} is valid (${report.durationMs} ms${noted})`].join('\n');
  const errors = report.diagnostics.length - notices;
  return [...findings, `config ${short(report.configHash)} in ${report.dir} is INVALID (${errors} finding${errors === 1 ? '' : 's'}${noted})`].join('\n');
}
