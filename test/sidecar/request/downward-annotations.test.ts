// The downward API's annotations file (kubelet's fieldpath.FormatMap, Go %q quoting) parsed by
// table: the lines as kubelet writes them, then a round trip through the test's own kubelet
// stand-in (test/helpers/kubelet.ts formatDownwardMap, written apart from the parser).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotcycleError } from '../../../src/errors.ts';
import { parseDownwardAnnotations } from '../../../src/sidecar/request/downward-annotations.ts';
import { formatDownwardMap } from '../../helpers/kubelet.ts';

describe('parseDownwardAnnotations', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['an empty file (no annotations)', '', {}],
    ['one annotation, no final newline', 'hotcycle.dev/reload-requested="2026-12-07T17:00:00.123Z"', { 'hotcycle.dev/reload-requested': '2026-12-07T17:00:00.123Z' }],
    ['several, and a trailing newline', 'a="1"\nb/c.d="two words"\n', { a: '1', 'b/c.d': 'two words' }],
    ['an empty value', 'a=""', { a: '' }],
    ['a value with = in it', 'a="x=y=z"', { a: 'x=y=z' }],
    ['quotes and backslashes', String.raw`a="say \"hi\" C:\\dir"`, { a: 'say "hi" C:\\dir' }],
    ['Go\'s one-letter escapes', String.raw`a="\a\b\f\n\r\t\v"`, { a: '\x07\b\f\n\r\t\v' }],
    ['a JSON value (kubectl.kubernetes.io/last-applied-configuration)', String.raw`k="{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n"`, { k: '{"apiVersion":"v1","kind":"Pod"}\n' }],
    ['printable Unicode as is', 'a="héllo wörld ✓ 😀"', { a: 'héllo wörld ✓ 😀' }],
    ['control characters as \\x', String.raw`a="\x01\x1f\x7f"`, { a: '\x01\x1f\x7f' }],
    ['unprintable runes as \\u and \\U', String.raw`a="zero\u200bwidth\U000e0001"`, { a: 'zero\u200bwidth\u{e0001}' }],
    ['a UTF-8 sequence as \\x bytes', String.raw`a="\xc3\xa9"`, { a: 'é' }],
    ['octal escapes (strconv.Unquote takes them)', String.raw`a="\101\060"`, { a: 'A0' }],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => assert.deepEqual(Object.fromEntries(parseDownwardAnnotations(text)), expected));
  }

  const bad: Array<[string, string, RegExp]> = [
    ['no =', 'just-a-key', /line 1: expected key="value"/],
    ['no key', '="v"', /line 1: expected key="value"/],
    ['an unquoted value', 'a=value', /line 1: the value is not a quoted string/],
    ['an unterminated value', 'a="value', /not a quoted string/],
    ['a quote inside', 'a="x"y"', /line 1: an unescaped "/],
    ['an unknown escape', String.raw`a="\q"`, /unknown escape \\q/],
    ['a short \\x', String.raw`a="\x4"`, /bad \\x escape/],
    ['a surrogate \\u', String.raw`a="\ud800"`, /not a Unicode scalar value/],
    ['a bad line after good ones', 'a="1"\nb="2"\nc', /line 3/],
  ];
  for (const [name, text, message] of bad) {
    test(`malformed: ${name}`, () => assert.throws(() => parseDownwardAnnotations(text), (e: unknown) => e instanceof HotcycleError && e.code === 'EANNOTATIONS' && message.test(e.message)));
  }

  test('the round trip through the kubelet stand-in\'s format', () => {
    const map = {
      'hotcycle.dev/reload-requested': '2026-12-07T17:00:00.123Z', 'hotcycle.dev/last-reload-outcome': 'failed: rejected 1a2b: nginx.conf:3:1 "x"',
      'example.com/multi-line': 'one\ntwo\r\n\tthree \\ "four"', 'x/unicode': 'ü ✓ 😀 \u200b \u{e0001} \x00 \x7f', empty: '',
    };
    const text = formatDownwardMap(map);
    assert.equal(text.split('\n').length, Object.keys(map).length, 'one line per annotation');
    assert.deepEqual(Object.fromEntries(parseDownwardAnnotations(text)), map);
  });
});
