// Listener addresses: parsed once, with one canonical key per socket (STYLE rule 4), so a
// reload matches a listener to the old cycle's socket however the address was spelled.
//
//   host:port        numeric IPv4 ("0.0.0.0:8080"); "localhost" means 127.0.0.1
//   [v6]:port        numeric IPv6 ("[::]:8080"), keyed in RFC 5952 form ("[0:0::1]" → "[::1]")
//   unix:/abs/path   a unix socket file, keyed by its normalised path
//
// Host names are rejected (except "localhost"): a key must not change with DNS answers, and
// the master binds before anything else could resolve them. Ports are 1–65535; port 0
// would give a new random port every cycle, which no reload could ever match.
import { isIPv4, isIPv6 } from 'node:net';
import { posix } from 'node:path';
import { HotcycleError } from '../errors.ts';

export type ListenAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly family: 4 | 6 }
  | { readonly kind: 'unix'; readonly path: string };

const EXPECTED = 'expected host:port (numeric IPv4 or localhost), [ipv6]:port, or unix:/absolute/path';
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_UNIX_PATH_BYTES = 107;

/** Parses and normalises a listener address; throws HotcycleError('config', 'EADDRESS'). */
export function parseAddress(text: string): ListenAddress {
  if (text.startsWith('unix:')) return Object.freeze(parseUnix(text));
  const v6 = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  if (v6) return Object.freeze(parseTcp(text, v6[1] ?? '', v6[2] ?? '', 6));
  const v4 = /^([^:[\]]*):([^:]*)$/.exec(text);
  if (v4) return Object.freeze(parseTcp(text, v4[1] ?? '', v4[2] ?? '', 4));
  throw addressError(text, EXPECTED);
}

/** The canonical key: `tcp:127.0.0.1:8080`, `tcp:[::1]:8080`, `unix:/run/app.sock`. */
export function addressKey(address: ListenAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return address.family === 6 ? `tcp:[${address.host}]:${address.port}` : `tcp:${address.host}:${address.port}`;
}

/** The key of an address string: parse, then key (the one normalisation everywhere). */
export function canonicalKey(text: string): string {
  return addressKey(parseAddress(text));
}

function parseTcp(text: string, rawHost: string, rawPort: string, family: 4 | 6): ListenAddress {
  const port = parsePort(text, rawPort);
  if (family === 6) return { kind: 'tcp', host: canonicalIPv6(text, rawHost), port, family };
  const host = rawHost === 'localhost' ? '127.0.0.1' : rawHost;
  if (!isIPv4(host)) {
    const why = isIPv6(host) ? 'IPv6 hosts need brackets, as in [::1]:8080' : 'the host must be a numeric IPv4 address or localhost';
    throw addressError(text, why);
  }
  return { kind: 'tcp', host, port, family };
}

function parsePort(text: string, rawPort: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(rawPort) || Number(rawPort) > 65535) {
    throw addressError(text, `the port must be a number from 1 to 65535, got "${rawPort}"`);
  }
  return Number(rawPort);
}

function canonicalIPv6(text: string, rawHost: string): string {
  // Zone ids (fe80::1%eth0) are not supported: the addon binds without a scope id.
  if (rawHost.includes('%') || !isIPv6(rawHost)) {
    throw addressError(text, `"${rawHost}" is not a numeric IPv6 address (zone ids are not supported)`);
  }
  // The WHATWG URL serialiser writes the RFC 5952 form: lower case, longest zero run as "::".
  return new URL(`http://[${rawHost}]/`).hostname.slice(1, -1);
}

function parseUnix(text: string): ListenAddress {
  const raw = text.slice('unix:'.length);
  if (!raw.startsWith('/')) throw addressError(text, 'a unix socket path must be absolute, as in unix:/run/app.sock');
  if (raw.includes('\0')) throw addressError(text, 'a unix socket path cannot contain NUL bytes');
  const path = posix.normalize(raw);
  if (path.endsWith('/')) throw addressError(text, 'a unix socket path must name a file, not a directory');
  if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES) {
    throw addressError(text, `a unix socket path is at most ${MAX_UNIX_PATH_BYTES} bytes`);
  }
  return { kind: 'unix', path };
}

function addressError(text: string, why: string): HotcycleError {
  return new HotcycleError('config', 'EADDRESS', `invalid listener address "${text}": ${why}`, { detail: EXPECTED });
}
