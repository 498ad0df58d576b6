// The directive table against the real binary: for every http/core row, nginx must agree on
// where the directive is allowed and how many arguments it takes. Stream rows are not
// checked: Debian's `nginx` package has no stream module (libnginx-mod-stream is separate).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIRECTIVES, type NginxContext } from '../../../src/checks/nginx/directives.ts';
import { findRule } from '../../../src/checks/nginx/rules.ts';
import { NginxRunner } from '../../fixtures/nginx/nginx-t.ts';

const WRAPPERS: Readonly<Record<string, (x: string) => string>> = {
  main: (x) => `events {}\n${x}\n`,
  events: (x) => `events { ${x} }\n`,
  http: (x) => `events {}\nhttp { ${x} }\n`,
  server: (x) => `events {}\nhttp { server { ${x} } }\n`,
  location: (x) => `events {}\nhttp { server { location / { ${x} } } }\n`,
  sif: (x) => `events {}\nhttp { server { if ($host) { ${x} } } }\n`,
  lif: (x) => `events {}\nhttp { server { location / { if ($host) { ${x} } } } }\n`,
  limit_except: (x) => `events {}\nhttp { server { location / { limit_except GET { ${x} } } } }\n`,
  upstream: (x) => `events {}\nhttp { upstream u { ${x} } }\n`,
};
const CONTEXTS = Object.keys(WRAPPERS) as NginxContext[];
const STRUCTURAL = /is not allowed here|^unknown directive|invalid number of arguments|is not terminated by|has no opening/;

interface Probe { name: string; context: NginxContext; args: number; expect: string | undefined }

/** Argument counts probed in a directive's first context; elsewhere one fitting count. */
const COUNTS = [0, 1, 2, 3, 4, 5, 8];

function statement(p: Probe): string {
  const words = [p.name, ...Array.from({ length: p.args }, () => 'on')].join(' ');
  const block = findRule(p.name, p.context).rule?.block ?? DIRECTIVES.some(([n, , f]) => n === p.name && f.includes('BLOCK'));
  return block ? `${words} { }` : `${words};`;
}

function probes(): Probe[] {
  const rows = DIRECTIVES.filter(([name, contexts]) => name !== 'stream' && !contexts.startsWith('stream'));
  const names = [...new Set(rows.map(([n]) => n))];
  return names.flatMap((name) => CONTEXTS.flatMap((context, i) => {
    const { rule } = findRule(name, context);
    if (!rule) return [{ name, context, args: 1, expect: `"${name}" directive is not allowed here` }];
    const first = CONTEXTS.findIndex((c) => findRule(name, c).rule === rule) === i;
    const counts = first ? COUNTS : [COUNTS.find((n) => rule.accepts(n)) ?? 1];
    return counts.map((args) => ({
      name, context, args,
      expect: rule.accepts(args) ? undefined : `invalid number of arguments in "${name}" directive`,
    }));
  }));
}

describe('directive table vs nginx -t', () => {
  const runner = new NginxRunner();
  before(() => runner.open());
  after(() => runner.close());

  test('every http/core row agrees with the real binary on contexts and argument counts', async (t) => {
    const all = probes();
    const sets = all.map((p) => new Map([['nginx.conf', (WRAPPERS[p.context] ?? String)(statement(p))]]));
    const verdicts = await runner.testMany(sets);
    const wrong = all.flatMap((p, i) => {
      const message = verdicts[i]?.message ?? '';
      const got = STRUCTURAL.test(message) && message.includes(`"${p.name}"`) ? message : undefined;
      return got === p.expect ? [] : [`${p.name} in ${p.context} with ${p.args} args: nginx "${message}", table "${p.expect ?? 'ok'}"`];
    });
    t.diagnostic(`${all.length} probes, ${wrong.length} disagreements`);
    assert.deepEqual(wrong, []);
  });
});
