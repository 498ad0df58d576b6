// The directive table as nginx's `ngx_conf_handler` consults it: find the row for a name in
// a context, then test the statement's terminator and argument count against its flags.

import { DIRECTIVES, type DirectiveRow, type EntriesKind, type NginxContext } from './directives.ts';

export interface DirectiveRule {
  name: string;
  contexts: ReadonlySet<string>;
  block: boolean;
  /** Whether `n` arguments (not counting the name) fit the NGX_CONF_* flags. */
  accepts: (n: number) => boolean;
  opens: NginxContext | EntriesKind | undefined;
}

/** NGX_CONF_MAX_ARGS: the name plus at most seven arguments for the TAKEn flags. */
const MAX_ARGS = 8;

const byName = indexRows(DIRECTIVES);

/** The rule for `name` in `context`; `undefined` with `known` true means "not allowed here". */
export function findRule(name: string, context: NginxContext): { rule?: DirectiveRule; known: boolean } {
  const rules = byName.get(name);
  if (!rules) return { known: false };
  return { rule: rules.find((r) => r.contexts.has(context)), known: true };
}

function indexRows(rows: readonly DirectiveRow[]): Map<string, DirectiveRule[]> {
  const index = new Map<string, DirectiveRule[]>();
  for (const [name, contexts, flags, opens] of rows) {
    const parts = flags.split('|');
    const rule: DirectiveRule = {
      name,
      contexts: new Set(contexts.split(' ')),
      block: parts.includes('BLOCK'),
      accepts: argumentRule(parts.filter((p) => p !== 'BLOCK')),
      opens,
    };
    index.set(name, [...(index.get(name) ?? []), rule]);
  }
  return index;
}

/** The argument-count branch of `ngx_conf_handler`, flag for flag. */
function argumentRule(flags: readonly string[]): (n: number) => boolean {
  if (flags.includes('ANY')) return () => true;
  if (flags.includes('FLAG')) return (n) => n === 1;
  if (flags.includes('1MORE')) return (n) => n >= 1;
  if (flags.includes('2MORE')) return (n) => n >= 2;
  const counts = new Set<number>();
  for (const flag of flags) {
    if (flag === 'NOARGS') counts.add(0);
    const take = /^TAKE(\d+)$/.exec(flag);
    for (const digit of take?.[1] ?? '') counts.add(Number(digit));
  }
  return (n) => n + 1 <= MAX_ARGS && counts.has(n);
}
