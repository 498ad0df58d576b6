// The entries of blocks that a module reads itself through `cf->handler` (types, map, geo,
// split_clients, charset_map): not directives, so never "unknown", but each handler has its
// own argument rule and message, and none of them accepts a nested block.

import type { EntriesKind, NginxContext } from './directives.ts';
import type { DirectiveNode } from './parser.ts';

const KINDS: ReadonlySet<string> = new Set<EntriesKind>(['types', 'map', 'geo', 'split_clients', 'charset_map']);

/** Handlers that treat an `include` entry as nginx's `include`. */
const INCLUDING: ReadonlySet<string> = new Set<EntriesKind>(['types', 'map', 'geo']);

export function isEntriesKind(context: NginxContext | EntriesKind): context is EntriesKind {
  return KINDS.has(context);
}

export function entryIncludes(kind: EntriesKind, node: DirectiveNode): boolean {
  return INCLUDING.has(kind) && node.name === 'include' && node.args.length === 1;
}

/** nginx's message for an entry with the wrong number of words, or `undefined`. */
export function entryProblem(kind: EntriesKind, node: DirectiveNode): string | undefined {
  const words = node.args.length + 1;
  const only = words === 1 ? node.name : undefined;
  switch (kind) {
    case 'types':
      return node.name === 'include' && words !== 2 ? 'invalid number of arguments in "include" directive' : undefined;
    case 'map':
      return words === 2 || only === 'hostnames' || only === 'volatile' ? undefined : 'invalid number of the map parameters';
    case 'geo':
      return words === 2 || only === 'ranges' || only === 'proxy_recursive' ? undefined : 'invalid number of the geo parameters';
    case 'charset_map':
      return words === 2 ? undefined : 'invalid parameters number';
    case 'split_clients':
      return undefined;
  }
}
