// Reading hotcycle.yaml: find the one config file in a directory, parse it with positions,
// validate it against HOTCYCLE_SCHEMA and the cross-field rules, normalise and freeze it.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostic.ts';
import { ConfigError } from './error.ts';
import { ajvDiagnostics } from './explain.ts';
import { parseLocated } from './locate.ts';
import { normalizeChecks, normalizeConfig } from './normalize.ts';
import { ruleDiagnostics } from './rules.ts';
import { CONFIG_FILE_NAMES, hotcycleValidator, nginxDriverValidator } from './schema.ts';
import type { ChecksConfig, HotcycleConfig, RawChecksConfig, RawHotcycleConfig } from './types.ts';
import type { ValidateFunction } from 'ajv';

/** The `source` of every diagnostic about hotcycle.yaml. */
export const CONFIG_SOURCE = 'hotcycle';

interface Analysis<T> { raw?: T; diagnostics: Diagnostic[] }

/** What a file must hold: the native driver's full config, or the nginx driver's `checks`. */
interface Expectation<T> { validator: () => ValidateFunction<T>; shape: string }

const NATIVE: Expectation<RawHotcycleConfig> = { validator: hotcycleValidator, shape: 'a mapping with `workers`' };
const NGINX_DRIVER: Expectation<RawChecksConfig> = { validator: nginxDriverValidator, shape: 'a mapping (`checks`)' };

/**
 * hotcycle.yaml holds a page of settings. Past this size it is a mistake or an attack, and the
 * yaml parser's duplicate-key check is quadratic: a 1 MiB file would block the sidecar for minutes.
 */
export const MAX_CONFIG_CHARS = 64 * 1024;

function analyse<T extends RawChecksConfig>(text: string, file: string, expected: Expectation<T>): Analysis<T> {
  const whole = (message: string): Analysis<T> => ({ diagnostics: [{ file, line: 0, column: 0, message, source: CONFIG_SOURCE }] });
  if (text.length > MAX_CONFIG_CHARS) return whole(`the file is too large: ${text.length} characters, at most ${MAX_CONFIG_CHARS}`);
  const { document, diagnostics } = parseLocated(text, file, CONFIG_SOURCE);
  if (!document) return { diagnostics };
  if (document.empty) return whole(`the file is empty: expected ${expected.shape}`);
  const value = document.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'a list' : JSON.stringify(value);
    return { diagnostics: [document.diagnostic([], 'value', `expected ${expected.shape} at the top level, got ${got}`, CONFIG_SOURCE)] };
  }
  const validate = expected.validator();
  if (!validate(value)) return { diagnostics: ajvDiagnostics(validate.errors, document, CONFIG_SOURCE) };
  return { raw: value, diagnostics: ruleDiagnostics(value, document, CONFIG_SOURCE) };
}

/** Every finding about a hotcycle.yaml text; empty when it is valid. Never throws. */
export function checkHotcycleConfig(text: string, file = 'hotcycle.yaml'): Diagnostic[] {
  return analyse(text, file, NATIVE).diagnostics;
}

/** The normalised, frozen config, or a ConfigError carrying every finding. */
export function parseHotcycleConfig(text: string, file = 'hotcycle.yaml'): HotcycleConfig {
  return normalizeConfig(valid(analyse(text, file, NATIVE), file));
}

/** Under the nginx driver: the `checks` section (nothing else is read), or a ConfigError. */
export function parseChecksConfig(text: string, file = 'hotcycle.yaml'): ChecksConfig {
  return normalizeChecks(valid(analyse(text, file, NGINX_DRIVER), file).checks ?? {});
}

function valid<T>({ raw, diagnostics }: Analysis<T>, file: string): T {
  if (!raw || diagnostics.length > 0) {
    const count = `${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}`;
    throw new ConfigError('ECONFIG', `${file}: invalid configuration (${count})`, diagnostics);
  }
  return raw;
}

/** Which of the accepted config file names is present among `names`; exactly one must be. */
export function selectConfigFile(names: readonly string[], where = 'the config set'): string {
  const present = CONFIG_FILE_NAMES.filter((name) => names.includes(name));
  const expected = CONFIG_FILE_NAMES.join(', ');
  if (present.length === 1 && present[0] !== undefined) return present[0];
  if (present.length === 0) {
    const message = `no config file in ${where}: expected one of ${expected}`;
    throw new ConfigError('ENOCONFIG', message, [{ file: CONFIG_FILE_NAMES[0], line: 0, column: 0, message, source: CONFIG_SOURCE }]);
  }
  const message = `${present.join(' and ')} both exist in ${where}: keep exactly one of ${expected}`;
  throw new ConfigError('ECONFIG', message, present.map((file) => ({ file, line: 0, column: 0, message, source: CONFIG_SOURCE })));
}

/** The absolute path of the one config file in `dir`. */
export async function findConfigFile(dir: string): Promise<string> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    const message = `cannot read config directory ${dir}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`;
    throw new ConfigError('ENOCONFIG', message, [{ file: dir, line: 0, column: 0, message, source: CONFIG_SOURCE }], { cause });
  }
  return path.join(dir, selectConfigFile(names, dir));
}

export async function loadHotcycleConfig(dir: string): Promise<{ config: HotcycleConfig; file: string; text: string }> {
  const file = await findConfigFile(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const message = `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`;
    throw new ConfigError('ECONFIG', message, [{ file: path.basename(file), line: 0, column: 0, message, source: CONFIG_SOURCE }], { cause });
  }
  return { config: parseHotcycleConfig(text, path.basename(file)), file, text };
}
