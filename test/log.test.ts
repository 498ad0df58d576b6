// src/log.ts writes the lines winston wrote (DESIGN.md §7): proven against winston itself, with
// the same options src/log.ts used to give it, on the same calls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import winston from 'winston';
import { createLogger, jsonLine, logRecord, textLine, type LogFields, type LogLevel } from '../src/log.ts';

/** What winston's json format made of a call, as src/log.ts configured it (timestamp pinned). */
function winstonJson(level: LogLevel, message: string, fields?: LogFields): Promise<string> {
  return new Promise((resolve) => {
    const stream = new Writable({ write(chunk: Buffer, _encoding, done) { resolve(chunk.toString().trim()); done(); } });
    const logger = winston.createLogger({
      level: 'silly', defaultMeta: { component: 'master' },
      format: winston.format.combine(winston.format.timestamp({ format: () => 'T' }), winston.format.json()),
      transports: [new winston.transports.Stream({ stream })],
    });
    logger.log(level, message, fields);
  });
}

const CALLS: [LogLevel, string, LogFields | undefined][] = [
  ['info', 'reload complete', { event: 'reload.ok', generation: 2, configHash: 'ab', durationMs: 12.5, zeta: [1, { b: 2, a: 1 }] }],
  ['error', 'reload failed', { event: 'reload.failed', message: 'in check', stack: 'Error: x\n    at y', cause: 'z' }],
  ['warn', 'no fields', undefined],
  ['debug', 'overrides', { component: 'sidecar', level: 'ignored', big: 12n, none: undefined }],
];

describe('log lines', () => {
  test('JSON: the same line winston writes for the same call (sorted keys, merged message, bigints as strings)', async () => {
    for (const [level, message, fields] of CALLS) {
      const ours = jsonLine({ ...logRecord('master', level, message, fields), timestamp: 'T' });
      assert.equal(ours, await winstonJson(level, message, fields), `${level} ${message}`);
    }
  });

  test('text: timestamp, component, level, message, then the fields in call order', () => {
    const record = { ...logRecord('sidecar', 'warn', 'published config ab', { event: 'config.published', generation: 3, files: ['a', 'b'] }), timestamp: 'T' };
    assert.equal(textLine(record), 'T sidecar warn published config ab event=config.published generation=3 files=["a","b"]');
  });

  test('levels: at most the logger\'s; an unknown level writes nothing, as winston did', () => {
    const run = (level: string) => spawnSync(process.execPath, ['--input-type=module', '-e', `
      const { createLogger } = await import(${JSON.stringify(new URL('../src/log.ts', import.meta.url).href)});
      const logger = createLogger({ component: 'master', level: ${JSON.stringify(level)} });
      for (const l of ['error', 'warn', 'info', 'debug']) logger[l](l, { event: l });`], { encoding: 'utf8' });
    const events = (level: string) => run(level).stderr.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event);
    assert.deepEqual(events('info'), ['error', 'warn', 'info']);
    assert.deepEqual(events('debug'), ['error', 'warn', 'info', 'debug']);
    assert.deepEqual(events('error'), ['error']);
    assert.deepEqual(events('trace'), []);
    assert.equal(typeof createLogger({ component: 'x' }).log, 'function');
  });
});
