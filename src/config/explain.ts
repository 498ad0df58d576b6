// ajv errors → located diagnostics. The one place that maps a schema error to the YAML node it is
// about and says, in the file's own terms, which field is wrong and what was expected. Used for
// hotcycle.yaml and for every user file checked against a user's schema.
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../diagnostic.ts';
import { asSchema, describeExpected, describeValue, formatPath, pathFromPointer } from './describe.ts';
import type { LocatedDocument, PathSegment, Target } from './locate.ts';
import { suggestName } from './suggest.ts';
import { VALUE_KEYWORDS, groupAlternatives } from './alternatives.ts';

export interface Finding { path: PathSegment[]; target: Target; message: string }

export function ajvDiagnostics(errors: readonly ErrorObject[] | null | undefined, document: LocatedDocument, source: string): Diagnostic[] {
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const { single, alternations } = groupAlternatives(errors ?? []);
  const findings = [
    ...single.map((error) => explainAjvError(error, document.value)),
    ...alternations.map(({ error, expected }) => {
      const path = pathFromPointer(error.instancePath, document.value);
      return { path, target: 'value' as const, message: `${formatPath(path)}: expected ${expected.join(' or ')}, got ${describeValue(error.data)}` };
    }),
  ];
  for (const finding of findings) {
    if (!finding) continue;
    const diagnostic = document.diagnostic(finding.path, finding.target, finding.message, source);
    const key = `${diagnostic.line}:${diagnostic.column}:${diagnostic.message}`;
    if (!seen.has(key)) diagnostics.push(diagnostic);
    seen.add(key);
  }
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** One ajv error (compiled with `verbose: true`) as a path, a target and a message; undefined to drop it. */
export function explainAjvError(error: ErrorObject, root: unknown): Finding | undefined {
  const path = pathFromPointer(error.instancePath, root);
  const params = asSchema(error.params) ?? {};
  const parent = asSchema(error.parentSchema) ?? {};
  // `if` only says which branch failed; the branch's own errors say why. Errors inside
  // `propertyNames` are restated by the `propertyNames` error, which knows the key.
  if (error.keyword === 'if' || 'propertyName' in error) return undefined;
  if (VALUE_KEYWORDS.has(error.keyword)) {
    return { path, target: 'value', message: `${formatPath(path)}: expected ${describeExpected(parent)}, got ${describeValue(error.data)}${quoteHint(parent, error.data)}` };
  }
  switch (error.keyword) {
    case 'required': return explainRequired(path, String(params.missingProperty), parent);
    case 'additionalProperties': return explainUnknown([...path, String(params.additionalProperty)], parent);
    case 'propertyNames': {
      const key = [...path, String(params.propertyName)];
      return { path: key, target: 'key', message: `${formatPath(key)}: invalid key, expected ${describeExpected(error.schema)}` };
    }
    case 'discriminator': return explainDiscriminator(path, params, parent);
    case 'uniqueItems': {
      const [i, j] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return { path: [...path, j ?? 0], target: 'value', message: `${formatPath([...path, j ?? 0])}: duplicate of ${formatPath([...path, i ?? 0])}, items must be unique` };
    }
    case 'false schema': return { path, target: 'key', message: `${formatPath(path)}: not allowed here` };
    default: return { path, target: 'value', message: `${formatPath(path)}: ${error.message ?? 'is invalid'}` };
  }
}

function explainRequired(path: PathSegment[], name: string, parent: Readonly<Record<string, unknown>>): Finding {
  const field = asSchema(parent.properties)?.[name];
  const expected = field === undefined ? '' : ` (expected ${describeExpected(field)})`;
  return { path, target: 'key', message: `${formatPath([...path, name])}: missing required field${expected}` };
}

function explainUnknown(path: PathSegment[], parent: Readonly<Record<string, unknown>>): Finding {
  const known = Object.keys(asSchema(parent.properties) ?? {});
  const suggestion = suggestName(String(path.at(-1)), known);
  const hint = suggestion ? `; did you mean \`${suggestion}\`?` : known.length > 0 ? ` (known fields: ${known.join(', ')})` : '';
  return { path, target: 'key', message: `${formatPath(path)}: unknown field${hint}` };
}

function explainDiscriminator(path: PathSegment[], params: Readonly<Record<string, unknown>>, parent: Readonly<Record<string, unknown>>): Finding | undefined {
  if (params.tagValue === undefined) return undefined; // reported by `required`
  const tag = String(params.tag);
  const branches = Array.isArray(parent.oneOf) ? parent.oneOf : [];
  const options = branches.map((branch) => asSchema(asSchema(asSchema(branch)?.properties)?.[tag])?.const);
  const field = [...path, tag];
  return { path: field, target: 'value', message: `${formatPath(field)}: expected one of ${options.map(describeValue).join(', ')}, got ${describeValue(params.tagValue)}` };
}

/** YAML reads `8080` and `true` as a number and a boolean; a string field needs them quoted. */
function quoteHint(schema: Readonly<Record<string, unknown>>, data: unknown): string {
  const wantsString = schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
  return wantsString && (typeof data === 'number' || typeof data === 'boolean') ? ' (quote it to make it a string)' : '';
}
