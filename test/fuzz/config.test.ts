// Fuzzing the hotcycle.yaml loader (issue 6): checkHotcycleConfig never throws, parse throws
// only ConfigError, diagnostics are located, accepted ⇔ no diagnostics, accepted configs are
// normalised and deeply frozen, and alias bombs and huge files neither hang nor exhaust memory.
// Each property runs in a worker under a deadline (see bounded.ts), so a hang fails the test.

import { describe, test } from 'node:test';
import { runBounded } from './bounded.ts';

const PROPERTIES = new URL('./config-properties.ts', import.meta.url);
const DEADLINE_MS = 30_000;

describe('hotcycle.yaml loader under fuzzing', () => {
  for (const [name, property] of [
    ['valid configs as YAML and JSON are accepted, normalised and frozen', 'validConfigsAreAccepted'],
    ['mutated valid configs: accept or located ConfigError', 'mutatedConfigsKeepTheContract'],
    ['random JSON values as YAML and JSON: accept or located ConfigError', 'randomJsonValuesKeepTheContract'],
    ['random text: accept or located ConfigError', 'randomTextKeepsTheContract'],
    ['alias bombs of any size and shape are rejected or bounded', 'aliasBombsAreBounded'],
    ['examples: billion laughs, a 1 MiB file, 20 000 nested lists', 'resourceExhaustionExamples'],
    ['examples: positions after a scalar the parser could not place', 'positionExamples'],
  ] as const) {
    test(name, () => runBounded(PROPERTIES, property, DEADLINE_MS));
  }
});
