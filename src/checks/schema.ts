// Checking a user's JSON or YAML file against the JSON Schema the user mapped it to in
// hotcycle.yaml (`checks.schemas`). Findings are located in the checked file through the same
// ajv-error → YAML-node mapping hotcycle.yaml uses; a broken schema is a finding on the schema file.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { asSchema, describeExpected } from '../config/describe.ts';
import { ajvDiagnostics } from '../config/explain.ts';
import { parseLocated, type LocatedDocument } from '../config/locate.ts';
import type { Diagnostic } from '../diagnostic.ts';

export const SCHEMA_SOURCE = 'schema';

export interface UserSchema {
  /** The schema file's path relative to the config set's root. */
  readonly file: string;
  readonly schema: unknown;
  /** The parsed schema file, so that errors in the schema itself get a line and column. */
  readonly document?: LocatedDocument;
}

type Compiled = { validate: ValidateFunction } | { diagnostics: Diagnostic[] };

/** Compiled schemas by file and content: a reload re-reads files, so objects are never the same twice. */
const cache = new Map<string, Compiled>();
const CACHE_SIZE = 32;

/** Parses a schema file (JSON or YAML) into a UserSchema, or the diagnostics that prevent it. */
export function parseUserSchema(file: string, text: string): { schema?: UserSchema; diagnostics: Diagnostic[] } {
  const { document, diagnostics } = parseLocated(text, file, SCHEMA_SOURCE);
  if (!document) return { diagnostics };
  if (document.empty) return { diagnostics: [wholeFileFinding(file, 'the file is empty: expected a JSON Schema')] };
  return { schema: { file, schema: document.value, document }, diagnostics: [] };
}

/** Every finding about `text` (the file `file`) under `schema`; empty when it conforms. */
export function checkAgainstSchema(file: string, text: string, schema: UserSchema): Diagnostic[] {
  const compiled = compileUserSchema(schema);
  if ('diagnostics' in compiled) return compiled.diagnostics;
  const { document, diagnostics } = parseLocated(text, file, SCHEMA_SOURCE);
  if (!document) return diagnostics;
  const { validate } = compiled;
  if (validate(document.value)) return [];
  if (document.empty) return [wholeFileFinding(file, `the file is empty: expected ${describeExpected(schema.schema)}`)];
  return ajvDiagnostics(validate.errors, document, SCHEMA_SOURCE);
}

export function compileUserSchema(schema: UserSchema): Compiled {
  let key: string;
  try {
    key = `${schema.file}\0${JSON.stringify(schema.schema)}`;
  } catch (cause) {
    return { diagnostics: [wholeFileFinding(schema.file, `invalid JSON Schema: ${errorMessage(cause)}`)] };
  }
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(schema);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  }
  cache.delete(key); // re-inserted last: the Map's order is the eviction order
  cache.set(key, compiled);
  return compiled;
}

function compile({ file, schema, document }: UserSchema): Compiled {
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
    return { diagnostics: [wholeFileFinding(file, 'invalid JSON Schema: expected a mapping (or true/false) at the top level')] };
  }
  // A fresh instance per schema: user schemas may share an `$id`, and nothing leaks between them.
  const ajv = createAjv(asSchema(schema)?.$schema);
  if (!ajv.validateSchema(schema)) {
    const invalid = document ? ajvDiagnostics(ajv.errors, document, SCHEMA_SOURCE) : [wholeFileFinding(file, ajv.errorsText(ajv.errors))];
    return { diagnostics: invalid.map((d) => ({ ...d, message: `invalid JSON Schema: ${d.message}` })) };
  }
  if (asSchema(schema)?.$async === true) {
    return { diagnostics: [wholeFileFinding(file, 'invalid JSON Schema: asynchronous schemas ($async) are not supported')] };
  }
  try {
    return { validate: ajv.compile(schema) };
  } catch (cause) {
    return { diagnostics: [wholeFileFinding(file, `invalid JSON Schema: ${errorMessage(cause)}`)] };
  }
}

function createAjv(dialect: unknown): Ajv {
  const options = { allErrors: true, verbose: true, strict: false, logger: false } as const;
  if (typeof dialect === 'string' && dialect.includes('2020-12')) return new Ajv2020(options);
  if (typeof dialect === 'string' && dialect.includes('2019-09')) return new Ajv2019(options);
  return new Ajv(options);
}

/** A finding about a schema or checked file as a whole (no line: unreadable, empty, not a schema). */
export function wholeFileFinding(file: string, message: string): Diagnostic {
  return { file, line: 0, column: 0, message, source: SCHEMA_SOURCE };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
