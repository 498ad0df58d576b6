// Oversized bodies get their 413 as JSON: one up to the discard cap is read to its end first,
// so a client still writing reads the answer instead of a reset; a larger announced one is
// answered at once.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { BODY_LIMIT } from '../../src/protocol/body.ts';
import { startControlServer, type ControlServer } from '../../src/protocol/server.ts';

let dir: string;
let server: ControlServer;
const handled: unknown[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotcycle-body-'));
  server = await startControlServer({
    socketPath: join(dir, 'c.sock'), logger: silentLogger(),
    routes: [{ method: 'POST', path: '/v1/echo', handle: async ({ body }) => (handled.push(body), { ok: true }) }],
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function post(body: Buffer, headers: Record<string, string | number> = {}): Promise<{ status: number; json: { error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: server.socketPath, method: 'POST', path: '/v1/echo', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a body just over the limit is read to its end and answered 413 with the error shape', async () => {
  for (let i = 0; i < 20; i++) {
    const { status, json } = await post(Buffer.alloc(BODY_LIMIT + 1 + i * 7919, 'a'));
    assert.equal(status, 413);
    assert.equal(json.error?.code, 'ETOOLARGE');
  }
  assert.deepEqual(handled, []);
});

test('content types are matched case-insensitively; a body at the limit is accepted', async () => {
  const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT - 20) }));
  assert.ok(body.length <= BODY_LIMIT);
  const { status } = await post(body, { 'content-type': 'Application/JSON; charset=utf-8' });
  assert.equal(status, 200);
  assert.equal(handled.length, 1);
});
