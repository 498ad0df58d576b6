// The /proc parsing the master and the tests share: stat fields past a hostile `comm`, and the
// fd links of a live process.
import assert from 'node:assert/strict';
import { openSync, closeSync } from 'node:fs';
import { test } from 'node:test';
import { fdLinks, statFields } from '../../src/process/procfs.ts';

test('statFields: field N is at N - 3, whatever comm holds', () => {
  const cases: { stat: string; state: string; starttime: string }[] = [
    { stat: '42 (nginx) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 4567 1000 100', state: 'S', starttime: '4567' },
    { stat: '43 (a) b (c) R 1 43 43 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 89 1000 100', state: 'R', starttime: '89' },
    { stat: '44 (x y) ) Z 1 44 44 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 1000 100', state: 'Z', starttime: '7' },
  ];
  for (const c of cases) {
    const fields = statFields(c.stat);
    assert.equal(fields[0], c.state, c.stat);
    assert.equal(fields[22 - 3], c.starttime, c.stat);
  }
});

test('fdLinks: names what each fd of a live process points to; a gone process rejects', async () => {
  const fd = openSync('/dev/null', 'r');
  try {
    assert.ok((await fdLinks(process.pid)).includes('/dev/null'));
  } finally {
    closeSync(fd);
  }
  await assert.rejects(fdLinks(2 ** 22 + 1), { code: 'ENOENT' });
});
