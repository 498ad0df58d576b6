// Random requests for the control server, as bytes: methods, request targets, headers, bodies
// and how the body is framed (an honest or lying Content-Length, chunked, broken chunking, none).

import fc from 'fast-check';

export type Framing = 'length' | 'short-length' | 'long-length' | 'chunked' | 'broken-chunked' | 'none';

export interface RequestSpec {
  method: string;
  target: string;
  contentType: string | undefined;
  accept: string | undefined;
  extraHeader: [string, string] | undefined;
  body: Buffer;
  framing: Framing;
  lie: number;
}

const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

const body: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ reason: fc.string({ maxLength: 220 }), expectHash: hash }, { requiredKeys: [] }).map((v) => text(JSON.stringify(v))) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? 'null')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{}', '{"reason": ', '{"reason":"\uD800"}', '\uFEFF{}', '{"reason":"x","reason":"y"}', ' \n', '[]', 'null').map(text) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x7d])) },
  { weight: 4, arbitrary: fc.integer({ min: 60 * 1024, max: 80 * 1024 }).map((n) => text(`{"reason":"${'a'.repeat(n)}"}`)) },
);

const anySpec: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'get', 'FOO'),
  target: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('/v1/reload', '/v1/reload', '/v1/check', '/v1/status') },
    { weight: 2, arbitrary: fc.constantFrom('/v1/reload?x=1', '/v1/sync', '/', '*', '//x', '/v1/%zz', '/v1/../v1/reload', 'http://hotcycle/v1/reload', 'http://[', '/v1/reload#f') },
    { weight: 1, arbitrary: fc.webPath() },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('/', 'v', '1', '%', '?', '#', '[', ']', ':', '@', '.', '\u00e9'), maxLength: 20 }) },
  ),
  contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/jsonx', 'APPLICATION/JSON', 'multipart/form-data'), { nil: undefined }),
  accept: fc.option(fc.constantFrom('application/x-ndjson', 'application/json', '*/*'), { nil: undefined }),
  extraHeader: fc.option(fc.tuple(fc.constantFrom('X-A', 'Expect', 'Connection', 'Host', 'Content-Length', 'Transfer-Encoding', 'Bad Name', 'X\u00e9'), fc.constantFrom('', 'close', 'keep-alive', '100-continue', 'chunked', '12', 'a\u0000b', 'a\rb', '\u00ff')), { nil: undefined }),
  body,
  framing: fc.constantFrom<Framing>('length', 'length', 'length', 'short-length', 'long-length', 'chunked', 'broken-chunked', 'none'),
  lie: fc.integer({ min: 1, max: 64 }),
});

/** The request as bytes on the wire. */
export function encodeRequest(spec: RequestSpec): Buffer {
  const head = [`${spec.method} ${spec.target} HTTP/1.1`, 'Host: hotcycle'];
  if (spec.contentType !== undefined) head.push(`Content-Type: ${spec.contentType}`);
  if (spec.accept !== undefined) head.push(`Accept: ${spec.accept}`);
  if (spec.extraHeader) head.push(`${spec.extraHeader[0]}: ${spec.extraHeader[1]}`);
  let payload = spec.body;
  switch (spec.framing) {
    case 'length': head.push(`Content-Length: ${spec.body.length}`); break;
    case 'short-length': head.push(`Content-Length: ${Math.max(0, spec.body.length - spec.lie)}`); break;
    case 'long-length': head.push(`Content-Length: ${spec.body.length + spec.lie}`); break;
    case 'chunked':
    case 'broken-chunked': {
      head.push('Transfer-Encoding: chunked');
      const size = spec.framing === 'chunked' ? spec.body.length.toString(16) : 'zz';
      payload = Buffer.concat([text(`${size}\r\n`), spec.body, text(spec.body.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
      break;
    }
    case 'none': break;
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

/** Splits `bytes` at the given offsets (taken modulo its length), so writes land anywhere. */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > start) parts.push(bytes.subarray(start, offset));
    start = offset;
  }
  return parts;
}

/** Requests a client of the API would send, so that the handlers are reached too. */
const wellFormedSpec: fc.Arbitrary<RequestSpec> = fc.oneof(
  fc.record({ reason: fc.string({ maxLength: 200 }), expectHash: hash }, { requiredKeys: [] }).map((v) => ['/v1/reload', v] as const),
  fc.constant(['/v1/check', {}] as const),
).chain(([target, value]) => fc.record({
  method: fc.constant('POST'),
  target: fc.constant(target),
  contentType: fc.constantFrom('application/json', undefined),
  accept: fc.constantFrom('application/x-ndjson', undefined),
  extraHeader: fc.constant(undefined),
  body: fc.constant(text(JSON.stringify(value))),
  framing: fc.constantFrom<Framing>('length', 'chunked'),
  lie: fc.constant(1),
}));

export const requestSpec: fc.Arbitrary<RequestSpec> = fc.oneof({ weight: 1, arbitrary: wellFormedSpec }, { weight: 3, arbitrary: anySpec });
