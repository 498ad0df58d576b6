// PEM as OpenSSL's PEM_read_bio reads it (crypto/pem/pem_lib.c, 3.0), the reader nginx uses for
// certificates and keys, so that what it refuses is refused here and what it reads is read:
//   (1) a UTF-8 BOM at the start of the file is dropped; every line loses its trailing
//       whitespace (CR included);
//   (2) a block starts at a line that *begins* with `-----BEGIN ` and ends with `-----`; any
//       other line outside a block is text and skipped (an indented BEGIN is text too);
//   (3) inside, the lines before a first blank line are headers (`Proc-Type`, `DEK-Info` of a
//       legacy encrypted key), and so is every line of a block with a `:` and no blank line;
//       after the blank line, base64 lines are 64 columns; a second blank line is an error;
//   (4) the block ends at a line that begins with `-----END `, which must be exactly
//       `-----END <label>-----` ("bad end line" otherwise: two files concatenated without a final
//       newline leave `-----END CERTIFICATE----------BEGIN CERTIFICATE-----`);
//   (5) the body is base64 (spaces and tabs ignored, whole quartets, padding only at the end).
// OpenSSL reads blocks one by one and stops at the first bad one, so the blocks before an error
// are returned with it: a key file is read only up to its key.

export interface PemBlock {
  label: string;
  /** Header lines (legacy encrypted keys), without the blank line that ends them; '' if none. */
  header: string;
  der: Buffer;
  /** 1-based line of the BEGIN line. */
  line: number;
}

export interface PemRead {
  blocks: PemBlock[];
  /** Why reading stopped before the end of the file. */
  error?: string;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const TAIL = '-----';
const BOM = '\u00ef\u00bb\u00bf'; // EF BB BF read as latin1

export function readPem(content: Buffer): PemRead {
  const text = content.toString('latin1');
  const lines = (text.startsWith(BOM) ? text.slice(BOM.length) : text).split('\n').map(trimControl); // (1)
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith(BEGIN) || !line.endsWith(TAIL) || line.length < BEGIN.length + TAIL.length) continue; // (2)
    const block = readBlock(lines, i, line.slice(BEGIN.length, -TAIL.length));
    if ('error' in block) {
      const error = block.error === TRUNCATED ? truncation(lines.slice(i)) : block.error;
      return { blocks, error };
    }
    blocks.push(block.block);
    i = block.next - 1;
  }
  return { blocks };
}

const TRUNCATED = 'truncated';

/** (1) Without trailing bytes up to the space, as OpenSSL strips them (CR, tabs, NUL). */
function trimControl(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) <= 0x20) end--;
  return line.slice(0, end);
}

type BlockRead = { block: PemBlock; next: number } | { error: string };

/** (3)–(5) One block from its BEGIN line at `start`. */
function readBlock(lines: readonly string[], start: number, label: string): BlockRead {
  const header: string[] = [];
  let data: string[] = [];
  let state: 'maybe' | 'header' | 'post' = 'maybe';
  let short = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') {
      if (state === 'post') return { error: `line ${i + 1}: a second blank line inside the ${label} block begun on line ${start + 1} (OpenSSL: bad end line)` };
      header.push(...data);
      data = [];
      state = 'post';
      continue;
    }
    if (line.startsWith(END)) {
      if (line !== `${END}${label}${TAIL}`) return { error: badEnd(line, label, i, start) };
      // A block whose header never ended keeps every line as header, as OpenSSL's does.
      const body = state === 'header' ? [] : data;
      const der = decodeBase64(body.join(''));
      if (der === undefined) return { error: `the ${label} block begun on line ${start + 1} is not valid base64 (OpenSSL: bad base64 decode)` };
      return { block: { label, header: (state === 'header' ? [...header, ...data] : header).join('\n'), der, line: start + 1 }, next: i + 1 };
    }
    if (state === 'maybe' && line.includes(':')) state = 'header';
    // After a header OpenSSL wants 64-column lines, only the last one shorter.
    if (state === 'post' && (line.length > 64 || short)) return { error: `line ${i + 1}: the ${label} block begun on line ${start + 1} has a header, and then base64 lines must be 64 columns, only the last shorter (OpenSSL: bad end line)` };
    short = state === 'post' && line.length < 64;
    data.push(line);
  }
  return { error: TRUNCATED };
}

function badEnd(line: string, label: string, at: number, start: number): string {
  const where = `line ${at + 1}: the END line of the ${label} block begun on line ${start + 1}`;
  if (line.startsWith(`${END}${label}${TAIL}`)) {
    return `${where} goes on past its closing dashes (files joined without a final newline?); OpenSSL and nginx refuse it (bad end line)`;
  }
  return `${where} does not match its BEGIN line; OpenSSL and nginx refuse it (bad end line)`;
}

/** The wording of an unterminated file: how many BEGIN lines from the first open one have no END. */
function truncation(rest: readonly string[]): string {
  const begins = rest.filter((l) => l.startsWith(BEGIN)).length;
  const ends = rest.filter((l) => l.startsWith(END)).length;
  return `truncated PEM: ${Math.max(1, begins - ends)} BEGIN line(s) without their END`;
}

/** (5) EVP_DecodeUpdate's rules: blanks and `-` skipped, whole quartets, `=` only at the end. */
function decodeBase64(body: string): Buffer | undefined {
  const compact = body.replace(/[ \t\r-]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, 'base64');
}
