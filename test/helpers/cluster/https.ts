// One HTTPS request of the tests' own to a control-plane component, with node:https (fetch cannot
// take a private CA or a client certificate): the status and the body as text, or throws.
import { request, type RequestOptions } from 'node:https';

export interface HttpsAnswer { status: number; text: string }

export function httpsRequest(url: string | URL, options: RequestOptions, body?: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', reject).end(body);
  });
}
