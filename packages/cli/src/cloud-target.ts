/**
 * How a `tessera vendor ...` command reaches a running Cloud (DESIGN §7), mirroring
 * admin-target.ts for the License Server:
 *
 * - `--cloud URL --token T` (or `--token-file FILE`): the vendor API of a Cloud node anywhere.
 *   The token is that node's `DIR/admin.token`.
 * - `--data DIR`: the data directory of a Cloud node on this machine. Its `DIR/cloud.json`
 *   names the URL and an instance nonce; the nonce must match what `/healthz` answers, so a
 *   stale file of a killed node is never trusted. The token is `DIR/admin.token`.
 *
 * Unlike a License Server, a Cloud is never opened directly: its database may be shared by
 * other nodes, so with no node running on DIR the command fails and says how to start one.
 * Refusals of the Cloud become TesseraErrors (code and reason kept), so they print as one line.
 * Only the Cloud's HTTP client is loaded (`@tessera/cloud/client`), never the Cloud itself: the
 * whole of `@tessera/cloud` takes about half a second to import, which a vendor command never needs.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudRuntimeInfo } from '@tessera/cloud';
import { CloudApiClient, CloudApiError } from '@tessera/cloud/client';
import { TesseraError } from '@tessera/core';
import { httpUrlOf, remoteTokenOf, transportReason } from './admin-target.js';
import { CliError, isErrorCode, UsageError } from './output.js';

/**
 * Files of a Cloud node's data dir that the CLI reads without loading the Cloud's code (where
 * CLOUD_FILES is); their names are part of the contract of DESIGN §7.
 */
const RUNTIME_FILE = 'cloud.json';
const TOKEN_FILE = 'admin.token';

const HEALTH_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 60_000;

/** What a vendor command was told on its command line about where the Cloud is. */
export interface CloudTargetOptions {
  data?: string | undefined;
  cloud?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
}

/** A Cloud reached: its typed API client, and where it is (for messages and `--json`). */
export interface CloudTarget {
  api: CloudApiClient;
  /** The Cloud node's URL. */
  url: string;
}

/**
 * Runs `fn` with the vendor API of the Cloud the options name. A refusal of the Cloud (a
 * {@link CloudApiError}) comes out as a {@link TesseraError} with its code and reason.
 */
export async function withCloud<T>(o: CloudTargetOptions, fn: (api: CloudApiClient) => Promise<T>): Promise<T> {
  const target = await openCloudTarget(o);
  try {
    return await fn(target.api);
  } catch (err) {
    throw cloudFailure(err, target, o);
  }
}

/** Picks the Cloud: `--cloud URL` with a token, or the node running on `--data DIR`. */
export async function openCloudTarget(o: CloudTargetOptions): Promise<CloudTarget> {
  if (o.cloud !== undefined) {
    const token = remoteTokenOf(o, '--cloud URL', 'the API token: DIR/admin.token of a Cloud node');
    const url = cloudUrlOf(o.cloud);
    return { url, api: client(url, token) };
  }
  if (o.token !== undefined || o.tokenFile !== undefined)
    throw new UsageError('--token and --token-file go with --cloud URL');
  if (o.data === undefined) {
    throw new UsageError('give --data DIR (the data directory of a running Cloud node), or --cloud URL --token T');
  }
  const dataDir = resolve(o.data);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new CliError(`data directory ${dataDir} does not exist (\`tessera cloud start --data DIR\` creates one)`);
  }
  const info = readRuntimeInfo(dataDir);
  const start = `start it with \`tessera cloud start --data ${o.data}\`, or give --cloud URL --token T`;
  if (!info) {
    throw new CliError(`no Cloud node is running on ${dataDir} (no ${RUNTIME_FILE}); ${start}`);
  }
  let nonce: unknown;
  try {
    const res = await fetch(`${info.url}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    nonce = ((await res.json()) as { nonce?: unknown }).nonce;
  } catch (err) {
    throw new CliError(
      `no Cloud node answers on ${dataDir}: ${RUNTIME_FILE} names ${info.url}, which did not answer` +
        ` (${transportReason(err)}); ${start}`,
    );
  }
  if (nonce !== info.nonce) {
    throw new CliError(
      `no Cloud node is running on ${dataDir}: ${info.url} is another instance than ${RUNTIME_FILE} names; ${start}`,
    );
  }
  const tokenPath = join(dataDir, TOKEN_FILE);
  let token: string;
  try {
    token = readFileSync(tokenPath, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `a Cloud node is running on ${dataDir} (${info.url}), but its API token ${tokenPath} cannot be read` +
        ` (${code === 'EACCES' ? 'permission denied: run as the user that runs the Cloud' : code})`,
    );
  }
  return { url: info.url, api: client(info.url, token) };
}

function client(url: string, token: string): CloudApiClient {
  return new CloudApiClient({ url, token, timeoutMs: REQUEST_TIMEOUT_MS });
}

/** `DIR/cloud.json` of a running node, when it is there and names a URL and a nonce. */
function readRuntimeInfo(dataDir: string): Pick<CloudRuntimeInfo, 'url' | 'nonce'> | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as Partial<CloudRuntimeInfo>;
    return typeof info.url === 'string' && typeof info.nonce === 'string'
      ? { url: info.url, nonce: info.nonce }
      : undefined;
  } catch {
    return undefined;
  }
}

/** `http://host:port` from `--cloud`, which may also be given as `host:port`. */
export function cloudUrlOf(cloud: string): string {
  return httpUrlOf(cloud, '--cloud', 'http://127.0.0.1:8600');
}

/** A Cloud refusal as a TesseraError (code and reason kept), with a hint where one helps. */
function cloudFailure(err: unknown, target: CloudTarget, o: CloudTargetOptions): unknown {
  if (!(err instanceof CloudApiError)) return err;
  let message = err.message;
  if (err.code === 'UNAUTHORIZED') {
    message += o.data
      ? ` (the token in ${join(resolve(o.data), TOKEN_FILE)} was refused)`
      : ' (check --token: it is DIR/admin.token of a Cloud node)';
  }
  if (err.code === 'UNAVAILABLE' && err.status === undefined) {
    message = `cannot reach the Cloud at ${target.url} (${transportReason(err.cause)})`;
  }
  const opts = {
    ...(err.reason !== undefined && { reason: err.reason }),
    ...(err.details !== undefined && { details: err.details }),
  };
  if (isErrorCode(err.code)) return new TesseraError(err.code, message, opts);
  const status = err.status ?? 503;
  return new TesseraError(status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST', `${message} (${err.code})`, opts);
}
