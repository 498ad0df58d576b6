// Parsing with positions: every config-like file (hotcycle.yaml, a user's JSON or YAML) is read
// through the YAML parser, which also reads JSON (JSON is YAML 1.2), so a finding about any value
// can be reported at the line and column of the node that holds it.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { errorMessage } from '../errors.ts';
import type { Diagnostic } from '../diagnostic.ts';
import { syntaxDiagnostics } from './syntax.ts';

export type PathSegment = string | number;

/**
 * Which part of a field a finding points at: `value` is the node itself (a wrong type), `key` is
 * the key that names it (an unknown field; a mapping missing a field), falling back to the value
 * where there is no key (the top level, a list item).
 */
export type Target = 'key' | 'value';

export interface Position { line: number; column: number }

export class LocatedDocument {
  readonly file: string;
  /** The document as plain data; `null` for an empty file. */
  readonly value: unknown;
  /** True when the file holds nothing but whitespace and comments. */
  readonly empty: boolean;
  #doc: Document.Parsed;
  #lines: LineCounter;

  constructor(file: string, doc: Document.Parsed, lines: LineCounter, value: unknown) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.value = value;
    this.empty = doc.contents === null;
  }

  /** Line and column (1-based) of the node at `path`, or of its deepest existing ancestor. */
  position(path: readonly PathSegment[], target: Target = 'value'): Position {
    const { node, key } = this.#walk(path);
    const keyStart = rangeStart(key);
    const valueStart = rangeStart(node);
    // An empty value (`count:` with nothing after it) has no text of its own: point at its key.
    const offset = target === 'key' || isEmptyScalar(node) ? (keyStart ?? valueStart) : (valueStart ?? keyStart);
    return this.at(offset ?? 0);
  }

  at(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  diagnostic(path: readonly PathSegment[], target: Target, message: string, source: string): Diagnostic {
    return { file: this.file, ...this.position(path, target), message, source };
  }

  #walk(path: readonly PathSegment[]): { node: unknown; key: unknown } {
    let node: unknown = this.#doc.contents;
    let key: unknown;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        [node, key] = [pair.value, pair.key];
      } else if (isSeq(node) && node.items[Number(segment)] !== undefined) {
        [node, key] = [node.items[Number(segment)], undefined];
      } else {
        break;
      }
    }
    return { node, key };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
    const start: unknown = node.range[0];
    return typeof start === 'number' ? start : undefined;
  }
  return undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1] && node.range != null;
}

export interface ParseResult {
  /** Present when the text parsed; absent when `diagnostics` holds syntax errors. */
  document?: LocatedDocument;
  diagnostics: Diagnostic[];
}

/**
 * Line starts taken from the text itself, not from the parser: its LineCounter misses the newlines
 * inside a multi-line scalar it could not place, and every later position would shift.
 */
function lineStartsOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/** Parses YAML or JSON keeping positions. `.json` files must also be strict JSON. */
export function parseLocated(text: string, file: string, source: string): ParseResult {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lines = lineStartsOf(text);
  const diagnostics = syntaxDiagnostics({ text, file, source, doc, lines });
  if (diagnostics.length > 0) return { diagnostics };
  try {
    return { document: new LocatedDocument(file, doc, lines, doc.toJS({ maxAliasCount: 100 })), diagnostics: [] };
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when the document is converted.
    const message = errorMessage(error);
    return { diagnostics: [{ file, line: 0, column: 0, message: `YAML error: ${message}`, source }] };
  }
}
