// Where whitespace or a `# comment` can go in an nginx file without changing any token: just
// after whitespace that separates words, outside quotes, comments and escapes. A small model of
// `ngx_conf_read_token`, written apart from src/ so the checker is not its own oracle.

type State = 'start' | 'word' | 'quoted' | 'afterQuote' | 'comment';

const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

export function tokenGaps(text: string): number[] {
  const gaps = [0];
  let state: State = 'start';
  let quote = '';
  let variable = false;
  /** Whitespace at `i` separates words: the offset after it is a gap. */
  const gap = (i: number): State => {
    gaps.push(i + 1);
    return 'start';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (state === 'comment') {
      if (ch === '\n') state = gap(i);
    } else if (state === 'quoted') {
      if (ch === '\\') i++;
      else if (ch === quote) state = 'afterQuote';
    } else if (state === 'afterQuote') {
      // nginx wants a space, `;`, `{` or `)` after a closing quote; `)` starts a new word.
      if (isSpace(ch)) state = gap(i);
      else state = ch === ')' ? 'word' : 'start';
    } else if (state === 'start') {
      if (isSpace(ch)) state = gap(i);
      else if (ch === '#') state = 'comment';
      else if (ch === '"' || ch === "'") {
        state = 'quoted';
        quote = ch;
      }
      else if (ch !== ';' && ch !== '{' && ch !== '}') {
        state = 'word';
        variable = ch === '$';
        if (ch === '\\') i++;
      }
    } else {
      // In a word: `${` does not open a block, `\x` is part of the word, `}` too.
      if (ch === '{' && variable) continue;
      variable = ch === '$';
      if (ch === '\\') i++;
      else if (isSpace(ch)) state = gap(i);
      else if (ch === ';' || ch === '{') state = 'start';
    }
  }
  return gaps;
}
