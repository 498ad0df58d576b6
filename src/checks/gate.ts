// The config gate's checks (DESIGN.md §2 step 3), run on every new version before it may reach
// the live directory, and by `hotcycle check`. All findings are collected, in this order:
//   (1) hotcycle.yaml against hotcycle's own schema (the master's, one source), and its
//       listener addresses as the master parses them. The native driver needs the file; the
//       nginx driver only reads its `checks:` section if present (no `workers` needed).
//   (2) JSON/YAML files mapped to a JSON Schema (hotcycle.yaml `checks.schemas`, `--schema`).
//   (3) nginx syntax and grammar of what nginx reads (checks/nginx/): with the nginx driver,
//       or when hotcycle.yaml has `checks.nginx`. The main config named by the flags (the
//       file the master runs nginx with) wins over `checks.nginx.main`; include roots add up.
//   (4) check commands (`checks.commands`), each in a copy of the version, with a timeout.
//   (5) certificate/key pairs (checks/tls/): every tls.crt/tls.key, and what the nginx files
//       of (3) and every other *.conf name in ssl_certificate/ssl_certificate_key. Its notices
//       (a missing intermediate, an extra certificate) are reported but reject nothing.
//   (6) Findings in or quoting files of Secret sources lose their content (checks/redact.ts).
// A hotcycle.yaml that cannot be read still lets (2)–(3) run with the flags and defaults.
import { errorsOf, type Diagnostic } from '../diagnostic.ts';
import { checkNginx, DEFAULT_MAIN, entryFiles, type NginxCheckOptions } from './nginx/index.ts';
import { redactSecrets } from './redact.ts';
import { checkTls, tlsPairs, type CertificateInfo } from './tls/index.ts';
import { ConfigError } from '../config/error.ts';
import { parseChecksConfig, parseHotcycleConfig, selectConfigFile } from '../config/load.ts';
import type { ChecksConfig, NginxRootContext, SchemaMapping } from '../config/types.ts';
import { HotcycleError } from '../errors.ts';
import { checkCommands } from './commands.ts';
import { checkSchemas } from './schema-mappings.ts';
import type { FileSet } from '../configset/fileset.ts';

export const SIDECAR_DRIVERS = ['native', 'nginx'] as const;
export type SidecarDriver = (typeof SIDECAR_DRIVERS)[number];

export interface CheckOptions {
  driver: SidecarDriver;
  /** From `--schema GLOB=SCHEMA`; checked besides hotcycle.yaml's own mappings. */
  schemas?: readonly SchemaMapping[];
  /** From the flags: the main config nginx runs with (`--nginx-conf`), include roots, context. */
  nginx?: { main?: string; includeRoots?: readonly string[]; context?: NginxRootContext };
  /** Set names under Secret sources (`tls/`): their content is never shown. */
  secretPrefixes?: readonly string[];
  /** Told the certificates of every version that passes every check (for their expiry). */
  onAccepted?: (certificates: CertificateInfo[]) => void;
}

export async function checkFileSet(set: FileSet, options: CheckOptions): Promise<Diagnostic[]> {
  const { checks, file, diagnostics } = checkConfigFile(set, options.driver); // (1)
  diagnostics.push(...(await checkSchemas(set, [...(checks?.schemas ?? []), ...(options.schemas ?? [])]))); // (2)
  const nginx = nginxOptions(options, checks);
  const texts = new Map([...set].map(([name, content]) => [name, content.toString('utf8')]));
  if (nginx) diagnostics.push(...checkNginx(texts, nginx)); // (3)
  // ssl_* directives may sit in included files (conf.d/site.conf) as well as in the main file
  // and the entries checks.nginx.files names (which need not end in .conf).
  const main = nginx?.main ?? DEFAULT_MAIN;
  const entries = new Set(entryFiles([...texts.keys()], nginx?.files ?? []));
  const nginxFiles = nginx ? [...texts.keys()].filter((n) => n.endsWith('.conf') || n === main || entries.has(n)) : [];
  diagnostics.push(...(await checkCommands(set, checks?.commands ?? [], file ?? 'hotcycle.yaml'))); // (4)
  const tls = checkTls(set, tlsPairs(set, nginxFiles)); // (5)
  diagnostics.push(...tls.diagnostics);
  if (errorsOf(diagnostics).length === 0) options.onAccepted?.(tls.certificates);
  return redactSecrets(diagnostics, set, options.secretPrefixes ?? []); // (6)
}

/** (3) The nginx check's options, or undefined when nothing asks for it. */
function nginxOptions(options: CheckOptions, checks: ChecksConfig | null): NginxCheckOptions | undefined {
  const fromFile = checks?.nginx;
  if (options.driver !== 'nginx' && !fromFile) return undefined;
  const main = options.nginx?.main ?? fromFile?.main;
  const context = fromFile?.context ?? options.nginx?.context;
  return {
    ...(main === undefined ? {} : { main }),
    ...(context === undefined ? {} : { context }),
    files: fromFile?.files ?? [],
    includeRoots: [...(options.nginx?.includeRoots ?? []), ...(fromFile?.includeRoots ?? [])],
  };
}

interface ConfigCheck { checks: ChecksConfig | null; file: string | null; diagnostics: Diagnostic[] }

function checkConfigFile(set: FileSet, driver: SidecarDriver): ConfigCheck {
  let file: string;
  try {
    file = selectConfigFile([...set.keys()]);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const optional = driver === 'nginx' && error.code === 'ENOCONFIG';
    return { checks: null, file: null, diagnostics: optional ? [] : [...error.diagnostics] };
  }
  const text = (set.get(file) ?? Buffer.alloc(0)).toString('utf8');
  try {
    const checks = driver === 'nginx' ? parseChecksConfig(text, file) : parseHotcycleConfig(text, file).checks;
    return { checks, file, diagnostics: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { checks: null, file, diagnostics: [...error.diagnostics] };
  }
}

/**
 * A version that cannot even be read as a set (a symlink out of the set, a fifo, over the size
 * limit) is rejected like one that fails a check; null for failures that say nothing about the
 * version (the source directory is missing or unreadable).
 */
export function unreadableVersion(error: unknown, dirs: readonly string[]): Diagnostic[] | null {
  if (!(error instanceof HotcycleError) || error.code !== 'EFILESET') return null;
  // Findings about a file carry its set-relative name; about a source directory, the directory.
  if (!error.detail || dirs.includes(error.detail)) return null;
  return [{ file: error.detail, line: 0, column: 0, message: error.message, source: 'fileset' }];
}
