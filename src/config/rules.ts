// The rules JSON Schema cannot state, checked on a schema-valid config with the same located
// diagnostics: listener names and addresses are unique, the restart backoff ceiling is not
// below its start.
import type { Diagnostic } from '../checks/diagnostic.ts';
import { formatPath } from './describe.ts';
import type { LocatedDocument } from './locate.ts';
import type { RawHotcycleConfig } from './types.ts';

export function ruleDiagnostics(raw: RawHotcycleConfig, document: LocatedDocument, source: string): Diagnostic[] {
  return [
    ...uniqueListenerFields(raw, 'name', document, source),
    ...uniqueListenerFields(raw, 'address', document, source),
    ...backoffOrder(raw, document, source),
  ];
}

function uniqueListenerFields(raw: RawHotcycleConfig, field: 'name' | 'address', document: LocatedDocument, source: string): Diagnostic[] {
  const firstIndex = new Map<string, number>();
  const found: Diagnostic[] = [];
  (raw.listeners ?? []).forEach((listener, index) => {
    const first = firstIndex.get(listener[field]);
    if (first === undefined) {
      firstIndex.set(listener[field], index);
      return;
    }
    const path = ['listeners', index, field];
    const message = `${formatPath(path)}: duplicate listener ${field} ${JSON.stringify(listener[field])} (first used by ${formatPath(['listeners', first])})`;
    found.push(document.diagnostic(path, 'value', message, source));
  });
  return found;
}

function backoffOrder(raw: RawHotcycleConfig, document: LocatedDocument, source: string): Diagnostic[] {
  const { backoffMs, maxBackoffMs } = raw.workers.restart ?? {};
  if (backoffMs === undefined || maxBackoffMs === undefined || maxBackoffMs >= backoffMs) return [];
  const path = ['workers', 'restart', 'maxBackoffMs'];
  return [document.diagnostic(path, 'value', `${formatPath(path)}: expected at least backoffMs (${backoffMs}), got ${maxBackoffMs}`, source)];
}
