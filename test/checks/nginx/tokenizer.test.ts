import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer, unescape, type Statement } from '../../../src/checks/nginx/tokenizer.ts';
import { where } from '../../fixtures/nginx/where.ts';

function statements(text: string): Statement[] {
  const tokenizer = new Tokenizer(text);
  const out: Statement[] = [];
  for (let s = tokenizer.next(); ; s = tokenizer.next()) {
    out.push(s);
    if (s.kind === 'eof' || s.kind === 'error') return out;
  }
}

/** Each statement as its words joined by `|`, then its terminator. */
function shape(text: string): string[] {
  return statements(text).map((s) => {
    if (s.kind === 'directive') return `${s.words.map((w) => w.value).join('|')}${s.end}`;
    if (s.kind === 'error') return `error: ${s.message} @${s.at.line}:${s.at.column}`;
    return s.kind === 'close' ? '}' : 'eof';
  });
}

function firstError(text: string): string {
  const error = statements(text).find((s) => s.kind === 'error');
  assert.ok(error?.kind === 'error', 'expected an error');
  return `${error.at.line}:${error.at.column}: ${error.message}`;
}

describe('tokenizer', () => {
  test('words, blocks and comments', () => {
    assert.deepEqual(shape('events {}\n# c ; {\nhttp { a b; }\n'), ['events{', '}', 'http{', 'a|b;', '}', 'eof']);
  });

  test('escapes inside quotes are applied; # ; { } inside quotes are text', () => {
    assert.deepEqual(shape(`return 200 "a \\"b\\" #c {d} e;";`), ['return|200|a "b" #c {d} e;;', 'eof']);
    assert.deepEqual(shape(`add_header 'it\\'s' "tab\\tnl\\n";`), ["add_header|it's|tab\tnl\n;", 'eof']);
    assert.equal(unescape('a\\x\\\\b'), 'a\\x\\b');
  });

  test('a backslash keeps a separator inside a bare word (and stays in the value)', () => {
    assert.deepEqual(shape('add_header X a\\;b;'), ['add_header|X|a\\;b;', 'eof']);
  });

  test('${var} does not open a block, at the start of a word or inside it', () => {
    assert.deepEqual(shape('return 200 ${host}x${uri};'), ['return|200|${host}x${uri};', 'eof']);
    assert.deepEqual(shape('return 200 $ {x};'), ['return|200|${', 'x};', 'eof']);
  });

  test('a "}" inside a bare word is part of it; "#" inside a word is not a comment', () => {
    assert.deepEqual(shape('location /a#b { return 200 a}; }'), ['location|/a#b{', 'return|200|a};', '}', 'eof']);
  });

  test('a quote directly followed by a word is an error at that character', () => {
    const text = 'events {}\nhttp { return 200 "ok"x; }';
    assert.equal(firstError(text), `${where(text, 'x;')}: unexpected "x"`);
  });

  test('a ")" right after a quote starts a new word', () => {
    assert.deepEqual(shape('if ($a = "b") { }'), ['if|($a|=|b|){', '}', 'eof']);
  });

  test('unexpected ";", "{" and "}" at their position', () => {
    const semi = 'events {};\n';
    assert.equal(firstError(semi), `${where(semi, ';')}: unexpected ";"`);
    const brace = 'http {\n  { }\n}';
    assert.equal(firstError(brace), `${where(brace, '{', 1)}: unexpected "{"`);
    const close = 'http {\n  listen 80 }\n';
    assert.equal(firstError(close), `${where(close, '}')}: unexpected "}"`);
  });

  test('end of file inside a statement or an open quote', () => {
    const text = 'events {}\nhttp { listen 80';
    assert.equal(firstError(text), `2:17: unexpected end of file, expecting ";" or "}"`);
    assert.match(firstError('return "abc'), /unexpected end of file/);
  });

  test('4096 bytes without a new word or comment are too long, as in nginx', () => {
    const quoted = `return 200 "${'x'.repeat(5000)}`;
    assert.equal(firstError(`${quoted}";`), `1:12: too long parameter, probably missing terminating """ character`);
    const comment = `#${'x'.repeat(5000)}\nevents {}`;
    assert.equal(firstError(comment), '1:1: too long parameter "#xxxxxxxxx..." started');
    const lines = `${`#${'x'.repeat(100)}\n`.repeat(60)}events {}`;
    assert.deepEqual(shape(lines), ['events{', '}', 'eof']);
  });

  test('positions of words are 1-based, a quoted word at its quote', () => {
    const text = 'a\n  "b" c;';
    const [first] = statements(text);
    assert.ok(first?.kind === 'directive');
    assert.deepEqual(first.words.map((w) => `${w.line}:${w.column}`), ['1:1', where(text, '"b"'), where(text, 'c;')]);
  });
});
