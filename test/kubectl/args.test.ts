// The plugin's command line by table (args.ts): every command with its flags, and each usage
// error (exit 2) with what it says.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deploymentName, parseInvocation, parseTimeout } from '../../src/kubectl/args.ts';

const WHERE = { kubeconfig: undefined, namespace: undefined };
const RELOAD = { kind: 'reload', ...WHERE, wait: true, timeoutMs: 60_000 };

describe('parseInvocation', () => {
  const ok: Array<[string[], object]> = [
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['help'], { kind: 'help' }],
    [['status', 'deploy/web'], { kind: 'status', json: false, ...WHERE, deployment: 'web' }],
    [['status', 'deployment.apps/web', '-n', 'ns', '--json', '--kubeconfig', '/k'], { kind: 'status', json: true, kubeconfig: '/k', namespace: 'ns', deployment: 'web' }],
    [['rollout', 'pause', 'deploy/web', '--namespace', 'ns'], { kind: 'pause', kubeconfig: undefined, namespace: 'ns', deployment: 'web' }],
    [['rollout', 'resume', 'deployments/web'], { kind: 'resume', ...WHERE, deployment: 'web' }],
    [['rollout', 'abort', 'deploy/web'], { kind: 'abort', reason: undefined, ...WHERE, deployment: 'web' }],
    [['rollout', 'abort', 'deploy/web', '--reason', '500s on /api', '-n', 'prod'], { kind: 'abort', reason: '500s on /api', kubeconfig: undefined, namespace: 'prod', deployment: 'web' }],
    [['rollout', 'abort', '--reason=x', 'deploy/web'], { kind: 'abort', reason: 'x', ...WHERE, deployment: 'web' }],
    [['reload', 'pod/web-7d9c-abcde'], { ...RELOAD, pods: { kind: 'pod', name: 'web-7d9c-abcde' } }],
    [['reload', 'po/web-1'], { ...RELOAD, pods: { kind: 'pod', name: 'web-1' } }],
    [['reload', 'pods/web-1', '-n', 'ns', '--kubeconfig', '/k'], { ...RELOAD, kubeconfig: '/k', namespace: 'ns', pods: { kind: 'pod', name: 'web-1' } }],
    [['reload', 'deploy/web'], { ...RELOAD, pods: { kind: 'deploy', name: 'web' } }],
    [['reload', 'deployment.apps/web', '--timeout', '2m'], { ...RELOAD, timeoutMs: 120_000, pods: { kind: 'deploy', name: 'web' } }],
    [['reload', 'pod/web-1', '--timeout=90'], { ...RELOAD, timeoutMs: 90_000, pods: { kind: 'pod', name: 'web-1' } }],
    [['reload', 'pod/web-1', '--no-wait'], { ...RELOAD, wait: false, pods: { kind: 'pod', name: 'web-1' } }],
  ];
  for (const [argv, expected] of ok) test(argv.join(' ') || '(none)', () => assert.deepEqual(parseInvocation(argv), expected));

  const bad: Array<[string[], RegExp]> = [
    [['status'], /missing deploy\/NAME/],
    [['status', 'pod/web'], /expected deploy\/NAME, got "pod\/web"/],
    [['status', 'web'], /expected deploy\/NAME/],
    [['status', 'deploy/Web_1'], /"Web_1" is not a Deployment name/],
    [['status', 'deploy/web', 'extra'], /unexpected argument "extra"/],
    [['status', 'deploy/web', '--bogus'], /Unknown option '--bogus'/],
    [['status', 'deploy/web', '--reason', 'x'], /--reason is for rollout abort, not status/],
    [['rollout'], /expected rollout pause\|resume\|abort, got ""/],
    [['rollout', 'undo', 'deploy/web'], /expected rollout pause\|resume\|abort, got "undo"/],
    [['rollout', 'abort'], /missing deploy\/NAME/],
    [['rollout', 'abort', 'pod/web'], /expected deploy\/NAME/],
    [['rollout', 'abort', 'deploy/web', 'now'], /unexpected argument "now"/],
    [['rollout', 'abort', 'deploy/web', '--json'], /--json is for status, not rollout abort/],
    [['rollout', 'pause', 'deploy/web', '--json'], /--json is for status/],
    [['rollout', 'pause', 'deploy/web', '--reason', 'x'], /--reason is for rollout abort, not rollout pause/],
    [['rollout', 'abort', 'deploy/web', '--no-wait'], /--no-wait is for reload/],
    [['reload'], /missing pod\/NAME or deploy\/NAME/],
    [['reload', 'web-1'], /expected pod\/NAME or deploy\/NAME, got "web-1"/],
    [['reload', 'svc/web'], /expected pod\/NAME or deploy\/NAME/],
    [['reload', 'pod/Web_1'], /"Web_1" is not a Pod name/],
    [['reload', 'pod/a', 'pod/b'], /unexpected argument "pod\/b"/],
    [['reload', 'pod/a', '--json'], /--json is for status, not reload/],
    [['reload', 'pod/a', '--reason', 'x'], /--reason is for rollout abort, not reload/],
    [['reload', 'pod/a', '--timeout', '0s'], /--timeout must be a duration above 0/],
    [['reload', 'pod/a', '--timeout', '1.5s'], /--timeout must be a duration/],
    [['reload', 'pod/a', '--no-wait', '--timeout', '5s'], /--timeout is how long to wait: not with --no-wait/],
    [['frob'], /unknown command "frob": expected status, rollout or reload/],
  ];
  for (const [argv, message] of bad) {
    test(`usage error: ${argv.join(' ')}`, () => assert.throws(() => parseInvocation(argv), (e: Error & { code?: string }) => e.code === 'EUSAGE' && message.test(e.message)));
  }
});

test('deploymentName', () => assert.equal(deploymentName('deploy/a.b-c'), 'a.b-c'));

describe('parseTimeout', () => {
  const cases: Array<[string, number]> = [['60', 60_000], ['60s', 60_000], ['2m', 120_000], ['1h', 3_600_000], ['500ms', 500]];
  for (const [text, ms] of cases) test(text, () => assert.equal(parseTimeout(text), ms));
  for (const text of ['', '0', '-1s', '1d', 's', '1 s']) test(`refused: ${JSON.stringify(text)}`, () => assert.throws(() => parseTimeout(text), /--timeout must be/));
});
