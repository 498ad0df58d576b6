// A configuration that cannot be used: the located findings travel with the error, so the master
// can return them in a reload result and the CLI can print them one per line.
import { HotcycleError, type ErrorCode } from '../errors.ts';
import { formatDiagnostic, type Diagnostic } from '../diagnostic.ts';

export class ConfigError extends HotcycleError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, message: string, diagnostics: readonly Diagnostic[], options: { cause?: unknown } = {}) {
    super('config', code, message, { detail: diagnostics.map(formatDiagnostic).join('\n'), cause: options.cause });
    this.name = 'ConfigError';
    this.diagnostics = Object.freeze([...diagnostics]);
  }
}
