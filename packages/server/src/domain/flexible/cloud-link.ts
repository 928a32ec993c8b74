/**
 * How the License Server talks to the Cloud's licensing nodes, as the domain sees it: the
 * nodes and trust in force, a request function the runtime supplies (node:http(s) there), and
 * the exchange of a Report for a Sync across the nodes in failover order (docs/flexible.md).
 */
import { TesseraError } from '@tessera/core';
import { SERVER_POLICY, SYNC_POLICY } from '../policy.js';

export interface CloudAnswer {
  status: number;
  text: string;
}

export interface CloudRequestOptions {
  method: 'GET' | 'POST';
  body?: string;
  timeoutMs: number;
  /** Extra CA certificates (PEM text) for the node's TLS. */
  ca?: string | undefined;
}

/** One HTTP(S) request to one node; rejects when no answer came (refused, timed out, TLS). */
export type CloudRequest = (url: string, o: CloudRequestOptions) => Promise<CloudAnswer>;

export interface CloudConnection {
  /** Node URLs in failover order. */
  urls: readonly string[];
  /** Extra CA certificates (PEM text) for the nodes' TLS. */
  ca?: string | undefined;
  /** Sends one request to one node. */
  request: CloudRequest;
}

/** Why a request got no answer, in a few words (`ECONNREFUSED`, `timed out`, a TLS reason). */
export function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.code ?? e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** What the Cloud answered a Report with: the Sync file text. */
export async function postReport(
  cloud: CloudConnection,
  reportFile: string,
  timeoutMs: number = SYNC_POLICY.requestTimeoutMs,
): Promise<string> {
  if (cloud.urls.length === 0) {
    throw new TesseraError('CLOUD_UNREACHABLE', 'no Cloud node is configured (setting cloud_nodes, or --cloud URL)');
  }
  const failures: string[] = [];
  const body = JSON.stringify({ report: reportFile });
  for (const base of cloud.urls) {
    let res: CloudAnswer;
    try {
      res = await cloud.request(`${base.replace(/\/+$/, '')}/v1/sync`, {
        method: 'POST',
        body,
        timeoutMs,
        ca: cloud.ca,
      });
    } catch (err) {
      failures.push(`${base}: ${transportReason(err)}`);
      continue;
    }
    let answer: { sync?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      answer = res.text === '' ? undefined : (JSON.parse(res.text) as typeof answer);
    } catch {
      answer = undefined;
    }
    const ok = res.status >= 200 && res.status < 300;
    if (ok && typeof answer?.sync === 'string') return answer.sync;
    if (res.status >= 500 || answer?.error === undefined) {
      // A node that cannot serve now: try the next one.
      failures.push(
        `${base}: HTTP ${res.status}${typeof answer?.error?.message === 'string' ? ` ${answer.error.message}` : ''}`,
      );
      continue;
    }
    // The Cloud refused the Report itself (enrollment, signature...): another node would say the same.
    const code = typeof answer.error.code === 'string' ? answer.error.code : 'BAD_REQUEST';
    const message = typeof answer.error.message === 'string' ? answer.error.message : `HTTP ${res.status}`;
    throw new TesseraError('CONFLICT', `the Cloud at ${base} refused the report: ${code}: ${message}`, {
      reason: code,
      details: { cloud: base, code },
    });
  }
  throw new TesseraError('CLOUD_UNREACHABLE', `no Cloud node answered (${failures.join('; ')})`, {
    details: { failures },
  });
}

/** The nodes among `urls` that do not answer `/healthz`, each with the reason. */
export async function unreachableNodes(
  request: CloudRequest,
  urls: readonly string[],
  ca: string | undefined,
): Promise<string[]> {
  const failures = await Promise.all(
    urls.map(async (url) => {
      try {
        const res = await request(`${url}/healthz`, {
          method: 'GET',
          timeoutMs: SERVER_POLICY.cloudProbeTimeoutMs,
          ca,
        });
        return res.status === 200 ? null : `${url}: HTTP ${res.status}`;
      } catch (err) {
        return `${url}: ${transportReason(err)}`;
      }
    }),
  );
  return failures.filter((f): f is string => f !== null);
}
