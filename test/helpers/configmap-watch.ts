// A ConfigMap watch (src/sidecar/kube/configmap-watch.ts) started for a test: every version it
// delivers and every log line it writes, each waited for as an event.
import { EventEmitter, once } from 'node:events';
import type { TestContext } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { watchConfigMap, type ConfigMapWatch } from '../../src/sidecar/kube/configmap-watch.ts';
import { captureLogger, type LogCapture } from './log-capture.ts';

export interface Seen { files: Map<string, string>; rv: string }

export interface TestWatch {
  watch: ConfigMapWatch;
  seen: Seen[];
  /** The next version delivered (each once, in order). */
  next(): Promise<Seen>;
  waitLine: LogCapture['waitLine'];
}

/** Watches `app-config` in `namespace` with a short backoff; closed after the test. */
export async function startWatch(t: TestContext, kubeConfig: KubeConfig, namespace: string, watchTimeoutSeconds?: number): Promise<TestWatch> {
  const seen: Seen[] = [];
  const emitter = new EventEmitter();
  const { logger, waitLine } = captureLogger();
  const watch = await watchConfigMap({
    logger, namespace, name: 'app-config', kubeConfig, backoff: { initialMs: 10, maxMs: 50 },
    ...(watchTimeoutSeconds ? { watchTimeoutSeconds } : {}),
    onData: (files, rv) => {
      seen.push({ files: new Map([...files].map(([k, v]) => [k, v.toString('utf8')])), rv });
      emitter.emit('data');
    },
  });
  t.after(() => watch.close());
  let taken = 0;
  return {
    watch, seen, waitLine,
    async next() {
      while (seen.length <= taken) await once(emitter, 'data');
      return seen[taken++]!;
    },
  };
}
