// The grammar pass over parsed files, in nginx's order: for each directive, is it known, is
// it allowed in this context, is it a block exactly when the table says so, does its argument
// count fit; `include` continues in the included file with the same context.
//
// Errors are collected, not stopped at, except where the structure itself is in doubt: after
// a directive that should have opened a block but did not (or the reverse), the braces that
// follow no longer mean what the author meant, so the rest of that file is not checked.
//
// Bounded work on any input: blocks are walked with an explicit stack (nginx accepts nesting
// deeper than the JS stack), a file is checked once per context however many include paths
// reach it (a glob that includes itself has factorially many), and include chains stop at
// MAX_INCLUDE_DEPTH (nginx keeps every file of the chain open and runs out of descriptors).

import type { Diagnostic } from '../../diagnostic.ts';
import type { EntriesKind, NginxContext } from './directives.ts';
import { entryIncludes, entryProblem, isEntriesKind } from './entries.ts';
import { resolveInclude, type IncludeScope } from './includes.ts';
import type { DirectiveNode, ParsedFile } from './parser.ts';
import { findRule } from './rules.ts';
import type { Position } from './tokenizer.ts';

export interface CheckSettings {
  scope: IncludeScope;
  unknownDirectives: 'error' | 'ignore';
}

type Context = NginxContext | EntriesKind;
/** true: the rest of the file is not checked (see the header). */
type Halted = boolean;
/** After one directive: stop the file, go on, or walk a block's contents next. */
type Step = 'halt' | 'next' | Block;
interface Block { nodes: readonly DirectiveNode[]; context: Context }

export const MAX_INCLUDE_DEPTH = 200;

export class GrammarChecker {
  readonly #set: ReadonlyMap<string, string>;
  readonly #settings: CheckSettings;
  readonly #parse: (file: string) => ParsedFile;
  readonly #found: Diagnostic[] = [];
  readonly #checked = new Set<string>();
  readonly #reached = new Set<string>();

  constructor(set: ReadonlyMap<string, string>, settings: CheckSettings, parse: (file: string) => ParsedFile) {
    this.#set = set;
    this.#settings = settings;
    this.#parse = parse;
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#found;
  }

  /** The files checked so far, in any context: those nginx reads. */
  get reached(): ReadonlySet<string> {
    return this.#reached;
  }

  /** Checks `file` as if its text stood in `context`; `chain` is the include path to it. */
  checkFile(file: string, context: Context, chain: readonly string[] = [file]): void {
    // Checked already in this context: the same findings again (deduplicated by the caller).
    const key = `${context}\0${file}`;
    if (this.#checked.has(key)) return;
    this.#checked.add(key);
    this.#reached.add(file);
    const parsed = this.#parse(file);
    const halted = this.#walk(parsed.nodes, context, chain);
    // A parse error past a halt is the halt's echo (the `}` of a block that never opened).
    if (parsed.error && !halted) this.#report(file, parsed.error.at, parsed.error.message);
  }

  #walk(nodes: readonly DirectiveNode[], context: Context, chain: readonly string[]): Halted {
    const open: (Block & { next: number })[] = [{ nodes, context, next: 0 }];
    for (let block = open.at(-1); block; block = open.at(-1)) {
      const node = block.nodes[block.next++];
      if (!node) {
        open.pop();
        continue;
      }
      const step = isEntriesKind(block.context) ? this.#entry(node, block.context, chain) : this.#directive(node, block.context, chain);
      if (step === 'halt') return true;
      if (step !== 'next') open.push({ ...step, next: 0 });
    }
    return false;
  }

  #directive(node: DirectiveNode, context: NginxContext, chain: readonly string[]): Step {
    const file = chain[chain.length - 1] ?? '';
    const { rule, known } = findRule(node.name, context);
    if (!known) {
      if (this.#settings.unknownDirectives === 'error') this.#report(file, node, `unknown directive "${node.name}"`);
      return 'next';
    }
    if (!rule) {
      this.#report(file, node, `"${node.name}" directive is not allowed here`);
      return 'next';
    }
    if (rule.block !== (node.end === '{')) {
      const message = rule.block ? `directive "${node.name}" has no opening "{"` : `directive "${node.name}" is not terminated by ";"`;
      this.#report(file, node, message);
      return 'halt';
    }
    if (!rule.accepts(node.args.length)) this.#report(file, node, `invalid number of arguments in "${node.name}" directive`);
    else if (node.name === 'include') this.#include(node, context, chain);
    return node.children && rule.opens ? { nodes: node.children, context: rule.opens } : 'next';
  }

  #entry(node: DirectiveNode, kind: EntriesKind, chain: readonly string[]): Step {
    const file = chain[chain.length - 1] ?? '';
    if (node.end === '{') {
      // nginx stops here; the parser has paired the braces, so nothing after it cascades.
      this.#report(file, node.endAt, 'unexpected "{"');
      return 'next';
    }
    const problem = entryProblem(kind, node);
    if (problem) this.#report(file, node, problem);
    else if (entryIncludes(kind, node)) this.#include(node, kind, chain);
    return 'next';
  }

  #include(node: DirectiveNode, context: Context, chain: readonly string[]): void {
    const file = chain[chain.length - 1] ?? '';
    const value = node.args[0]?.value ?? '';
    const target = resolveInclude(value, this.#set, this.#settings.scope);
    if (target.kind === 'outside') {
      this.#report(file, node.args[0] ?? node, `include "${value}" is outside the config set: left to nginx -t`, 'notice');
      return;
    }
    if (target.kind === 'missing') {
      this.#report(file, node.args[0] ?? node, `open() "${value}" failed: "${target.path}" is not in the config set`);
      return;
    }
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      this.#report(file, node, `include nested deeper than ${MAX_INCLUDE_DEPTH} files`);
      return;
    }
    for (const included of target.files) {
      if (chain.includes(included)) this.#report(file, node, `include cycle: ${[...chain, included].join(' -> ')}`);
      else this.checkFile(included, context, [...chain, included]);
    }
  }

  #report(file: string, at: Position, message: string, severity?: 'notice'): void {
    this.#found.push({ file, line: at.line, column: at.column, message, source: 'nginx', ...(severity ? { severity } : {}) });
  }
}
