// nginx's lexer, ported state for state from `ngx_conf_read_token` (src/core/ngx_conf_file.c,
// as in 1.22): one call reads one statement — its words, then how it ended (`;`, `{`, `}` or
// end of file). Faithfulness matters more than elegance here: the sidecar must accept exactly
// what `nginx -t` accepts, quirks included (`a}` is one word, `"a")` is two, `${x}` does not
// open a block).
//
// "Too long": nginx reads through a 4096-byte buffer and keeps, at each refill, the bytes from
// `start` on; a buffer full of them is the error. `start` moves to every character read between
// words (spaces and newlines included) and stays at a word's, a quote's or a `#` comment's
// first byte while it lasts. So the rule is: 4096 *bytes* of UTF-8 from `start` with more of the
// file left to read. Between two words any amount of whitespace is fine; a 4096-byte word,
// quoted string or comment line is not.

import { scanLuaBlock } from './lua.ts';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units of the line. */
  column: number;
}

export interface Word extends Position {
  /** The word with nginx's escapes applied (`\"`, `\'`, `\\`, `\t`, `\r`, `\n`). */
  value: string;
  quoted: boolean;
}

export type Statement =
  | { kind: 'directive'; words: Word[]; end: ';' | '{'; endAt: Position }
  | { kind: 'close'; at: Position }
  | { kind: 'eof'; at: Position }
  | { kind: 'error'; message: string; at: Position };

type StatementError = Extract<Statement, { kind: 'error' }>;

/** NGX_CONF_BUFFER: nginx reads a file through a buffer of this size. */
const CONF_BUFFER = 4096;

const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

/** The per-statement flags of `ngx_conf_read_token`, same names. */
interface State {
  words: Word[];
  /** Index of `start` in the text, its byte offset in UTF-8 (for the buffer rule), its position. */
  start: number;
  startByte: number;
  startAt: Position;
  wordQuoted: boolean;
  needSpace: boolean;
  lastSpace: boolean;
  sharpComment: boolean;
  variable: boolean;
  quoted: boolean;
  sQuoted: boolean;
  dQuoted: boolean;
}

export class Tokenizer {
  readonly #text: string;
  #i = 0;
  /** UTF-8 byte offset of `#i`. */
  #byte = 0;
  #line = 1;
  #column = 1;

  constructor(text: string) {
    this.#text = text;
  }

  /** Reads the next statement; an error ends the text, as nginx stops reading at its first one. */
  next(): Statement {
    const s: State = {
      words: [], start: this.#i, startByte: this.#byte, startAt: this.#at(), wordQuoted: false, needSpace: false, lastSpace: true,
      sharpComment: false, variable: false, quoted: false, sQuoted: false, dQuoted: false,
    };
    for (;;) {
      if (this.#i >= this.#text.length) {
        if (s.words.length > 0 || !s.lastSpace) return this.#error('unexpected end of file, expecting ";" or "}"', this.#at());
        return { kind: 'eof', at: this.#at() };
      }
      // The refill that finds the buffer full of bytes since `start` (see the header).
      if (this.#byte - s.startByte >= CONF_BUFFER) return this.#tooLong(s);
      const at = this.#at();
      const ch = this.#read();
      const result = this.#step(s, ch, at);
      if (result) return result;
    }
  }

  #step(s: State, ch: string, at: Position): Statement | undefined {
    if (ch === '\n') s.sharpComment = false;
    if (s.sharpComment) return undefined;
    if (s.quoted) {
      s.quoted = false;
      return undefined;
    }
    if (s.needSpace) {
      if (isSpace(ch)) {
        s.lastSpace = true;
        s.needSpace = false;
        return undefined;
      }
      if (ch === ';' || ch === '{') return { kind: 'directive', words: s.words, end: ch, endAt: at };
      if (ch !== ')') return this.#error(`unexpected "${ch}"`, at);
      // `if ($a = "b")`: a ")" right after a quote starts a new word.
      s.lastSpace = true;
      s.needSpace = false;
    }
    return s.lastSpace ? this.#wordStart(s, ch, at) : this.#inWord(s, ch, at);
  }

  #wordStart(s: State, ch: string, at: Position): Statement | undefined {
    // nginx moves `start` to every character it reads between words, whitespace included.
    s.start = this.#i - 1;
    s.startByte = this.#byte - utf8Length(ch);
    s.startAt = at;
    if (isSpace(ch)) return undefined;
    s.wordQuoted = false;
    switch (ch) {
      case ';':
      case '{':
        if (s.words.length === 0) return this.#error(`unexpected "${ch}"`, at);
        return { kind: 'directive', words: s.words, end: ch, endAt: at };
      case '}':
        if (s.words.length !== 0) return this.#error('unexpected "}"', at);
        return { kind: 'close', at };
      case '#':
        s.sharpComment = true;
        return undefined;
      case '\\':
        s.quoted = true;
        break;
      case '$':
        s.variable = true;
        break;
      case '"':
      case "'":
        s.start++;
        s.startByte++;
        s.wordQuoted = true;
        if (ch === '"') s.dQuoted = true;
        else s.sQuoted = true;
        break;
    }
    s.lastSpace = false;
    return undefined;
  }

