// The official nginx image's idiom, `access_log /dev/stdout;`, under a real
// `hotcycle master --driver nginx`: nginx's stdout is a real pipe (a socketpair, Node's
// 'pipe' stdio, fails open() with ENXIO), so `nginx -t`, the start and every reload open
// it, and each request's access-log line reaches hotcycle's output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { Harness, type LogEntry } from '../fixtures/nginx-driver/harness.ts';

const server = (port: number, body: string) => `log_format probe 'probe $request_uri $status';
  server { listen 127.0.0.1:${port}; access_log /dev/stdout probe; location / { return 200 "${body}\\n"; } }`;

const accessLine = (uri: string) => (e: LogEntry) => e.event === 'nginx.output' && e.stream === 'stdout' && e.message === `probe ${uri} 200`;

describe('nginx driver: access_log /dev/stdout', () => {
  let h: Harness;
  let port: number;

  before(async () => ({ h, port } = await Harness.serving((p) => server(p, 'one'))));
  after(() => h.close());

  test('nginx starts, serves, and its access-log line reaches hotcycle\'s output', async () => {
    assert.equal((await fetchText(port, '/first')).body, 'one\n');
    await h.waitForLog(accessLine('/first'));
  });

  test('a reload passes nginx -t, and the new workers log to the same stdout', async () => {
    await h.writeConf(server(port, 'two'));
    const result = await h.reload();
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal((await fetchText(port, '/second')).body, 'two\n');
    await h.waitForLog(accessLine('/second'));
    assert.ok(!h.logs.some((e) => /No such device or address/.test(e.message)), h.logText());
  });
});
