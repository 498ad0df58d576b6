// Fuzzing the nginx syntax checker (issue 6): random and mutated config sets never make it
// throw or hang, and always end in [] or diagnostics located inside the set's files. Each
// property runs in a worker under a deadline (see bounded.ts), so a hang fails the test.

import { describe, test } from 'node:test';
import { runBounded } from './bounded.ts';

const PROPERTIES = new URL('./nginx-properties.ts', import.meta.url);
const DEADLINE_MS = 30_000;

describe('checkNginx under fuzzing', () => {
  for (const [name, property] of [
    ['mutated corpus sets: no throw, no hang, located diagnostics', 'mutatedCorpusIsLocated'],
    ['random token sets with includes, cycles and globs: located diagnostics', 'randomSetsAreLocated'],
    ['deterministic, whatever the order of the set', 'checkIsDeterministic'],
    ['nesting up to 10 000 levels: an answer, never a stack overflow', 'deepNestingIsLocated'],
    ['a clean config stays clean with comments and whitespace between tokens', 'cleanStaysCleanWithFiller'],
    ['examples: 10 000 nested blocks', 'deepNestingExamples'],
    ['examples: include graphs with exponentially many paths, and a 5 000-deep chain', 'includeGraphExamples'],
  ] as const) {
    test(name, () => runBounded(PROPERTIES, property, DEADLINE_MS));
  }
});
