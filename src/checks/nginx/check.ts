// The grammar pass over parsed files, in nginx's order: for each directive, is it known, is
// it allowed in this context, is it a block exactly when the table says so, does its argument
// count fit; `include` continues in the included file with the same context.
//
// Errors are collected, not stopped at, except where the structure itself is in doubt: after
// a directive that should have opened a block but did not (or the reverse), the braces that
// follow no longer mean what the author meant, so the rest of that file is not checked.

import type { Diagnostic } from '../diagnostic.ts';
import type { EntriesKind, NginxContext } from './directives.ts';
import { entryIncludes, entryProblem, isEntriesKind } from './entries.ts';
import { resolveInclude } from './includes.ts';
import type { DirectiveNode, ParsedFile } from './parser.ts';
import { findRule } from './rules.ts';
import type { Position } from './tokenizer.ts';

export interface CheckSettings {
  includeRoots: readonly string[];
  unknownDirectives: 'error' | 'ignore';
}

type Context = NginxContext | EntriesKind;
/** true: the rest of the file is not checked (see the header). */
type Halted = boolean;

export class GrammarChecker {
  readonly #set: ReadonlyMap<string, string>;
  readonly #settings: CheckSettings;
  readonly #parse: (file: string) => ParsedFile;
  readonly #found: Diagnostic[] = [];

  constructor(set: ReadonlyMap<string, string>, settings: CheckSettings, parse: (file: string) => ParsedFile) {
    this.#set = set;
    this.#settings = settings;
    this.#parse = parse;
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#found;
  }

  /** Checks `file` as if its text stood in `context`; `chain` is the include path to it. */
  checkFile(file: string, context: Context, chain: readonly string[] = [file]): void {
    const parsed = this.#parse(file);
    const halted = this.#walk(parsed.nodes, context, chain);
    // A parse error past a halt is the halt's echo (the `}` of a block that never opened).
    if (parsed.error && !halted) this.#report(file, parsed.error.at, parsed.error.message);
  }

  #walk(nodes: readonly DirectiveNode[], context: Context, chain: readonly string[]): Halted {
    for (const node of nodes) {
      const halted = isEntriesKind(context) ? this.#entry(node, context, chain) : this.#directive(node, context, chain);
      if (halted) return true;
    }
    return false;
  }

  #directive(node: DirectiveNode, context: NginxContext, chain: readonly string[]): Halted {
    const file = chain[chain.length - 1] ?? '';
    const { rule, known } = findRule(node.name, context);
    if (!known) {
      if (this.#settings.unknownDirectives === 'error') this.#report(file, node, `unknown directive "${node.name}"`);
      return false;
    }
    if (!rule) {
      this.#report(file, node, `"${node.name}" directive is not allowed here`);
      return false;
    }
    if (rule.block !== (node.end === '{')) {
      const message = rule.block ? `directive "${node.name}" has no opening "{"` : `directive "${node.name}" is not terminated by ";"`;
      this.#report(file, node, message);
      return true;
    }
    if (!rule.accepts(node.args.length)) this.#report(file, node, `invalid number of arguments in "${node.name}" directive`);
    else if (node.name === 'include') this.#include(node, context, chain);
    return node.children && rule.opens ? this.#walk(node.children, rule.opens, chain) : false;
  }

  #entry(node: DirectiveNode, kind: EntriesKind, chain: readonly string[]): Halted {
    const file = chain[chain.length - 1] ?? '';
    if (node.end === '{') {
      // nginx stops here; the parser has paired the braces, so nothing after it cascades.
      this.#report(file, node.endAt, 'unexpected "{"');
      return false;
    }
    const problem = entryProblem(kind, node);
    if (problem) this.#report(file, node, problem);
    else if (entryIncludes(kind, node)) this.#include(node, kind, chain);
    return false;
  }

  #include(node: DirectiveNode, context: Context, chain: readonly string[]): void {
    const file = chain[chain.length - 1] ?? '';
    const value = node.args[0]?.value ?? '';
    const target = resolveInclude(value, this.#set, this.#settings.includeRoots);
    if (target.kind === 'outside') return;
    if (target.kind === 'missing') {
      this.#report(file, node.args[0] ?? node, `open() "${value}" failed: "${target.path}" is not in the config set`);
      return;
    }
    for (const included of target.files) {
      if (chain.includes(included)) this.#report(file, node, `include cycle: ${[...chain, included].join(' -> ')}`);
      else this.checkFile(included, context, [...chain, included]);
    }
  }

  #report(file: string, at: Position, message: string): void {
    this.#found.push({ file, line: at.line, column: at.column, message, source: 'nginx' });
  }
}
