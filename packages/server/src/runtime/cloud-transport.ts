/**
 * HTTP(S) to the Cloud's licensing nodes with the trust the settings name: the system's CAs
 * plus, when `cloud_ca_file` is set, the CA certificates in that file. node:http(s) rather than
 * fetch, because fetch in Node 20 takes no per-request CA.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface CloudConnection {
  /** Node URLs in failover order. */
  urls: readonly string[];
  /** Extra CA certificates (PEM text) for the nodes' TLS. */
  ca?: string | undefined;
}

export interface CloudAnswer {
  status: number;
  text: string;
}

/** Largest answer read from a node (a Sync for many licenses is far below this). */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export function cloudRequest(
  url: string,
  o: { method: 'GET' | 'POST'; body?: string; timeoutMs: number; ca?: string | undefined },
): Promise<CloudAnswer> {
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
        if (size > MAX_ANSWER_BYTES) {
          req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
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

/** Why a request got no answer, in a few words (`ECONNREFUSED`, `timed out`, a TLS reason). */
export function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.code ?? e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
