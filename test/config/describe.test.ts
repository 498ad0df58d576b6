import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExpected, describeValue, formatPath, pathFromPointer } from '../../src/config/describe.ts';

const paths: [(string | number)[], string][] = [
  [[], '(top level)'], [['workers', 'count'], 'workers.count'], [['listeners', 0, 'name'], 'listeners[0].name'],
  [['workers', 'env', 'a.b'], 'workers.env["a.b"]'], [['x-y', 'z'], 'x-y.z'],
];
for (const [path, expected] of paths) test(`formatPath → ${expected}`, () => assert.equal(formatPath(path), expected));

test('pathFromPointer turns array indices into numbers and unescapes', () => {
  const root = { listeners: [{ name: 'a' }], 'a/b': { '~c': 1 } };
  assert.deepEqual(pathFromPointer('/listeners/0/name', root), ['listeners', 0, 'name']);
  assert.deepEqual(pathFromPointer('/a~1b/~0c', root), ['a/b', '~c']);
  assert.deepEqual(pathFromPointer('', root), []);
});

const schemas: [unknown, string][] = [
  [{ type: 'integer', minimum: 1, maximum: 9 }, 'an integer between 1 and 9'],
  [{ type: 'number', exclusiveMinimum: 0 }, 'a number > 0'],
  [{ type: 'string', minLength: 1 }, 'a non-empty string'],
  [{ type: 'string', pattern: '^/' }, 'a string matching `^/`'],
  [{ type: 'array', minItems: 1, items: { type: 'string' } }, 'a non-empty list of strings'],
  [{ type: 'object', additionalProperties: { type: 'string' } }, 'a mapping of strings'],
  [{ type: ['string', 'null'] }, 'a string or null'],
  [{ enum: ['a', 'b'] }, 'one of "a", "b"'],
  [{ const: 3 }, '3'],
  [{ 'x-expected': 'a port' }, 'a port'],
  [{ anyOf: [] }, 'a valid value'],
  [true, 'any value'],
];
for (const [schema, expected] of schemas) {
  test(`describeExpected → ${expected}`, () => assert.equal(describeExpected(schema), expected));
}

const values: [unknown, string][] = [
  ['two', '"two"'], [8080, '8080'], [null, 'null'], [[], 'an empty list'], [[1], 'a list of 1 item'],
  [{}, 'an empty mapping'], [{ a: 1 }, 'a mapping'], ['x'.repeat(50), `"${'x'.repeat(37)}..."`],
];
for (const [value, expected] of values) test(`describeValue → ${expected}`, () => assert.equal(describeValue(value), expected));
