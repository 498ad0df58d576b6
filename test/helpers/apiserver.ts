// A local HTTPS stand-in for the Kubernetes API server, kept ONLY for what a real kube-apiserver
// cannot be made to do on demand: a scripted sequence of answers (429 with Retry-After, 500, 503,
// an HTTP 410 on a watch request) and a response that never ends (`{ hang: true }`: the request
// takes effect, its answer never comes). Everything else is tested against the real
// kube-apiserver (test/cluster/, test/helpers/cluster/). Used by test/sidecar/kube/reporter.test.ts
// and test/sidecar/kube/configmap-watch.test.ts.
//
// Between scripted answers it serves the calls hotcycle makes the way the real server does, with
// the checks that matter to them:
//   POST  /apis/events.k8s.io/v1/namespaces/NS/events   bearer token; Content-Type application/json;
//         required fields (eventTime, reportingController, reportingInstance, action, reason,
//         regarding, type Normal|Warning; note ≤ 1024 bytes) → 422 Invalid naming the fields;
//         eventTime without exactly six fractional digits → 400 (the MicroTime decode error);
//         regarding.namespace ≠ NS → 422; an existing name → 409 AlreadyExists.
//   PATCH /api/v1/namespaces/NS/pods/NAME                json-patch / merge-patch / strategic-merge
//         only (anything else → 415); a merge-patch body that is not an object, or a json-patch body
//         that is not an array → 400; non-string annotation values → 400; unknown pod → 404.
//   GET   /api/v1/namespaces/NS/configmaps?fieldSelector=metadata.name=NAME  (list, with the
//         list's resourceVersion) and `&watch=true&resourceVersion=RV` (newline-delimited JSON
//         ADDED/MODIFIED events after RV).
// Anything else answers 404. Tests script answers with `script()` and end open watches with
// `endWatches()`. Not modelled: RBAC, admission, compaction, deletion, bookmarks, discovery.
import { execFile } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  /** performance.now() when the request arrived. */
  at: number;
}

/** A status to answer instead; or `hang`: do what the request asks but never answer (a lost response). */
export type ScriptedResponse = { status: number; retryAfter?: number; message?: string } | { hang: true };
export type RequestMatch = (req: { method: string; path: string; query: Record<string, string> }) => boolean;
type Json = Record<string, unknown>;
interface WatchStream { res: ServerResponse; namespace: string; name: string | undefined }
interface HistoryEntry { rv: number; type: string; object: Json }

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const TOKEN = 'standin-token-' + process.pid;
/** #route's answer for a request that is never answered (a scripted `hang`). */
const HANG = -1;

