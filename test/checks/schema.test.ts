import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAgainstSchema, compileUserSchema, parseUserSchema, type UserSchema } from '../../src/checks/schema.ts';
import type { Diagnostic } from '../../src/diagnostic.ts';
import { positionOf } from '../config/position.ts';

const APP_SCHEMA = {
  type: 'object',
  required: ['port'],
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    level: { enum: ['debug', 'info', 'warn'] },
    routes: {
      type: 'array',
      items: { type: 'object', required: ['path'], additionalProperties: false, properties: { path: { type: 'string', pattern: '^/' } } },
    },
  },
};

function userSchema(file: string, text: string): UserSchema {
  const { schema, diagnostics } = parseUserSchema(file, text);
  assert.deepEqual(diagnostics, []);
  assert.ok(schema);
  return schema;
}

/** Expected diagnostics: [text pointed at (null: whole file), occurrence, message]. */
function at(file: string, text: string, expected: [string | null, number, string][]): Diagnostic[] {
  return expected.map(([needle, nth, message]) => ({
    file, ...(needle === null ? { line: 0, column: 0 } : positionOf(text, needle, nth)), message, source: 'schema',
  }));
}

const JSON_SCHEMA = userSchema('schemas/app.schema.json', JSON.stringify(APP_SCHEMA, null, 2));
const YAML_SCHEMA = userSchema('schemas/app.schema.yaml', `
type: object
required: [port]
additionalProperties: false
properties:
  port: { type: integer, minimum: 1, maximum: 65535 }
  level: { enum: [debug, info, warn] }
  routes:
    type: array
    items:
      type: object
      required: [path]
      additionalProperties: false
      properties: { path: { type: string, pattern: "^/" } }
`);

const files: { name: string; file: string; text: string; expect: [string | null, number, string][] }[] = [
  { name: 'a conforming JSON file', file: 'conf/app.json', text: '{"port": 80, "routes": [{"path": "/"}]}', expect: [] },
  { name: 'JSON: required, enum and a nested array item', file: 'conf/app.json',
    text: '{\n  "level": "trace",\n  "routes": [\n    {"path": "/ok"},\n    {"path": "nope", "pth": "/"}\n  ]\n}\n',
    expect: [
      ['{', 0, 'port: missing required field (expected an integer between 1 and 65535)'],
      ['"trace"', 0, 'level: expected one of "debug", "info", "warn", got "trace"'],
      ['"nope"', 0, 'routes[1].path: expected a string matching `^/`, got "nope"'],
      ['"pth"', 0, 'routes[1].pth: unknown field; did you mean `path`?'],
    ] },
  { name: 'YAML: a list item missing a field, an unknown top-level key', file: 'conf/app.yaml',
    text: 'port: 70000\nroutes:\n  - path: /a\n  - {}\nlevle: info\n',
    expect: [
      ['70000', 0, 'port: expected an integer between 1 and 65535, got 70000'],
      ['{}', 0, 'routes[1].path: missing required field (expected a string matching `^/`)'],
      ['levle', 0, 'levle: unknown field; did you mean `level`?'],
    ] },
  { name: 'YAML syntax error in the checked file', file: 'conf/app.yaml', text: 'port: 80\nlevel: "info\n',
    expect: [['"info', 0, 'YAML syntax error: this quoted string is never closed']] },
  { name: 'an empty file', file: 'conf/app.yaml', text: '# later\n', expect: [[null, 0, 'the file is empty: expected a mapping']] },
];

for (const schema of [JSON_SCHEMA, YAML_SCHEMA]) {
  describe(`checkAgainstSchema with ${schema.file}`, () => {
    for (const c of files) {
      test(c.name, () => assert.deepEqual(checkAgainstSchema(c.file, c.text, schema), at(c.file, c.text, c.expect)));
    }
  });
}

describe('invalid user schemas are findings on the schema file', () => {
  test('a wrong keyword value is located in the schema file', () => {
    const text = 'type: object\nproperties:\n  port: { type: integr }\n  x: { minimum: "a" }\n';
    const schema = userSchema('schemas/bad.yaml', text);
    const found = checkAgainstSchema('conf/app.json', '{}', schema);
    assert.ok(found.length >= 2);
    assert.ok(found.every((d) => d.file === 'schemas/bad.yaml' && d.message.startsWith('invalid JSON Schema: ')));
    assert.deepEqual(found.find((d) => d.message.includes('properties.x.minimum')),
      at('schemas/bad.yaml', text, [['"a"', 0, 'invalid JSON Schema: properties.x.minimum: expected a number, got "a"']])[0]);
    assert.deepEqual(positionOf(text, 'integr'), { line: found[0]?.line, column: found[0]?.column });
  });

  test('a schema that is not a mapping', () => {
    const schema = userSchema('schemas/list.json', '[1, 2]');
    assert.deepEqual(checkAgainstSchema('conf/app.json', '{}', schema),
      at('schemas/list.json', '', [[null, 0, 'invalid JSON Schema: expected a mapping (or true/false) at the top level']]));
  });

  test('an unresolvable $ref', () => {
    const schema = userSchema('schemas/ref.json', '{"$ref": "#/definitions/missing"}');
    const [finding, ...rest] = checkAgainstSchema('conf/app.json', '{}', schema);
    assert.deepEqual(rest, []);
    assert.equal(finding?.file, 'schemas/ref.json');
    assert.match(finding?.message ?? '', /^invalid JSON Schema: can't resolve reference #\/definitions\/missing/);
  });

  test('a schema file with a syntax error', () => {
    const text = '{"type": "object",}';
    assert.deepEqual(parseUserSchema('schemas/s.json', text).diagnostics,
      at('schemas/s.json', text, [['}', 0, 'JSON syntax error: Expected double-quoted property name']]));
  });
});

describe('dialects, alternatives and caching', () => {
  test('a 2020-12 schema is compiled by the 2020 dialect', () => {
    const schema = userSchema('s.json', JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' },
    }));
    const text = '["a", 1, "b"]';
    assert.deepEqual(checkAgainstSchema('x.json', text, schema), at('x.json', text, [['"b"', 0, '[2]: expected an integer, got "b"']]));
  });

  test('anyOf failing on the value itself is one message', () => {
    const schema = userSchema('s.yaml', 'properties:\n  size: { anyOf: [{ type: integer }, { enum: [small, large] }] }\n');
    const text = 'size: medium\n';
    assert.deepEqual(checkAgainstSchema('x.yaml', text, schema),
      at('x.yaml', text, [['medium', 0, 'size: expected an integer or one of "small", "large", got "medium"']]));
  });

  test('schemas sharing an $id do not collide', () => {
    const a = userSchema('a.json', '{"$id": "https://example.com/s", "type": "string"}');
    const b = userSchema('b.json', '{"$id": "https://example.com/s", "type": "integer"}');
    assert.deepEqual(checkAgainstSchema('x.json', '"x"', a), []);
    assert.equal(checkAgainstSchema('x.json', '"x"', b).length, 1);
  });

  test('equal schema contents compile once', () => {
    const first = compileUserSchema(userSchema('c.json', '{"type": "object"}'));
    const second = compileUserSchema(userSchema('c.json', '{ "type": "object" }'));
    assert.equal(first, second);
  });
});
