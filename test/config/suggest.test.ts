import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editDistance, suggestName } from '../../src/config/suggest.ts';

const distances: [string, string, number][] = [
  ['', '', 0], ['', 'abc', 3], ['command', 'command', 0], ['comand', 'command', 1],
  ['commnad', 'command', 1], ['cmd', 'command', 4], ['kitten', 'sitting', 3],
];
for (const [a, b, expected] of distances) {
  test(`editDistance(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${expected}`, () => {
    assert.equal(editDistance(a, b), expected);
    assert.equal(editDistance(b, a), expected);
  });
}

const KEYS = ['count', 'command', 'cwd', 'env', 'readiness', 'shutdown', 'restart'];
const suggestions: [string, string | undefined][] = [
  ['comand', 'command'], ['Command', 'command'], ['readyness', 'readiness'], ['restrat', 'restart'],
  ['enf', 'env'], ['colour', undefined], ['x', undefined], ['shutdownTimeout', undefined],
];
for (const [name, expected] of suggestions) {
  test(`suggestName(${JSON.stringify(name)}) = ${String(expected)}`, () => {
    assert.equal(suggestName(name, KEYS), expected);
  });
}
