// Pure: the file a downwardAPI volume item `fieldRef: metadata.annotations` holds. kubelet writes
// it with fieldpath.FormatMap (k8s.io/kubernetes pkg/fieldpath): one `key="value"` line per
// annotation, keys sorted, the value quoted by Go's %q (strconv.Quote): \a \b \f \n \r \t \v \\ \"
// escaped, other control characters and invalid UTF-8 bytes as \xNN, other unprintable runes as
// \uNNNN or \UNNNNNNNN; printable Unicode as is. Keys never hold `=` (a qualified name), so the
// first `=` ends the key; an escaped newline keeps each annotation on one line.
import { HotcycleError } from '../../errors.ts';

const SIMPLE: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** The annotations by key; throws EANNOTATIONS on a line that is not `key="value"`. */
export function parseDownwardAnnotations(text: string): Map<string, string> {
  const annotations = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw malformed(i + 1, 'expected key="value"');
    annotations.set(line.slice(0, eq), unquote(line.slice(eq + 1), i + 1));
  }
  return annotations;
}

/** Go's strconv.Unquote of a double-quoted string, as bytes decoded as UTF-8. */
function unquote(quoted: string, line: number): string {
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) throw malformed(line, 'the value is not a quoted string');
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    const ch = body[i]!;
    if (ch === '"') throw malformed(line, 'an unescaped " inside the value');
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const escape = body[i + 1] ?? '';
    if (escape in SIMPLE) {
      bytes.push(SIMPLE[escape]!);
      i += 2;
    } else if (escape in HEX_DIGITS) {
      const digits = body.slice(i + 2, i + 2 + HEX_DIGITS[escape]!);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== HEX_DIGITS[escape]) throw malformed(line, `a bad \\${escape} escape`);
      const value = parseInt(digits, 16);
      if (escape === 'x') bytes.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) throw malformed(line, `\\${escape}${digits} is not a Unicode scalar value`);
      else bytes.push(...Buffer.from(String.fromCodePoint(value)));
      i += 2 + digits.length;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4)) && parseInt(body.slice(i + 1, i + 4), 8) <= 0xff) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      throw malformed(line, `an unknown escape \\${escape}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function malformed(line: number, why: string): HotcycleError {
  return new HotcycleError('config', 'EANNOTATIONS', `the pod annotations file, line ${line}: ${why}`);
}
