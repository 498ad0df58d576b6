// The body of an OpenResty `*_by_lua_block { … }` directive is Lua, not nginx syntax: the lua
// module reads it with its own lexer (`ngx_http_lua_conf_read_lua_token` and the generated
// `ngx_http_lua_lex`, lua-nginx-module src/ngx_http_lua_directive.c) and hands the text to Lua.
// This finds where that body ends the way that lexer does: at each position the first of
//   `--[=*[` long comment · `--` line comment · `[=*[` long string · "…" · '…' · `{` · `}`
// (a quoted string must close on its line, else its quote is plain text), counting braces
// outside strings and comments until the block's own `}`. What the Lua code means is Lua's
// business: nothing inside is judged. The module's buffer limits on one long token are not
// modelled (Debian's nginx has no lua module to measure them against): never a false rejection.

/** Directives whose block is Lua code, as lua-nginx-module and stream-lua-nginx-module name them. */
export const isLuaBlockDirective = (name: string): boolean => name.endsWith('_by_lua_block');

export type LuaScan =
  /** `end`: the index just past the block's closing `}`. */
  | { ok: true; end: number }
  /** `at`: the index the error is reported at; undefined for the block's own `{`. */
  | { ok: false; message: string; at?: number };

/** Scans from `from` (just past the block's `{`) to the `}` that closes it. */
export function scanLuaBlock(text: string, from: number): LuaScan {
  let level = 1;
  for (let i = from; i < text.length; ) {
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      const long = longBracket(text, i + 2);
      if (long === undefined) {
        i = lineEnd(text, i);
        continue;
      }
      const closed = closeLongBracket(text, long, i);
      if (!closed.ok) return closed;
      i = closed.end;
    } else if (ch === '[') {
      const long = longBracket(text, i);
      if (long === undefined) {
        i++;
        continue;
      }
      const closed = closeLongBracket(text, long, i);
      if (!closed.ok) return closed;
      i = closed.end;
    } else if (ch === '"' || ch === "'") {
      i = quotedEnd(text, i, ch);
    } else if (ch === '{') {
      level++;
      i++;
    } else if (ch === '}') {
      level--;
      i++;
      if (level === 0) return { ok: true, end: i };
    } else i++;
  }
  return { ok: false, message: 'unexpected end of file, expecting terminating characters for lua code block' };
}

/** `[=*[` at `i`: the index past it and its level (the number of `=`); undefined if none. */
function longBracket(text: string, i: number): { after: number; level: number } | undefined {
  if (text[i] !== '[') return undefined;
  let j = i + 1;
  while (text[j] === '=') j++;
  return text[j] === '[' ? { after: j + 1, level: j - i - 1 } : undefined;
}

function closeLongBracket(text: string, long: { after: number; level: number }, at: number): LuaScan {
  const closing = `]${'='.repeat(long.level)}]`;
  const end = text.indexOf(closing, long.after);
  if (end < 0) return { ok: false, message: `Lua code block missing the closing long bracket "${closing}", the inlined Lua code may be too long`, at };
  return { ok: true, end: end + closing.length };
}

/** Past a string closed on its own line; an unclosed quote is plain text (the lexer skips it). */
function quotedEnd(text: string, i: number, quote: string): number {
  for (let j = i + 1; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\n') return i + 1;
    if (ch === '\\') {
      if (text[j + 1] === '\n' || j + 1 >= text.length) return i + 1;
      j++;
    } else if (ch === quote) return j + 1;
  }
  return i + 1;
}

function lineEnd(text: string, i: number): number {
  const newline = text.indexOf('\n', i);
  return newline < 0 ? text.length : newline;
}
