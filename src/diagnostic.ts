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
  /** A notice informs and rejects nothing; absent means an error. */
  severity?: 'error' | 'notice';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column > 0 ? d.column : 1}` : d.file;
  return `${where}: ${d.message}`;
}
