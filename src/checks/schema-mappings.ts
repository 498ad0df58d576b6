// The gate's JSON Schema step: every file of the set matched by a mapping's globs is checked
// against that mapping's schema (src/checks/schema.ts does the checking and locating). A schema
// is a file of the set (a relative path) or a file on disk (an absolute path: a schemas
// ConfigMap mounted beside the source); `--schema GLOB=SCHEMA` flags are made absolute when parsed.
// src/checks/schema.ts (and ajv's compiler with it) is loaded only for a set that has files to
// check against a schema: most sets have none, and the sidecar then never loads it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostic.ts';
import type { UserSchema } from './schema.ts';
import { matchesGlob } from './nginx/glob.ts';
import type { SchemaMapping } from '../config/types.ts';
import { HotcycleError } from '../errors.ts';
import type { FileSet } from '../configset/fileset.ts';

/** `GLOB=SCHEMA` → a mapping; a relative SCHEMA is resolved against `cwd` (the flag names a file on disk). */
export function parseSchemaFlag(flag: string, cwd: string = process.cwd()): SchemaMapping {
  const at = flag.indexOf('=');
  if (at <= 0 || at === flag.length - 1) {
    throw new HotcycleError('config', 'EUSAGE', `--schema takes GLOB=SCHEMA (e.g. 'routes/*.json=/etc/hotcycle/schemas/routes.json'), not "${flag}"`);
  }
  return { files: [flag.slice(0, at)], schema: path.resolve(cwd, flag.slice(at + 1)) };
}

export async function checkSchemas(set: FileSet, mappings: readonly SchemaMapping[]): Promise<Diagnostic[]> {
  const found: Diagnostic[] = [];
  for (const mapping of mappings) {
    const targets = [...set.keys()].filter((file) => mapping.files.some((glob) => matchesGlob(file, glob)));
    if (targets.length === 0) continue;
    const userSchemas = await import('./schema.ts');
    const loaded = await loadSchema(userSchemas, set, mapping.schema);
    if ('diagnostics' in loaded) {
      found.push(...loaded.diagnostics);
      continue;
    }
    for (const file of targets) {
      if (file === mapping.schema) continue;
      found.push(...userSchemas.checkAgainstSchema(file, (set.get(file) ?? Buffer.alloc(0)).toString('utf8'), loaded.schema));
    }
  }
  return found;
}

type UserSchemas = typeof import('./schema.ts');
type Loaded = { schema: UserSchema } | { diagnostics: Diagnostic[] };

async function loadSchema(userSchemas: UserSchemas, set: FileSet, ref: string): Promise<Loaded> {
  const { parseUserSchema, wholeFileFinding } = userSchemas;
  let text: string;
  if (path.isAbsolute(ref)) {
    try {
      text = await readFile(ref, 'utf8');
    } catch (error) {
      return { diagnostics: [wholeFileFinding(ref, `cannot read the JSON Schema: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)] };
    }
  } else {
    const content = set.get(path.posix.normalize(ref));
    if (!content) return { diagnostics: [wholeFileFinding(ref, 'the JSON Schema is not in the config set (use an absolute path for a file outside it)')] };
    text = content.toString('utf8');
  }
  const parsed = parseUserSchema(ref, text);
  return parsed.schema ? { schema: parsed.schema } : { diagnostics: parsed.diagnostics };
}
