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

function statement(name: string, args: number): string {
  const { rule } = findRule(name, 'main');
  const words = [name, ...Array.from({ length: args }, () => 'on')].join(' ');
  const block = DIRECTIVES.some(([n, , flags]) => n === name && flags.includes('BLOCK')) || rule?.block;
  return block ? `${words} { }` : `${words};`;
}

function probes(): Probe[] {
  const names = [...new Set(DIRECTIVES.filter(([, contexts]) => !contexts.startsWith('stream')).map(([n]) => n))];
  return names.flatMap((name) => CONTEXTS.flatMap((context) => {
    const { rule } = findRule(name, context);
    if (!rule) return [{ name, context, args: 1, expect: `"${name}" directive is not allowed here` }];
    return Array.from({ length: 9 }, (_, args) => ({
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
    const wrong = (await NginxRunner.map(all, 8, async (p) => {
      const wrap = WRAPPERS[p.context] ?? ((x: string) => x);
      const verdict = await runner.test(new Map([['nginx.conf', wrap(statement(p.name, p.args))]]));
      const got = STRUCTURAL.test(verdict.message) && verdict.message.includes(`"${p.name}"`) ? verdict.message : undefined;
      return got === p.expect ? '' : `${p.name} in ${p.context} with ${p.args} args: nginx "${got ?? verdict.message}", table "${p.expect ?? 'ok'}"`;
    })).filter(Boolean);
    t.diagnostic(`${all.length} probes, ${wrong.length} disagreements`);
    assert.deepEqual(wrong, []);
  });
});