  #inWord(s: State, ch: string, at: Position): Statement | undefined {
    if (ch === '{' && s.variable) return undefined;
    s.variable = false;
    if (ch === '\\') {
      s.quoted = true;
      return undefined;
    }
    if (ch === '$') {
      s.variable = true;
      return undefined;
    }
    let found = false;
    if (s.dQuoted || s.sQuoted) {
      if (ch === (s.dQuoted ? '"' : "'")) {
        s.dQuoted = s.sQuoted = false;
        s.needSpace = true;
        found = true;
      }
    } else if (isSpace(ch) || ch === ';' || ch === '{') {
      s.lastSpace = true;
      found = true;
    }
    if (!found) return undefined;
    const raw = this.#text.slice(s.start, this.#i - 1);
    s.words.push({ value: unescape(raw), quoted: s.wordQuoted, ...s.startAt });
    if (ch === ';' || ch === '{') return { kind: 'directive', words: s.words, end: ch, endAt: at };
    return undefined;
  }

  #tooLong(s: State): Statement {
    if (s.dQuoted || s.sQuoted) {
      const q = s.dQuoted ? '"' : "'";
      return this.#error(`too long parameter, probably missing terminating "${q}" character`, s.startAt);
    }
    return this.#error(`too long parameter "${firstBytes(this.#text.slice(s.start, s.start + 10), 10)}..." started`, s.startAt);
  }

  /**
   * Past the body of a Lua block whose `{` the last statement ended with (see lua.ts): the
   * lua module's lexer, not nginx's, reads up to the block's closing `}`.
   */
  skipLuaBlock(openAt: Position): { kind: 'lua'; at: Position } | StatementError {
    const scan = scanLuaBlock(this.#text, this.#i);
    if (scan.ok) {
      this.#advanceTo(scan.end);
      return { kind: 'lua', at: this.#at() };
    }
    if (scan.at === undefined) return this.#error(scan.message, openAt);
    this.#advanceTo(scan.at);
    return this.#error(scan.message, this.#at());
  }

  #advanceTo(index: number): void {
    while (this.#i < index) this.#read();
  }

  #error(message: string, at: Position): StatementError {
    this.#i = this.#text.length; // nginx stops reading the file at its first error
    return { kind: 'error', message, at };
  }

  #read(): string {
    const ch = this.#text[this.#i++] ?? '';
    this.#byte += utf8Length(ch);
    if (ch === '\n') {
      this.#line++;
      this.#column = 1;
    } else {
      this.#column++;
    }
    return ch;
  }

  #at(): Position {
    return { line: this.#line, column: this.#column };
  }
}

/** Bytes of one UTF-16 code unit in UTF-8: a surrogate pair is 4, counted on its first half. */
function utf8Length(unit: string): number {
  const code = unit.charCodeAt(0);
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return 4;
  return code >= 0xdc00 && code <= 0xdfff ? 0 : 3;
}

/** nginx's `%*s` with a byte count: at most `max` bytes of `text`, never half a character. */
function firstBytes(text: string, max: number): string {
  let bytes = 0;
  let end = 0;
  while (end < text.length && bytes + utf8Length(text[end] ?? '') <= max) bytes += utf8Length(text[end++] ?? '');
  return text.slice(0, end);
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };

/** The copy loop at the end of `ngx_conf_read_token`: other backslashes stay as they are. */
export function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] ?? '';
    const replacement = ch === '\\' ? ESCAPES[raw[i + 1] ?? ''] : undefined;
    if (replacement === undefined) {
      out += ch;
    } else {
      out += replacement;
      i++;
    }
  }
  return out;
}
