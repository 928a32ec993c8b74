/**
 * HTTP(S) to the Cloud's licensing nodes with the trust the settings name: the system's CAs
 * plus, when `cloud_ca_file` is set, the CA certificates in that file. node:http(s) rather than
 * fetch, because fetch in Node 20 takes no per-request CA.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { CloudAnswer, CloudRequestOptions } from '../domain/flexible/cloud-link.js';
import { SERVER_POLICY } from '../domain/policy.js';

/** The runtime's `CloudRequest`: one request to one node over node:http(s). */
export function cloudRequest(url: string, o: CloudRequestOptions): Promise<CloudAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(o.body));
    }
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > SERVER_POLICY.maxCloudAnswerBytes) {
          req.destroy(new Error(`answer larger than ${SERVER_POLICY.maxCloudAnswerBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const options = { method: o.method, headers, timeout: o.timeoutMs };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, ...(o.ca && { ca: [...rootCertificates, o.ca] }) }, onResponse)
        : httpRequest(target, options, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(o.body);
  });
}
