// The rules JSON Schema cannot state, checked on a schema-valid config with the same located
// diagnostics: listener names are unique, every listener address parses (config/address.ts,
// the one parser) and no two name the same socket, the restart backoff ceiling is not below its
// start. The loader is the one boundary: the master and the sidecar get addresses already
// parsed and keyed.
import type { Diagnostic } from '../diagnostic.ts';
import { HotcycleError } from '../errors.ts';
import { canonicalKey } from './address.ts';
import { formatPath } from './describe.ts';
import type { LocatedDocument } from './locate.ts';
import type { RawChecksConfig } from './types.ts';

export function ruleDiagnostics(raw: RawChecksConfig, document: LocatedDocument, source: string): Diagnostic[] {
  return [
    ...uniqueListenerNames(raw, document, source),
    ...listenerAddresses(raw, document, source),
    ...backoffOrder(raw, document, source),
  ];
}

function uniqueListenerNames(raw: RawChecksConfig, document: LocatedDocument, source: string): Diagnostic[] {
  const keys = (raw.listeners ?? []).map((listener) => listener.name);
  return duplicates(keys, (index, first) => {
    const path = ['listeners', index, 'name'];
    const name = JSON.stringify(keys[index]);
    return document.diagnostic(path, 'value', `${formatPath(path)}: duplicate listener name ${name} (first used by ${formatPath(['listeners', first])})`, source);
  });
}

function listenerAddresses(raw: RawChecksConfig, document: LocatedDocument, source: string): Diagnostic[] {
  const listeners = raw.listeners ?? [];
  const found: Diagnostic[] = [];
  const keys = listeners.map(({ address }, index) => {
    try {
      return canonicalKey(address);
    } catch (error) {
      if (!(error instanceof HotcycleError)) throw error;
      const path = ['listeners', index, 'address'];
      found.push(document.diagnostic(path, 'value', `${formatPath(path)}: ${error.message} (${error.detail ?? 'expected host:port'})`, source));
      return undefined;
    }
  });
  found.push(...duplicates(keys, (index, first) => {
    const path = ['listeners', index, 'address'];
    const address = listeners[index]!.address;
    const spelling = address === listeners[first]!.address ? '' : `, the same socket ${keys[index]}`;
    return document.diagnostic(path, 'value', `${formatPath(path)}: duplicate listener address ${JSON.stringify(address)} (first used by ${formatPath(['listeners', first])}${spelling})`, source);
  }));
  return found;
}

/** One finding per repeated value (undefined values are skipped), naming the first index. */
function duplicates(values: ReadonlyArray<string | undefined>, finding: (index: number, first: number) => Diagnostic): Diagnostic[] {
  const firstIndex = new Map<string, number>();
  const found: Diagnostic[] = [];
  values.forEach((value, index) => {
    if (value === undefined) return;
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else found.push(finding(index, first));
  });
  return found;
}

function backoffOrder(raw: RawChecksConfig, document: LocatedDocument, source: string): Diagnostic[] {
  const { backoffMs, maxBackoffMs } = raw.workers?.restart ?? {};
  if (backoffMs === undefined || maxBackoffMs === undefined || maxBackoffMs >= backoffMs) return [];
  const path = ['workers', 'restart', 'maxBackoffMs'];
  return [document.diagnostic(path, 'value', `${formatPath(path)}: expected at least backoffMs (${backoffMs}), got ${maxBackoffMs}`, source)];
}
