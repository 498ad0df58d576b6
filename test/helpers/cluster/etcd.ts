// etcd's own API, through its HTTP/JSON gateway (`/v3/…`, keys base64): what the tests need that
// kube-apiserver cannot do on request — compact the history now, as its periodic compaction would.

/** The store's current revision (every answer's header carries it; the key need not exist). */
export async function etcdRevision(etcdUrl: string): Promise<string> {
  const answer = await post<{ header: { revision: string } }>(etcdUrl, '/v3/kv/range', { key: Buffer.from('hotcycle-test/revision').toString('base64') });
  return answer.header.revision;
}

/** Compacts every revision before the current one, physically (etcd has forgotten them on return). */
export async function compactEtcd(etcdUrl: string): Promise<string> {
  const revision = await etcdRevision(etcdUrl);
  await post(etcdUrl, '/v3/kv/compaction', { revision, physical: true });
  return revision;
}

async function post<T>(etcdUrl: string, path: string, body: object): Promise<T> {
  const res = await fetch(etcdUrl + path, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}
