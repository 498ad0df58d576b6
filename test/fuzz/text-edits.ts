// Random edits of a text as plain data, so fast-check can shrink them: insertions of the bytes
// a parser cares about, deletions, duplications, truncation. Offsets are taken modulo the
// current length, so any edit applies to any text.

import fc from 'fast-check';

export type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

export function applyEdit(text: string, edit: Edit): string {
  const at = edit.at % (text.length + 1);
  switch (edit.kind) {
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length);
    case 'duplicate':
      return text.slice(0, at + edit.length) + text.slice(at, at + edit.length) + text.slice(at + edit.length);
    case 'truncate':
      return text.slice(0, at);
  }
}

export const applyEdits = (text: string, edits: readonly Edit[]): string => edits.reduce(applyEdit, text);

/** Text to insert: `special` tokens, random code points (lone surrogates included), long runs. */
export function insertion(special: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...special) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...special), maxLength: 12 }) },
    { weight: 1, arbitrary: fc.integer({ min: 3_000, max: 9_000 }).map((n) => 'a'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom('\uD800', '\uDFFF', '\u0000', '\uFEFF', '\u2028', '😀') },
  );
}

export function edit(special: readonly string[]): fc.Arbitrary<Edit> {
  const at = fc.nat({ max: 1 << 20 });
  const length = fc.integer({ min: 1, max: 200 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, text: insertion(special) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at, length }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
  );
}
