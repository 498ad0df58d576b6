// The client side of the TLS tests: what certificate a new handshake gets (by its SHA-256
// fingerprint, as node:crypto's X509Certificate prints it), and one HTTPS GET.
import { X509Certificate } from 'node:crypto';
import { get } from 'node:https';
import { connect } from 'node:tls';

export function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** A fresh handshake with the server on 127.0.0.1:port; resolves with its leaf's fingerprint. */
export function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

export function fetchTls(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
