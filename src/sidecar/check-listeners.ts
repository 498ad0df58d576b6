// Listener addresses, checked the way the master's plan phase parses them (one parser:
// config/address.ts), so a version whose address cannot be opened is rejected before it is
// published, not rolled back after. Also two listeners on one canonical address.
import type { Diagnostic } from '../checks/diagnostic.ts';
import type { HotcycleConfig } from '../config/types.ts';
import { HotcycleError } from '../errors.ts';
import { canonicalKey } from '../config/address.ts';

export function checkListeners(config: HotcycleConfig, text: string, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const owners = new Map<string, string>();
  for (const listener of config.listeners) {
    const at = { file, ...position(text, listener.address), source: 'hotcycle' };
    try {
      const key = canonicalKey(listener.address);
      const other = owners.get(key);
      if (other) diagnostics.push({ ...at, message: `listeners "${other}" and "${listener.name}" are the same address ${key}` });
      else owners.set(key, listener.name);
    } catch (error) {
      if (!(error instanceof HotcycleError)) throw error;
      diagnostics.push({ ...at, message: `listener "${listener.name}": ${error.message} (expected ${error.detail ?? 'host:port'})` });
    }
  }
  return diagnostics;
}

/** Where the address is written (its first occurrence); the whole file when not found. */
function position(text: string, value: string): { line: number; column: number } {
  const offset = text.indexOf(value);
  if (offset < 0) return { line: 0, column: 0 };
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
