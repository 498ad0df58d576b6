// Findings about a config set that holds Secret content (DESIGN.md §9): every finding reaches
// logs, Events, status and `hotcycle check`, so none may carry a Secret's content.
//   (1) A finding in a file from a Secret source keeps its place (file:line:column) and checker,
//       but not its message, which may quote the line or a token of it (nginx's
//       `unknown directive "…"`, a command's output) — unless the checker's messages never
//       quote content (the tls check, the file-set reader).
//   (2) Any other finding (a check command's output above all) has every line of Secret content
//       it quotes replaced; lines shorter than MIN_LINE are too common to tell apart (`}`).
import type { Diagnostic } from '../diagnostic.ts';

const CONTENT_FREE = new Set(['tls', 'fileset']);
const MIN_LINE = 8;
export const WITHHELD = '[secret]';

export function redactSecrets(diagnostics: readonly Diagnostic[], set: ReadonlyMap<string, Buffer>, prefixes: readonly string[]): Diagnostic[] {
  if (prefixes.length === 0) return [...diagnostics];
  const isSecret = (file: string): boolean => prefixes.some((p) => file.startsWith(p));
  const lines = secretLines(set, isSecret);
  return diagnostics.map((d) => {
    if (isSecret(d.file) && !CONTENT_FREE.has(d.source)) {
      return { ...d, message: `${d.source} check failed here (message withheld: the file is from a Secret source)` }; // (1)
    }
    return { ...d, message: scrub(d.message, lines) }; // (2)
  });
}

function secretLines(set: ReadonlyMap<string, Buffer>, isSecret: (file: string) => boolean): string[] {
  const lines = new Set<string>();
  for (const [name, content] of set) {
    if (!isSecret(name)) continue;
    for (const line of content.toString('utf8').split(/\r?\n/)) if (line.trim().length >= MIN_LINE) lines.add(line.trim());
  }
  // Longest first, so a line that contains another is replaced whole.
  return [...lines].sort((a, b) => b.length - a.length);
}

function scrub(message: string, lines: readonly string[]): string {
  let out = message;
  for (const line of lines) if (out.includes(line)) out = out.split(line).join(WITHHELD);
  return out;
}
