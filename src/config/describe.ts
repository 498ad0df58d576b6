// Words for error messages: a field's path as a person writes it (`listeners[0].name`), what a
// schema expects ("an integer between 1 and 1024"), and what was found instead.
import { EXPECTED_KEYWORD } from './schema.ts';
import type { PathSegment } from './locate.ts';

type SchemaNode = Readonly<Record<string, unknown>>;

export function asSchema(value: unknown): SchemaNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as SchemaNode) : undefined;
}

/** `workers.env.LOG_LEVEL`, `listeners[1].name`, `env["a.b"]`; `(top level)` for the root. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z_$][\w$-]*$/.test(segment)) return i === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** An ajv instancePath (JSON Pointer) as path segments, array indices as numbers. */
export function pathFromPointer(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      path.push(Number(segment));
      node = node[Number(segment)];
    } else {
      path.push(segment);
      node = asSchema(node)?.[segment];
    }
  }
  return path;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  return value === undefined ? 'nothing' : String(value);
}

/** What `schema` accepts, as a phrase that completes "expected …". */
export function describeExpected(schema: unknown): string {
  const s = asSchema(schema);
  if (!s) return schema === false ? 'nothing (not allowed here)' : 'any value';
  if (typeof s[EXPECTED_KEYWORD] === 'string') return s[EXPECTED_KEYWORD];
  if ('const' in s) return describeValue(s.const);
  if (Array.isArray(s.enum)) return s.enum.length === 1 ? describeValue(s.enum[0]) : `one of ${s.enum.map(describeValue).join(', ')}`;
  const types = typesOf(s);
  return types.length === 0 ? 'a valid value' : types.map((type) => describeType(type, s)).join(' or ');
}

function typesOf(s: SchemaNode): string[] {
  if (typeof s.type === 'string') return [s.type];
  return Array.isArray(s.type) ? s.type.filter((t): t is string => typeof t === 'string') : [];
}

function describeType(type: string, s: SchemaNode): string {
  switch (type) {
    case 'integer': return `an integer${describeRange(s)}`;
    case 'number': return `a number${describeRange(s)}`;
    case 'string': return describeString(s);
    case 'array': return describeCollection('list', s.minItems, plural(s.items));
    case 'object': return describeCollection('mapping', s.minProperties, s.properties ? undefined : plural(s.additionalProperties));
    case 'boolean': return 'true or false';
    default: return type;
  }
}

function describeRange(s: SchemaNode): string {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = s;
  if (typeof min === 'number' && typeof max === 'number') return ` between ${min} and ${max}`;
  const parts = [
    typeof min === 'number' ? `≥ ${min}` : typeof xmin === 'number' ? `> ${xmin}` : '',
    typeof max === 'number' ? `≤ ${max}` : typeof xmax === 'number' ? `< ${xmax}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` ${parts.join(' and ')}` : '';
}

function describeString(s: SchemaNode): string {
  const nonEmpty = typeof s.minLength === 'number' && s.minLength > 0;
  let phrase = nonEmpty ? 'a non-empty string' : 'a string';
  if (typeof s.pattern === 'string') phrase += ` matching \`${s.pattern}\``;
  if (typeof s.format === 'string') phrase += ` in ${s.format} format`;
  if (typeof s.maxLength === 'number') phrase += ` of at most ${s.maxLength} characters`;
  return phrase;
}

function describeCollection(noun: string, min: unknown, of: string | undefined): string {
  const nonEmpty = typeof min === 'number' && min > 0 ? 'non-empty ' : '';
  return `a ${nonEmpty}${noun}${of ? ` of ${of}` : ''}`;
}

/** The plural noun for a collection's items ("non-empty strings"), when it is a simple one. */
function plural(schema: unknown): string | undefined {
  const s = asSchema(schema);
  if (!s || s[EXPECTED_KEYWORD] !== undefined || s.enum !== undefined || typeof s.type !== 'string') return undefined;
  const nouns: Record<string, string> = {
    string: 'strings', integer: 'integers', number: 'numbers', boolean: 'booleans', object: 'mappings', array: 'lists',
  };
  const noun = nouns[s.type];
  const nonEmpty = s.type === 'string' && typeof s.minLength === 'number' && s.minLength > 0;
  return noun && (nonEmpty ? `non-empty ${noun}` : noun);
}
