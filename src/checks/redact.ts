// Findings about a config set that holds Secret content (DESIGN.md §9): every finding reaches
// logs, Events, annotations, status and `hotcycle check`, so none may carry a Secret's content.
// Findings of checkers whose messages never quote content (the tls check, the file-set reader)
// are kept as they are. Of the others:
//   (1) A finding in a file from a Secret source keeps its place (file:line:column) and checker,
//       but not its message, which may quote the line or any token of it, however short
//       (nginx's `unknown directive "…"`, a command's output).
//   (2) Any other finding has the Secret content it quotes replaced by [secret]: every line of a
//       Secret file, every word of one (between blanks, quotes and `;{}(),=`), and every quoted
//       string of the message that a Secret file holds — nginx quotes the value it could not use
//       (`cannot load certificate "…"`, `host not found in upstream "…"`), a command anything.
//       Words and quoted strings that a file from no Secret source also holds are not secret (a
//       directive's name, a shared path); text shorter than MIN_CONTENT is too common to tell
//       apart (`}`, `on`). Case is ignored: nginx lowercases host names.
//   (3) A finding that said nowhere (line 0) and quoted Secret content is placed where that
//       content is, file:line:column: nginx does not say which line named a missing certificate.
import type { Diagnostic } from '../diagnostic.ts';

const CONTENT_FREE = new Set(['tls', 'fileset']);
const MIN_CONTENT = 8;
const WORD = /[^\s"'`;{}(),=]+/g;
const QUOTED = /"([^"]+)"|'([^']+)'/g;
export const WITHHELD = '[secret]';

/** Secret text and where it first appears; a word or quoted value may be public too, a line may not. */
interface Place { text: string; file: string; line: number; column: number; maybePublic: boolean }

interface SecretContent {
  /** Lines and words, longest first, so text that contains another is replaced whole. */
  known: Place[];
  files: ReadonlyMap<string, string>;
  isPublic: (text: string) => boolean;
}

export function redactSecrets(diagnostics: readonly Diagnostic[], set: ReadonlyMap<string, Buffer>, prefixes: readonly string[]): Diagnostic[] {
  if (prefixes.length === 0 || diagnostics.length === 0) return [...diagnostics];
  const isSecret = (file: string): boolean => prefixes.some((p) => file.startsWith(p));
  const secret = secretContent(set, isSecret);
  return diagnostics.map((d) => {
    if (CONTENT_FREE.has(d.source)) return d;
    if (isSecret(d.file)) return { ...d, message: `${d.source} check failed here (message withheld: the file is from a Secret source)` }; // (1)
    const { message, first } = scrub(d.message, secret); // (2)
    return first && d.line === 0 ? { ...d, message, file: first.file, line: first.line, column: first.column } : { ...d, message }; // (3)
  });
}

function secretContent(set: ReadonlyMap<string, Buffer>, isSecret: (file: string) => boolean): SecretContent {
  const files = new Map<string, string>();
  const publicTexts: string[] = [];
  for (const [name, content] of set) {
    if (isSecret(name)) files.set(name, content.toString('utf8'));
    else publicTexts.push(content.toString('utf8').toLowerCase());
  }
  const known = new Map<string, Place>();
  const add = (place: Place): void => void (known.has(place.text.toLowerCase()) || known.set(place.text.toLowerCase(), place));
  for (const [file, text] of files) {
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line.length >= MIN_CONTENT) add({ text: line, file, line: index + 1, column: raw.indexOf(line) + 1, maybePublic: false });
      for (const word of raw.matchAll(WORD)) {
        if (word[0].length >= MIN_CONTENT) add({ text: word[0], file, line: index + 1, column: word.index + 1, maybePublic: true });
      }
    }
  }
  return {
    known: [...known.values()].sort((a, b) => b.text.length - a.text.length),
    files,
    // Asked only of text a message holds: a few strings, not every word of every Secret file.
    isPublic: (text) => publicTexts.some((t) => t.includes(text.toLowerCase())),
  };
}

/** (2) The message with Secret content replaced, and where the first replaced text came from. */
function scrub(message: string, secret: SecretContent): { message: string; first?: Place } {
  let out = message;
  let first: Place | undefined;
  const replace = (place: Place): void => {
    if (!out.toLowerCase().includes(place.text.toLowerCase())) return; // cheaper than a RegExp per place
    if (place.maybePublic && secret.isPublic(place.text)) return;
    const replaced = out.replace(new RegExp(escapeRegExp(place.text), 'gi'), WITHHELD);
    if (replaced !== out) first ??= place;
    out = replaced;
  };
  for (const place of secret.known) replace(place);
  for (const quoted of out.matchAll(QUOTED)) {
    const text = quoted[1] ?? quoted[2] ?? '';
    if (text.length < MIN_CONTENT || text.includes(WITHHELD)) continue;
    const place = locate(text, secret.files);
    if (place) replace(place);
  }
  return first ? { message: out, first } : { message: out };
}

/** Where `text` first appears in a Secret file (case ignored), or undefined. */
function locate(text: string, files: ReadonlyMap<string, string>): Place | undefined {
  const wanted = text.toLowerCase();
  for (const [file, content] of files) {
    for (const [index, line] of content.split(/\r?\n/).entries()) {
      const column = line.toLowerCase().indexOf(wanted);
      if (column >= 0) return { text, file, line: index + 1, column: column + 1, maybePublic: true };
    }
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
