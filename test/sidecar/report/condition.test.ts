// What the Pod condition hotcycle.dev/config-applied says for each set of the pod's facts
// (src/sidecar/report/condition.ts), and when a write is due.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideConfigApplied, sameCondition, type ConditionFacts, type ConfigApplied } from '../../../src/sidecar/report/condition.ts';
import { WHY_LIMIT } from '../../../src/sidecar/report/why.ts';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const LG = 'c3'.repeat(32);
const FINDING = { text: 'nginx.conf:3:5: unknown directive "proxy_pas"', tail: ' (+1 more)' };
const REFUSED = { text: 'failed in phase start: worker 1 exited with code 1 before it was ready', tail: ' [EWORKEREXIT]' };
const NO_SCRATCH = { text: 'failed in phase check: cannot create a scratch directory in /tmp: EROFS', tail: ' [ESCRATCH]' };

const facts = (extra: Partial<ConditionFacts>): ConditionFacts => ({
  source: B, running: A, published: A, lastGood: '', rejected: null, reloadFailed: null, checkError: null, rollout: null, ...extra,
});
const False = (reason: ConfigApplied['reason'], message: string): ConfigApplied => ({ status: 'False', reason, message });
/** The pod serves an older version, as every pod does for a verdict they all reach: still in service. */
const True = (reason: ConfigApplied['reason'], message: string): ConfigApplied => ({ status: 'True', reason, message });

describe('the condition hotcycle.dev/config-applied from the pod\'s facts', () => {
  const cases: Array<[string, Partial<ConditionFacts>, ConfigApplied | null]> = [
    ['the master runs the source\'s version', { running: B, published: B }, { status: 'True', reason: 'Applied', message: 'config b2b2b2b2b2b2 applied' }],
    ['the same under a rollout', { running: B, published: B, rollout: { bad: '' } }, { status: 'True', reason: 'Applied', message: 'config b2b2b2b2b2b2 applied' }],
    ['nothing read yet: nothing to say', { source: '', running: '', published: '' }, null],
    ['a version on its way (published, the master not yet answered): nothing new to say', { published: B }, null],
    ['the first version on its way at the pod\'s start', { running: '', published: B }, null],
    ['without a rollout, accepted and about to be published: nothing new to say', {}, null],
    ['rejected by the checks: the first finding, and what the pod serves',
      { rejected: FINDING }, True('Rejected', 'config b2b2b2b2b2b2 rejected: nginx.conf:3:5: unknown directive "proxy_pas" (+1 more); serving a1a1a1a1a1a1')],
    ['rejected at the pod\'s start, the last good config served instead',
      { rejected: FINDING, running: LG, published: LG, lastGood: LG },
      True('Rejected', 'config b2b2b2b2b2b2 rejected: nginx.conf:3:5: unknown directive "proxy_pas" (+1 more); serving the last good config c3c3c3c3c3c3')],
    ['rejected, nothing to serve', { rejected: FINDING, running: '', published: '' },
      False('Rejected', 'config b2b2b2b2b2b2 rejected: nginx.conf:3:5: unknown directive "proxy_pas" (+1 more); serving nothing yet')],
    ['a source that cannot be read before any version was', { source: '', running: '', published: '', rejected: { text: 'source: ENOENT', tail: '' } },
      False('Rejected', 'config (unreadable) rejected: source: ENOENT; serving nothing yet')],
    ['refused by the master, the previous version put back', { reloadFailed: REFUSED },
      False('ReloadFailed', 'config b2b2b2b2b2b2 refused by the master: failed in phase start: worker 1 exited with code 1 before it was ready [EWORKEREXIT]; serving a1a1a1a1a1a1')],
    ['refused by the master and left live (it ran nothing to go back to)', { reloadFailed: REFUSED, running: '', published: B },
      False('ReloadFailed', 'config b2b2b2b2b2b2 refused by the master: failed in phase start: worker 1 exited with code 1 before it was ready [EWORKEREXIT]; serving nothing yet')],
    ['its checks could not run yet', { checkError: NO_SCRATCH },
      False('Pending', 'config b2b2b2b2b2b2 not checked yet: failed in phase check: cannot create a scratch directory in /tmp: EROFS [ESCRATCH]; serving a1a1a1a1a1a1')],
    ['held by the rollout until its turn', { rollout: { bad: '' } }, True('Held', 'config b2b2b2b2b2b2 held: waits for its turn in the rollout; serving a1a1a1a1a1a1')],
    ['the rollout\'s turn came: on its way, nothing new to say', { rollout: { bad: '' }, published: B }, null],
    ['marked bad by the rollout, the pod back on the previous version', { rollout: { bad: 'probe: 5xx ratio 1.00 > 0.05' } },
      True('MarkedBad', 'config b2b2b2b2b2b2 marked bad by the rollout: probe: 5xx ratio 1.00 > 0.05; serving a1a1a1a1a1a1')],
    ['marked bad at the pod\'s start, the last good config served instead', { rollout: { bad: 'probe: 5xx' }, running: LG, published: LG, lastGood: LG },
      True('MarkedBad', 'config b2b2b2b2b2b2 marked bad by the rollout: probe: 5xx; serving the last good config c3c3c3c3c3c3')],
    ['held with nothing served yet', { rollout: { bad: '' }, running: '', published: '' }, False('Held', 'config b2b2b2b2b2b2 held: waits for its turn in the rollout; serving nothing yet')],
    ['marked bad while the pod still runs it (the canary, before its roll-back)', { rollout: { bad: 'workers: 2 worker exits in the new generation' }, running: B, published: B },
      False('MarkedBad', 'config b2b2b2b2b2b2 marked bad by the rollout: workers: 2 worker exits in the new generation; serving b2b2b2b2b2b2')],
    ['a version the master refused before, offered again (not retried)', { reloadFailed: REFUSED, published: A },
      False('ReloadFailed', 'config b2b2b2b2b2b2 refused by the master: failed in phase start: worker 1 exited with code 1 before it was ready [EWORKEREXIT]; serving a1a1a1a1a1a1')],
  ];
  for (const [name, extra, expected] of cases) {
    test(name, () => assert.deepEqual(decideConfigApplied(facts(extra)), expected));
  }

  test('a long finding is cut, the count and what the pod serves kept', () => {
    const condition = decideConfigApplied(facts({ rejected: { text: `nginx.conf:1:1: ${'x'.repeat(400)}`, tail: ' (+3 more)' } }));
    assert.equal([...condition!.message].length, WHY_LIMIT);
    assert.match(condition!.message, /^config b2b2b2b2b2b2 rejected: nginx\.conf:1:1: x+… \(\+3 more\); serving a1a1a1a1a1a1$/);
  });
});

describe('a write is due when status, reason or message changed', () => {
  const applied: ConfigApplied = { status: 'True', reason: 'Applied', message: 'config b2b2b2b2b2b2 applied' };
  const cases: Array<[string, ConfigApplied | null, boolean]> = [
    ['nothing written yet', null, false],
    ['the same', { ...applied }, true],
    ['another version applied (the message)', { ...applied, message: 'config a1a1a1a1a1a1 applied' }, false],
    ['another reason, the same status', { status: 'True', reason: 'Held', message: applied.message }, false],
    ['another status', { ...applied, status: 'False' }, false],
  ];
  for (const [name, written, same] of cases) {
    test(name, () => assert.equal(sameCondition(written, applied), same));
  }
});
