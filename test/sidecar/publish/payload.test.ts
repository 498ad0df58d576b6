// Tables taken from kubelet's atomic_writer_test.go (TestValidatePath, TestPathsToRemove), plus
// the cases our stricter payload check adds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HotcycleError } from '../../../src/errors.ts';
import { fileSetFrom } from '../../../src/configset/fileset.ts';
import { pathsToRemove, topLevelNames, validatePayload, validatePayloadPath } from '../../../src/sidecar/publish/payload.ts';

const isPayloadError = (error: unknown): boolean =>
  error instanceof HotcycleError && error.code === 'EPAYLOAD' && error.phase === 'publish';

describe('validatePayloadPath', () => {
  const cases: { name: string; path: string; valid: boolean }[] = [
    { name: 'valid 1', path: 'i/am/well/behaved.txt', valid: true },
    { name: 'valid 2', path: 'keepyourheaddownandfollowtherules.txt', valid: true },
    { name: 'dotfile', path: '.dotfile', valid: true },
    { name: 'dotdot inside a name', path: 'a/..b', valid: true },
    { name: 'max path length', path: 'a'.repeat(4097), valid: false },
    { name: 'max file length', path: 'a'.repeat(256), valid: false },
    { name: 'file length counts bytes', path: 'é'.repeat(128), valid: false },
    { name: 'absolute failure', path: '/dev/null', valid: false },
    { name: 'reserved path', path: '..sneaky.txt', valid: false },
    { name: 'reserved data dir', path: '..data', valid: false },
    { name: 'three dots', path: '...', valid: false },
    { name: 'contains doubledot 1', path: 'hello/there/../../../../../../etc/passwd', valid: false },
    { name: 'contains doubledot 2', path: 'hello/../etc/somethingbad', valid: false },
    { name: 'doubledot alone', path: '..', valid: false },
    { name: 'empty', path: '', valid: false },
    { name: 'NUL byte', path: 'a\0b', valid: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.valid) validatePayloadPath(c.path);
      else assert.throws(() => validatePayloadPath(c.path), isPayloadError);
    });
  }
});

describe('validatePayload', () => {
  test('cleans paths as filepath.Clean does', () => {
    const clean = validatePayload(fileSetFrom({ 'foo//bar.txt': 'x', './baz/': 'y', 'a/./b': 'z' }));
    assert.deepEqual([...clean.keys()], ['a/b', 'baz', 'foo/bar.txt']);
  });

  const refused: { name: string; files: Record<string, string>; message: RegExp }[] = [
    { name: 'a file and a directory at one path', files: { a: '1', 'a/b': '2' }, message: /lies under a, which is also a file/ },
    { name: 'two names that clean to one', files: { 'a/b': '1', 'a//b': '2' }, message: /same path as another entry/ },
    { name: 'a path that names no file', files: { './': '1' }, message: /must name a file/ },
    { name: 'an invalid path among valid ones', files: { foo: 'foo', '..bar': 'bar' }, message: /must not start with '\.\.'/ },
  ];
  for (const c of refused) {
    test(`refuses ${c.name}`, () => {
      assert.throws(() => validatePayload(fileSetFrom(c.files)), (error: unknown) => {
        assert.ok(isPayloadError(error));
        assert.match((error as Error).message, c.message);
        return true;
      });
    });
  }
});

describe('pathsToRemove', () => {
  const cases: { name: string; first: string[]; next: string[]; expected: string[] }[] = [
    { name: 'simple', first: ['foo.txt', 'bar.txt'], next: ['foo.txt'], expected: ['bar.txt'] },
    { name: 'simple 2', first: ['foo.txt', 'zip/bar.txt'], next: ['foo.txt'], expected: ['zip', 'zip/bar.txt'] },
    {
      name: 'subdirs 1',
      first: ['foo.txt', 'zip/zap/bar.txt'],
      next: ['foo.txt'],
      expected: ['zip', 'zip/zap', 'zip/zap/bar.txt'],
    },
    {
      name: 'subdirs 2',
      first: ['foo.txt', 'zip/1/2/3/4/bar.txt'],
      next: ['foo.txt'],
      expected: ['zip', 'zip/1', 'zip/1/2', 'zip/1/2/3', 'zip/1/2/3/4', 'zip/1/2/3/4/bar.txt'],
    },
    {
      name: 'subdirs 3',
      first: ['foo.txt', 'zip/1/2/3/4/bar.txt', 'zap/a/b/c/bar.txt'],
      next: ['foo.txt'],
      expected: [
        'zap', 'zap/a', 'zap/a/b', 'zap/a/b/c', 'zap/a/b/c/bar.txt',
        'zip', 'zip/1', 'zip/1/2', 'zip/1/2/3', 'zip/1/2/3/4', 'zip/1/2/3/4/bar.txt',
      ],
    },
    {
      name: 'subdirs 4',
      first: ['foo.txt', 'zap/1/2/3/4/bar.txt', 'zap/1/2/c/bar.txt', 'zap/1/2/magic.txt'],
      next: ['foo.txt', 'zap/1/2/magic.txt'],
      expected: ['zap/1/2/3', 'zap/1/2/3/4', 'zap/1/2/3/4/bar.txt', 'zap/1/2/c', 'zap/1/2/c/bar.txt'],
    },
    {
      name: 'subdirs 5',
      first: ['foo.txt', 'zap/1/2/3/4/bar.txt', 'zap/1/2/c/bar.txt'],
      next: ['foo.txt', 'zap/1/2/magic.txt'],
      expected: ['zap/1/2/3', 'zap/1/2/3/4', 'zap/1/2/3/4/bar.txt', 'zap/1/2/c', 'zap/1/2/c/bar.txt'],
    },
    { name: 'nothing removed', first: ['a', 'b/c'], next: ['a', 'b/c', 'd'], expected: [] },
    { name: 'file becomes directory', first: ['a'], next: ['a/b'], expected: [] },
    { name: 'directory becomes file', first: ['a/b'], next: ['a'], expected: ['a/b'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(pathsToRemove(c.first, c.next), c.expected));
  }
});

test('topLevelNames lists each first element once', () => {
  assert.deepEqual(topLevelNames(['bar', 'foo/bar', 'baz/bar', 'foo/baz/blah']), ['bar', 'foo', 'baz']);
});
