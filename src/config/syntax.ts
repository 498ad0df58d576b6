// Syntax errors of a YAML or JSON file as located diagnostics, pointing where a person would look:
// an unclosed quote at its opening quote, a duplicate key at the repeated key.
import { visit, type Document, type LineCounter, type YAMLError } from 'yaml';
import { errorMessage } from '../errors.ts';
import type { Diagnostic } from '../diagnostic.ts';

export interface SyntaxInput {
  text: string;
  file: string;
  source: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

const UNCLOSED_MESSAGE = 'YAML syntax error: this quoted string is never closed';

export function syntaxDiagnostics(input: SyntaxInput): Diagnostic[] {
  // A .json file is read by its consumer with a JSON parser: YAML-only syntax (comments, trailing
  // commas, bare words) must not pass just because YAML accepts it.
  if (input.file.endsWith('.json') && input.text.trim() !== '') {
    const json = jsonDiagnostic(input);
    if (json) return [json];
  }
  // The parser ran out of stack: where, and how often, depends on the caller's stack, not the text.
  if (input.doc.errors.some((error) => /Maximum call stack size exceeded/.test(error.message))) {
    return [located(input, undefined, 'YAML syntax error: nested too deeply to read')];
  }
  const errors = input.doc.errors.map((error) => yamlDiagnostic(error, input));
  // Past a string that never closes, the parser reads the rest of the file as its content:
  // later errors are echoes of the first.
  const unclosed = errors.findIndex((d) => d.message === UNCLOSED_MESSAGE);
  if (unclosed >= 0) return errors.slice(0, unclosed + 1);
  return errors.length > 0 ? errors : unresolvedAliases(input);
}

function located(input: SyntaxInput, offset: number | undefined, message: string): Diagnostic {
  if (offset === undefined) return { file: input.file, line: 0, column: 0, message, source: input.source };
  const { line, col } = input.lines.linePos(offset);
  return { file: input.file, line, column: col, message, source: input.source };
}

function yamlDiagnostic(error: YAMLError, input: SyntaxInput): Diagnostic {
  const offset = error.pos[0];
  if (error.code === 'DUPLICATE_KEY') {
    const key = scalarAt(input.doc, offset);
    return located(input, offset, `duplicate key${key === undefined ? '' : ` "${key}"`}: keys must be unique`);
  }
  if (error.code === 'MISSING_CHAR' && /quote/i.test(error.message)) {
    // The parser notices at the end of the input; the mistake is where the string opened.
    const start = openQuoteBefore(input.doc, offset);
    if (start !== undefined) return located(input, start, UNCLOSED_MESSAGE);
  }
  // An unclosed `[` or `{` is noticed on a later line; the mistake is the opening bracket.
  const flow = /^Flow (sequence|mapping) .* end with a ([\]}])/.exec(error.message);
  if (flow) {
    const start = unclosedBracketBefore(input.text, offset, flow[2] === ']' ? '[' : '{');
    if (start !== undefined) return located(input, start, `YAML syntax error: this flow ${flow[1]} is never closed with "${flow[2]}"`);
  }
  // Indentation errors are reported at the start of the line; the misplaced item is after the spaces.
  const at = error.code === 'BAD_INDENT' ? skipSpaces(input.text, offset) : offset;
  return located(input, at, `YAML syntax error: ${error.message}`);
}

function jsonDiagnostic(input: SyntaxInput): Diagnostic | undefined {
  try {
    JSON.parse(input.text);
    return undefined;
  } catch (error) {
    const message = errorMessage(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    const reason = message.replace(/ in JSON at position.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    const offset = position !== undefined ? Number(position) : /end of JSON/.test(message) ? input.text.length : undefined;
    return located(input, offset, `JSON syntax error: ${reason}`);
  }
}

/** The last `opener` before `offset` that no closer matched, skipping quoted text and comments. */
function unclosedBracketBefore(text: string, offset: number, opener: '[' | '{'): number | undefined {
  const open: { char: string; at: number }[] = [];
  let quote: string | null = null;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') while (i < offset && text[i] !== '\n') i++;
    else if (c === '[' || c === '{') open.push({ char: c, at: i });
    else if (c === ']' || c === '}') open.pop();
  }
  return open.findLast((o) => o.char === opener)?.at;
}

function skipSpaces(text: string, offset: number): number {
  let at = offset;
  while (text[at] === ' ') at++;
  return at < text.length ? at : offset;
}

function scalarAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if (node.range?.[0] === offset) {
        found = String(node.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function openQuoteBefore(doc: Document.Parsed, offset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range && node.range[0] < offset && node.range[2] >= offset) start = node.range[0];
    },
  });
  return start;
}

function unresolvedAliases(input: SyntaxInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  visit(input.doc, {
    Alias(_key, node) {
      if (node.resolve(input.doc) === undefined) {
        found.push(located(input, node.range?.[0], `YAML error: alias *${node.source} has no anchor &${node.source} before it`));
      }
    },
  });
  return found;
}
