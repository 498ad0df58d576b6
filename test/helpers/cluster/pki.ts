// The certificates and keys of a test control plane, made with openssl as kubeadm's "certs"
// phase would: one CA; the API server's serving certificate for loopback and the in-cluster
// names; client certificates whose subject is the identity RBAC sees (CN = user, O = group);
// and the service-account key pair that signs and verifies bound tokens.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export interface ClientCert { cert: string; key: string }

const SERVER_NAMES = [
  'IP:127.0.0.1', 'IP:10.96.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
];

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

export async function createPki(dir: string): Promise<Pki> {
  const file = (name: string) => join(dir, name);
  const pki: Pki = {
    dir, caCert: file('ca.crt'), caKey: file('ca.key'), serverCert: file('apiserver.crt'), serverKey: file('apiserver.key'),
    serviceAccountKey: file('sa.key'), serviceAccountPub: file('sa.pub'),
  };
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=hotcycle-test-ca',
    '-keyout', pki.caKey, '-out', pki.caCert]);
  await signed(pki, 'apiserver', '/CN=kube-apiserver', `subjectAltName=${SERVER_NAMES.join(',')}`);
  await openssl(['genrsa', '-out', pki.serviceAccountKey, '2048']);
  await openssl(['rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  return pki;
}

/** A client certificate for user `cn` in `groups`, signed by the cluster's CA. */
export async function clientCert(pki: Pki, name: string, cn: string, groups: string[] = []): Promise<ClientCert> {
  const subject = `/CN=${cn}${groups.map((g) => `/O=${g}`).join('')}`;
  await signed(pki, name, subject, 'extendedKeyUsage=clientAuth');
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}

async function signed(pki: Pki, name: string, subject: string, extension: string): Promise<void> {
  const key = join(pki.dir, `${name}.key`);
  const csr = join(pki.dir, `${name}.csr`);
  const ext = join(pki.dir, `${name}.ext`);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', key, '-out', csr]);
  await writeFile(ext, `${extension}\n`);
  await openssl(['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial', '-days', '2',
    '-extfile', ext, '-out', join(pki.dir, `${name}.crt`)]);
}

/** A kubeconfig for one client certificate (what `kubectl --kubeconfig` and client-node read). */
export async function writeKubeconfig(path: string, server: string, pki: Pki, client: ClientCert): Promise<void> {
  const text = [
    'apiVersion: v1', 'kind: Config', 'current-context: test',
    'clusters:', `- name: test`, '  cluster:', `    server: ${server}`, `    certificate-authority: ${pki.caCert}`,
    'users:', `- name: test`, '  user:', `    client-certificate: ${client.cert}`, `    client-key: ${client.key}`,
    'contexts:', '- name: test', '  context: { cluster: test, user: test }', '',
  ].join('\n');
  await writeFile(path, text);
}