export function status(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export class ApiServerStandIn {
  readonly token = TOKEN;
  readonly requests: RecordedRequest[] = [];
  readonly pods = new Map<string, Json>();
  readonly events = new Map<string, Json>();
  #configMaps = new Map<string, Json>();
  #history: HistoryEntry[] = [];
  #rv = 100;
  #scripts: Array<{ match: RequestMatch; responses: ScriptedResponse[] }> = [];
  #watches = new Set<WatchStream>();
  #emitter = new EventEmitter();
  #server: Server;
  #dir: string;
  #cert: string;
  #port = 0;

  private constructor(server: Server, dir: string, cert: string) {
    this.#server = server;
    this.#dir = dir;
    this.#cert = cert;
  }

  /** Start on 127.0.0.1 with a fresh self-signed certificate (needs `openssl`). */
  static async start(): Promise<ApiServerStandIn> {
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-apiserver-'));
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem'), 'utf8'), readFile(join(dir, 'cert.pem'), 'utf8')]);
    const server = createServer({ key, cert });
    const standIn = new ApiServerStandIn(server, dir, cert);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => { void standIn.#handle(req, res); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    standIn.#port = (server.address() as AddressInfo).port;
    return standIn;
  }

  get url(): string { return `https://127.0.0.1:${this.#port}`; }

  /** A KubeConfig pointing at this server: its CA, its bearer token. */
  kubeConfig(token = this.token): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'standin', server: this.url, caData: Buffer.from(this.#cert).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'sidecar', token }],
      contexts: [{ name: 'standin', cluster: 'standin', user: 'sidecar' }],
      currentContext: 'standin',
    });
    return kc;
  }

  addPod(namespace: string, name: string, uid = `uid-${name}`): void {
    this.pods.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid, resourceVersion: String(++this.#rv), annotations: {} } });
  }

  /** Create or replace a ConfigMap, as `kubectl apply` would; open watches see ADDED/MODIFIED. */
  setConfigMap(namespace: string, name: string, data: Record<string, string>): string {
    const key = `${namespace}/${name}`;
    const type = this.#configMaps.has(key) ? 'MODIFIED' : 'ADDED';
    const rv = ++this.#rv;
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: String(rv) }, data };
    this.#configMaps.set(key, object);
    this.#publish({ rv, type, object });
    return String(rv);
  }

  /** The next matching requests get these answers, in order, instead of the normal one. */
  script(match: RequestMatch, ...responses: ScriptedResponse[]): void {
    this.#scripts.push({ match, responses });
  }

  /** End every open watch stream normally, as the API server does at its timeout. */
  endWatches(): void {
    for (const w of this.#watches) w.res.end();
    this.#watches.clear();
  }

  /** Resolves with the first recorded request (past or future) that satisfies `predicate`. */
  async waitForRequest(predicate: (r: RecordedRequest) => boolean, count = 1): Promise<RecordedRequest[]> {
    for (;;) {
      const matched = this.requests.filter(predicate);
      if (matched.length >= count) return matched;
      await once(this.#emitter, 'request');
    }
  }

  async close(): Promise<void> {
    this.endWatches();
    this.#server.closeAllConnections();
    this.#server.close();
    await rm(this.#dir, { recursive: true, force: true });
  }

  #publish(entry: HistoryEntry): void {
    this.#history.push(entry);
    const { namespace, name } = entry.object.metadata as { namespace: string; name: string };
    for (const w of this.#watches) {
      if (w.namespace === namespace && (w.name === undefined || w.name === name)) writeEvent(w.res, entry.type, entry.object);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const text = await readBody(req);
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* kept as text; the route rejects it */ }
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, query, headers: req.headers, body, status: 0, at };
    this.requests.push(record);
    const [code, answer] = this.#route(record, res);
    if (code > 0) send(res, code, answer);
    record.status = code > 0 ? code : code === HANG ? 0 : 200;
    this.#emitter.emit('request');
  }

  /** Returns [status, body] to send, or [0, null] when the route streams its own answer. */
  #route(r: RecordedRequest, res: ServerResponse): [number, unknown] {
    if (r.headers.authorization !== `Bearer ${this.token}`) return [401, status(401, 'Unauthorized', 'Unauthorized')];
    return this.#scripted(r, res) ?? this.#dispatch(r, res);
  }

  #dispatch(r: RecordedRequest, res: ServerResponse): [number, unknown] {
    let m = /^\/apis\/events\.k8s\.io\/v1\/namespaces\/([^/]+)\/events$/.exec(r.path);
    if (m && r.method === 'POST') return this.#createEvent(m[1]!, r);
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(r.path);
    if (m && r.method === 'PATCH') return this.#patchPod(m[1]!, m[2]!, r);
    m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps$/.exec(r.path);
    if (m && r.method === 'GET') return this.#configMapsGet(m[1]!, r, res);
    return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
  }

  #scripted(r: RecordedRequest, res: ServerResponse): [number, unknown] | undefined {
    const script = this.#scripts.find((s) => s.responses.length > 0 && s.match(r));
    const next = script?.responses.shift();
    if (!next) return undefined;
    if ('hang' in next) {
      this.#dispatch(r, res);
      return [HANG, null];
    }
    if (next.retryAfter !== undefined) res.setHeader('Retry-After', String(next.retryAfter));
    const reason = { 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError' }[next.status] ?? 'Unknown';
    return [next.status, status(next.status, reason, next.message ?? `scripted ${next.status}`)];
  }

  #createEvent(namespace: string, r: RecordedRequest): [number, unknown] {
    if (!isJsonType(r.headers['content-type'])) return [415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`)];
    if (!isObject(r.body)) return [400, status(400, 'BadRequest', 'the request body is not a JSON object')];
    const event = r.body;
    const meta = (isObject(event.metadata) ? event.metadata : {}) as Json;
    if (typeof event.eventTime === 'string' && !MICRO_TIME.test(event.eventTime)) {
      return [400, status(400, 'BadRequest', `Event in version "v1" cannot be handled as a Event: parsing time "${event.eventTime}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse as ".000000"`)];
    }
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      return [400, status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')];
    }
    const causes = validateEvent(event, namespace);
    const name = typeof meta.name === 'string' ? meta.name : `${String(meta.generateName ?? '')}${++this.#rv}`;
    if (causes.length > 0) {
      const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
      return [422, status(422, 'Invalid', `Event.events.k8s.io "${name}" is invalid: [${list}]`, { name, group: 'events.k8s.io', kind: 'Event', causes })];
    }
    const key = `${namespace}/${name}`;
    if (this.events.has(key)) {
      return [409, status(409, 'AlreadyExists', `events.events.k8s.io "${name}" already exists`, { name, group: 'events.k8s.io', kind: 'events' })];
    }
    const created = { ...event, metadata: { ...meta, name, namespace, resourceVersion: String(++this.#rv) } };
    this.events.set(key, created);
    return [201, created];
  }

  #patchPod(namespace: string, name: string, r: RecordedRequest): [number, unknown] {
    const type = (r.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!PATCH_TYPES.includes(type)) {
      return [415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}, application/apply-patch+yaml`)];
    }
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return [404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })];
    let patched: unknown;
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(r.body)) return [400, status(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch')];
      patched = applyJsonPatch(pod, r.body);
    } else {
      if (!isObject(r.body)) return [400, status(400, 'BadRequest', 'Invalid JSON Patch')];
      patched = mergePatch(pod, r.body);
    }
    const annotations = isObject(patched) && isObject(patched.metadata) ? patched.metadata.annotations : undefined;
    if (annotations !== undefined && annotations !== null && (!isObject(annotations) || Object.values(annotations).some((v) => typeof v !== 'string'))) {
      return [400, status(400, 'BadRequest', 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string')];
    }
    (patched as { metadata: Json }).metadata.resourceVersion = String(++this.#rv);
    this.pods.set(`${namespace}/${name}`, patched as Json);
    return [200, patched];
  }

  #configMapsGet(namespace: string, r: RecordedRequest, res: ServerResponse): [number, unknown] {
    const selector = r.query.fieldSelector ?? '';
    const sel = /^metadata\.name==?(.+)$/.exec(selector);
    if (selector !== '' && !sel) return [400, status(400, 'BadRequest', `field label not supported: ${selector.split('=')[0]}`)];
    const name = sel?.[1];
    const matches = (o: Json): boolean => {
      const meta = o.metadata as Json;
      return meta.namespace === namespace && (name === undefined || meta.name === name);
    };
    if (r.query.watch !== 'true' && r.query.watch !== '1') {
      return [200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) }, items: [...this.#configMaps.values()].filter(matches) }];
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const from = Number(r.query.resourceVersion ?? '0');
    const backlog = from > 0 ? this.#history.filter((e) => e.rv > from) : [...this.#configMaps.values()].map((object) => ({ type: 'ADDED', object }));
    for (const e of backlog) if (matches(e.object)) writeEvent(res, e.type, e.object);
    const stream: WatchStream = { res, namespace, name };
    this.#watches.add(stream);
    res.on('close', () => this.#watches.delete(stream));
    const timeout = Number(r.query.timeoutSeconds ?? 0);
    if (timeout > 0) setTimeout(() => res.end(), timeout * 1000).unref();
    return [0, null];
  }
}

function validateEvent(e: Json, namespace: string): Array<{ reason: string; message: string; field: string }> {
  const causes: Array<{ reason: string; message: string; field: string }> = [];
  const required = (field: string): void => { causes.push({ reason: 'FieldValueRequired', message: 'Required value', field }); };
  const invalid = (field: string, message: string): void => { causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${message}`, field }); };
  const meta = (isObject(e.metadata) ? e.metadata : {}) as Json;
  if (!meta.name && !meta.generateName) causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  if (!e.eventTime) required('eventTime');
  if (e.type !== 'Normal' && e.type !== 'Warning') invalid('type', `has invalid value: ${String(e.type)}`);
  if (!e.reportingController) required('reportingController');
  else if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(String(e.reportingController))) invalid('reportingController', 'must be a qualified name');
  for (const field of ['reportingInstance', 'action', 'reason']) {
    if (!e[field]) required(field);
    else if (String(e[field]).length > 128) invalid(field, 'can have at most 128 characters');
  }
  if (typeof e.note === 'string' && Buffer.byteLength(e.note) > 1024) invalid('note', 'can have at most 1024 characters');
  const regarding = isObject(e.regarding) ? e.regarding : undefined;
  if (!regarding?.kind || !regarding.name) required('regarding');
  else if (regarding.namespace !== undefined && regarding.namespace !== namespace) invalid('regarding.namespace', 'does not match event.namespace');
  return causes;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function applyJsonPatch(target: Json, ops: unknown[]): Json {
  const doc = structuredClone(target);
  for (const op of ops as Array<{ op: string; path: string; value?: unknown }>) {
    const parts = op.path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop() ?? '';
    let node = doc;
    for (const p of parts) node = (node[p] ??= {}) as Json;
    if (op.op === 'remove') delete node[last];
    else node[last] = op.value;
  }
  return doc;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJsonType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]!.trim() === 'application/json';
}

function writeEvent(res: ServerResponse, type: string, object: unknown): void {
  res.write(JSON.stringify({ type, object }) + '\n');
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
