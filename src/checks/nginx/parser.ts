// Statements → a tree of directives with positions, the way `ngx_conf_parse` pairs braces for
// one file: every file is parsed on its own (an included file must close what it opens), and
// the first lexical or brace error ends the file — past it nginx reads nothing, and guessing
// would only produce cascades. The body of a Lua block is read by the lua module, not by
// nginx (lua.ts): its node has no children.

import { isLuaBlockDirective } from './lua.ts';
import { Tokenizer, type Position, type Word } from './tokenizer.ts';

export interface DirectiveNode extends Position {
  name: string;
  args: Word[];
  /** `{` for a block (then `children` is set), `;` for a simple directive. */
  end: ';' | '{';
  endAt: Position;
  children?: DirectiveNode[];
}

export interface ParseError {
  message: string;
  at: Position;
}

export interface ParsedFile {
  nodes: DirectiveNode[];
  /** The error that ended parsing early, if any; `nodes` holds everything before it. */
  error?: ParseError;
}

export function parseNginx(text: string): ParsedFile {
  const tokenizer = new Tokenizer(text);
  const root: DirectiveNode[] = [];
  const open: DirectiveNode[][] = [root];
  for (;;) {
    const statement = tokenizer.next();
    const current = open[open.length - 1] ?? root;
    switch (statement.kind) {
      case 'directive': {
        const node = toNode(statement.words, statement.end, statement.endAt);
        current.push(node);
        if (!node.children) break;
        if (!isLuaBlockDirective(node.name)) {
          open.push(node.children);
          break;
        }
        const body = tokenizer.skipLuaBlock(statement.endAt);
        if (body.kind === 'error') return { nodes: root, error: { message: body.message, at: body.at } };
        break;
      }
      case 'close':
        if (open.length === 1) return { nodes: root, error: { message: 'unexpected "}"', at: statement.at } };
        open.pop();
        break;
      case 'eof':
        if (open.length > 1) return { nodes: root, error: { message: 'unexpected end of file, expecting "}"', at: statement.at } };
        return { nodes: root };
      case 'error':
        return { nodes: root, error: { message: statement.message, at: statement.at } };
    }
  }
}

function toNode(words: Word[], end: ';' | '{', endAt: Position): DirectiveNode {
  const [first, ...args] = words;
  // The tokenizer never ends a statement with no words: `;` or `{` alone is an error there.
  const head = first ?? { value: '', quoted: false, ...endAt };
  const node: DirectiveNode = { name: head.value, line: head.line, column: head.column, args, end, endAt };
  if (end === '{') node.children = [];
  return node;
}
