// Table: hotcycle.yaml texts and the exact findings, located at the text they must point at.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHotcycleConfig } from '../../src/config/load.ts';
import { positionOf } from './position.ts';

interface Case {
  name: string;
  text: string;
  file?: string;
  /** [the text the finding points at (or null for the whole file), which occurrence, the message] */
  expect: [string | null, number, string][];
}

const MIN = 'workers:\n  command: [node]\n';

const cases: Case[] = [
  { name: 'wrong type: a string for an integer', text: 'workers:\n  command: [node]\n  count: two\n',
    expect: [['two', 0, 'workers.count: expected an integer between 1 and 1024, got "two"']] },
  { name: 'out of range', text: 'workers:\n  command: [node]\n  shutdown: { timeoutMs: 0 }\n',
    expect: [['0 }', 0, 'workers.shutdown.timeoutMs: expected an integer between 1 and 3600000, got 0']] },
  { name: 'unknown top-level field with did-you-mean', text: `${MIN}listener: []\n`,
    expect: [['listener:', 0, 'listener: unknown field; did you mean `listeners`?']] },
  { name: 'unknown nested field with did-you-mean', text: 'workers:\n  comand: [node]\n',
    expect: [['workers', 0, 'workers.command: missing required field (expected a non-empty list of non-empty strings)'],
      ['comand', 0, 'workers.comand: unknown field; did you mean `command`?']] },
  { name: 'unknown field without a near miss lists the known ones', text: `${MIN}  shutdown: { color: red }\n`,
    expect: [['color', 0, 'workers.shutdown.color: unknown field (known fields: signal, timeoutMs)']] },
  { name: 'missing workers.command points at the workers mapping', text: 'listeners: []\nworkers:\n  count: 2\n',
    expect: [['workers', 0, 'workers.command: missing required field (expected a non-empty list of non-empty strings)']] },
  { name: 'missing workers at the top level', text: 'listeners: []\n',
    expect: [['listeners', 0, 'workers: missing required field (expected a mapping)']] },
  { name: 'empty file', text: '', expect: [[null, 0, 'the file is empty: expected a mapping with `workers`']] },
  { name: 'only comments', text: '# nothing yet\n\n', expect: [[null, 0, 'the file is empty: expected a mapping with `workers`']] },
  { name: 'top level is a list', text: '- workers\n',
    expect: [['- workers', 0, 'expected a mapping with `workers` at the top level, got a list']] },
  { name: 'env value not a string names the key', text: `${MIN}  env:\n    PORT: 8080\n    DEBUG: true\n`,
    expect: [['8080', 0, 'workers.env.PORT: expected a string, got 8080 (quote it to make it a string)'],
      ['true', 0, 'workers.env.DEBUG: expected a string, got true (quote it to make it a string)']] },
  { name: 'env key with =', text: `${MIN}  env: { "A=B": x }\n`,
    expect: [['"A=B"', 0, 'workers.env["A=B"]: invalid key, expected a variable name without `=`']] },
  { name: 'unknown signal', text: `${MIN}  shutdown: { signal: SIGKILL }\n`,
    expect: [['SIGKILL', 0, 'workers.shutdown.signal: expected one of "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", got "SIGKILL"']] },
  { name: 'unknown readiness mode', text: `${MIN}  readiness: { mode: polling }\n`,
    expect: [['polling', 0, 'workers.readiness.mode: expected one of "notify", "settle", got "polling"']] },
  { name: 'readiness without a mode', text: `${MIN}  readiness: { timeoutMs: 5 }\n`,
    expect: [['readiness', 0, 'workers.readiness.mode: missing required field (expected one of "notify", "settle")']] },
  { name: 'field of the other readiness mode', text: `${MIN}  readiness: { mode: settle, timeoutMs: 5 }\n`,
    expect: [['timeoutMs', 0, 'workers.readiness.timeoutMs: unknown field (known fields: mode, delayMs)']] },
  { name: 'empty command list', text: 'workers:\n  command: []\n',
    expect: [['[]', 0, 'workers.command: expected a non-empty list of non-empty strings, got an empty list']] },
  { name: 'empty value points at its key', text: 'workers:\n  command:\n',
    expect: [['command', 0, 'workers.command: expected a non-empty list of non-empty strings, got null']] },
  { name: 'bad listener name and address', text: `${MIN}listeners:\n  - { name: "a b", address: "8080" }\n`,
    expect: [['"a b"', 0, 'listeners[0].name: expected a name of letters, digits, `_`, `.` or `-`, got "a b"'],
      ['"8080"', 0, 'listeners[0].address: expected an address "host:port", "[v6]:port" or "unix:/path", got "8080"']] },
  { name: 'duplicate listener names and addresses', text: `${MIN}listeners:\n  - { name: http, address: ":80" }\n  - { name: http, address: ":80" }\n`,
    expect: [['http', 1, 'listeners[1].name: duplicate listener name "http" (first used by listeners[0])'],
      ['":80"', 0, 'listeners[0].address: invalid listener address ":80": the host must be a numeric IPv4 address or localhost (expected host:port (numeric IPv4 or localhost), [ipv6]:port, or unix:/absolute/path)'],
      ['":80"', 1, 'listeners[1].address: invalid listener address ":80": the host must be a numeric IPv4 address or localhost (expected host:port (numeric IPv4 or localhost), [ipv6]:port, or unix:/absolute/path)']] },
  { name: 'one listener address written twice', text: `${MIN}listeners:\n  - { name: a, address: "0.0.0.0:80" }\n  - { name: b, address: "0.0.0.0:80" }\n`,
    expect: [['"0.0.0.0:80"', 1, 'listeners[1].address: duplicate listener address "0.0.0.0:80" (first used by listeners[0])']] },
  ...[['v6 spellings', '[::1]:80', '[0::0:1]:80', 'tcp:[::1]:80'], ['localhost', '127.0.0.1:80', 'localhost:80', 'tcp:127.0.0.1:80'],
    ['unix paths', 'unix:/run/a.sock', 'unix:/run/x/../a.sock', 'unix:/run/a.sock']].map(([what, a, b, key]) => ({
    name: `one socket spelled two ways: ${what}`, text: `${MIN}listeners:\n  - { name: a, address: "${a}" }\n  - { name: b, address: "${b}" }\n`,
    expect: [[`"${b}"`, 0, `listeners[1].address: duplicate listener address "${b}" (first used by listeners[0], the same socket ${key})`]] as Array<[string, number, string]>,
  })),
  { name: 'a host name is no listener address', text: `${MIN}listeners:\n  - { name: web, address: "example.com:80" }\n`,
    expect: [['"example.com:80"', 0, 'listeners[0].address: invalid listener address "example.com:80": the host must be a numeric IPv4 address or localhost (expected host:port (numeric IPv4 or localhost), [ipv6]:port, or unix:/absolute/path)']] },
  { name: 'restart ceiling below its start', text: `${MIN}  restart: { backoffMs: 500, maxBackoffMs: 100 }\n`,
    expect: [['100', 0, 'workers.restart.maxBackoffMs: expected at least backoffMs (500), got 100']] },
  { name: 'checks: empty glob list and a typo', text: `${MIN}checks:\n  nginx: { files: [] }\n  command: []\n`,
    expect: [['[]', 0, 'checks.nginx.files: expected a glob or a non-empty list of globs, got an empty list'],
      ['command:', 1, 'checks.command: unknown field; did you mean `commands`?']] },
  { name: 'YAML: unclosed quote points at the opening quote', text: 'workers:\n  command: ["node", "server.js]\n  count: 2\n',
    expect: [['"server.js', 0, 'YAML syntax error: this quoted string is never closed']] },
  { name: 'YAML: bad indentation points at the misplaced key', text: 'workers:\n  command: [node]\n count: 2\n',
    expect: [['count', 0, 'YAML syntax error: All mapping items must start at the same column']] },
  { name: 'YAML: duplicate key', text: 'workers:\n  command: [node]\n  command: [deno]\n',
    expect: [['command', 1, 'duplicate key "command": keys must be unique']] },
  { name: 'YAML: alias without anchor', text: 'workers: *base\n',
    expect: [['*base', 0, 'YAML error: alias *base has no anchor &base before it']] },
  { name: 'JSON: schema error position', file: 'hotcycle.json', text: '{\n  "workers": {\n    "command": ["node"],\n    "count": "2"\n  }\n}\n',
    expect: [['"2"', 0, 'workers.count: expected an integer between 1 and 1024, got "2"']] },
  { name: 'JSON: trailing comma is a JSON syntax error', file: 'hotcycle.json', text: '{\n  "workers": {\n    "command": ["node"],\n  }\n}\n',
    expect: [['}', 0, 'JSON syntax error: Expected double-quoted property name']] },
  { name: 'JSON: duplicate key', file: 'hotcycle.json', text: '{"workers": {"command": ["a"]},\n "workers": {"command": ["b"]}}\n',
    expect: [['"workers"', 1, 'duplicate key "workers": keys must be unique']] },
];

for (const c of cases) {
  test(c.name, () => {
    const file = c.file ?? 'hotcycle.yaml';
    const expected = c.expect.map(([needle, nth, message]) => ({
      file, ...(needle === null ? { line: 0, column: 0 } : positionOf(c.text, needle, nth)), message, source: 'hotcycle',
    }));
    assert.deepEqual(checkHotcycleConfig(c.text, file), expected);
  });
}
