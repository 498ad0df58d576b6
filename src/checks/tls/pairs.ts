// Which certificate/key pairs to check, and with what nginx would load them:
//   (1) `tls.crt` with the `tls.key` beside it, in any directory of the set (the keys of a
//       kubernetes.io/tls Secret);
//   (2) the files nginx's `ssl_certificate`/`ssl_certificate_key` name inside the set, paired by
//       position, per `server` block as nginx loads them: a block's own list replaces the one it
//       inherits, and the two lists are inherited apart, as are `ssl_password_file` and
//       `ssl_ciphers` (whose `@SECLEVEL=N` sets the security level). `include`s inside the set
//       are followed, so a server in conf.d/ inherits what nginx.conf's `http` sets. A block that
//       declares pairs and holds no `server` (a snippet) is a server of its own;
//   (3) a pair of (1) that nginx also names is checked once, with what (2) found.
// The config is only read (src/checks/nginx/ parses it); nginx -t judges everything else in it.
import { posix } from 'node:path';
import { includeValues, resolveInclude } from '../nginx/includes.ts';
import { parseNginx, type DirectiveNode } from '../nginx/parser.ts';

export interface TlsPair {
  cert: string;
  /** Absent when the set has a certificate without its key (then the chain alone is checked). */
  key?: string;
  /** The `ssl_password_file` that applies, as a set path (present in the set or not). */
  passwordFile?: string;
  /** An `ssl_password_file` outside the set (absolute, or with variables): left to nginx -t. */
  passwordOutside?: string;
  /** The `ssl_ciphers` of the server, when it sets `@SECLEVEL=N`. */
  ciphers?: string;
}

interface Scope { certs: string[]; keys: string[]; password?: string; ciphers?: string }

/** The pairs to check, each once, in name order. */
export function tlsPairs(set: ReadonlyMap<string, Buffer>, nginxFiles: readonly string[] = []): TlsPair[] {
  const fromNginx = new Map<string, TlsPair>();
  for (const nodes of expandedRoots(set, nginxFiles)) {
    for (const pair of serverPairs(nodes, { certs: [], keys: [] }, set)) fromNginx.set(JSON.stringify(pair), pair); // (2)
  }
  const named = new Set([...fromNginx.values()].map((p) => `${p.cert}\0${p.key ?? ''}`));
  const pairs = [...fromNginx.values()];
  for (const name of set.keys()) {
    if (posix.basename(name) !== 'tls.crt') continue;
    const key = posix.join(posix.dirname(name), 'tls.key');
    const pair = set.has(key) ? { cert: name, key } : { cert: name }; // (1)
    if (!named.has(`${pair.cert}\0${pair.key ?? ''}`)) pairs.push(pair); // (3)
  }
  return pairs.sort((a, b) => a.cert.localeCompare(b.cert) || (a.key ?? '').localeCompare(b.key ?? '') || JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** (2) Pairs of each server block (or snippet) under `nodes`, with what it inherits. */
function serverPairs(nodes: readonly DirectiveNode[], outer: Scope, set: ReadonlyMap<string, Buffer>): TlsPair[] {
  const here = scopeOf(nodes, outer);
  const declares = nodes.some((n) => n.name === 'ssl_certificate' || n.name === 'ssl_certificate_key');
  const holdsServers = nodes.some((n) => n.name === 'server' && n.children);
  const pairs = declares && !holdsServers ? pairsOf(here, set) : [];
  for (const node of nodes) {
    if (!node.children) continue;
    // ssl_certificate is not allowed below a server (location, if): nothing to look for there.
    if (node.name === 'server') pairs.push(...pairsOf(scopeOf(node.children, here), set));
    else pairs.push(...serverPairs(node.children, here, set));
  }
  return pairs;
}

function scopeOf(nodes: readonly DirectiveNode[], outer: Scope): Scope {
  const values = (name: string): string[] => nodes.filter((n) => n.name === name && n.args.length === 1).map((n) => n.args[0]?.value ?? '');
  const [certs, keys] = [values('ssl_certificate'), values('ssl_certificate_key')];
  const password = values('ssl_password_file').at(-1) ?? outer.password;
  const ciphers = nodes.filter((n) => n.name === 'ssl_ciphers').map((n) => n.args.map((a) => a.value).join(' ')).at(-1) ?? outer.ciphers;
  return { certs: certs.length ? certs : outer.certs, keys: keys.length ? keys : outer.keys, ...(password ? { password } : {}), ...(ciphers ? { ciphers } : {}) };
}

function pairsOf(scope: Scope, set: ReadonlyMap<string, Buffer>): TlsPair[] {
  const pairs: TlsPair[] = [];
  for (const [i, value] of scope.certs.entries()) {
    const cert = setPath(value);
    const keyValue = scope.keys[i];
    const key = keyValue === undefined ? undefined : setPath(keyValue);
    // Files outside the set are nginx -t's.
    if (!cert || !set.has(cert) || (keyValue !== undefined && (!key || !set.has(key)))) continue;
    const pair: TlsPair = key ? { cert, key } : { cert };
    const password = scope.password === undefined ? undefined : setPath(scope.password);
    if (scope.password !== undefined) Object.assign(pair, password ? { passwordFile: password } : { passwordOutside: scope.password });
    if (scope.ciphers?.includes('@SECLEVEL=')) pair.ciphers = scope.ciphers;
    pairs.push(pair);
  }
  return pairs;
}

/** Each nginx file that no other one includes, its `include`s inside the set replaced by their files' directives. */
function expandedRoots(set: ReadonlyMap<string, Buffer>, nginxFiles: readonly string[]): DirectiveNode[][] {
  const names = new Map([...set.keys()].map((name) => [name, '']));
  const parsed = new Map(nginxFiles.map((file) => [file, parseNginx(set.get(file)?.toString('utf8') ?? '').nodes]));
  const parse = (file: string): DirectiveNode[] => parsed.get(file) ?? parseNginx(set.get(file)?.toString('utf8') ?? '').nodes;
  const included = (file: string): string[] => {
    const target = resolveInclude(file, names, { roots: [], prefix: '', confd: false });
    return target.kind === 'files' ? target.files : [];
  };
  const expand = (nodes: readonly DirectiveNode[], stack: readonly string[]): DirectiveNode[] => nodes.flatMap((node) => {
    if (node.name === 'include' && node.args.length === 1) {
      return included(node.args[0]?.value ?? '').filter((f) => !stack.includes(f)).flatMap((f) => expand(parse(f), [...stack, f])); // a cycle is nginx -t's
    }
    return node.children ? [{ ...node, children: expand(node.children, stack) }] : [node];
  });
  const reached = new Set(nginxFiles.flatMap((file) => includeValues(parse(file)).flatMap(included).filter((f) => f !== file)));
  const roots = nginxFiles.filter((file) => !reached.has(file));
  return (roots.length > 0 ? roots : nginxFiles.slice(0, 1)).map((file) => expand(parse(file), [file]));
}


/** A path nginx resolves inside the set (relative to the `-c` file's directory), or undefined. */
function setPath(value: string): string | undefined {
  if (value.startsWith('/') || value.includes('$') || value.startsWith('data:') || value.startsWith('engine:')) return undefined;
  const normal = posix.normalize(value);
  return normal.startsWith('../') || normal === '..' ? undefined : normal;
}
