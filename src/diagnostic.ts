// A located finding of a config check: what every checker returns and every report prints,
// in the `file:line:column: message` form compilers and nginx use.

export interface Diagnostic {
  /** Path relative to the config set's root, e.g. `nginx.conf` or `conf.d/app.conf`. */
  file: string;
  /** 1-based; 0 when the finding concerns the whole file. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  message: string;
  /** Which checker found it: `hotcycle`, `schema`, `nginx`, `command`. */
  source: string;
  /**
   * Absent or `error`: the version is refused. `notice`: something an operator should know
   * (a file nginx never reads, an include left to `nginx -t`) that refuses nothing.
   */
  severity?: 'error' | 'notice';
}

export const isNotice = (d: Diagnostic): boolean => d.severity === 'notice';

/** The findings that refuse a version. */
export const errorsOf = (found: readonly Diagnostic[]): Diagnostic[] => found.filter((d) => !isNotice(d));

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column > 0 ? d.column : 1}` : d.file;
  return `${where}: ${isNotice(d) ? 'notice: ' : ''}${d.message}`;
}
