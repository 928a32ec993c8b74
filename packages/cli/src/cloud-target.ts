/**
 * How a `tessera vendor ...` command reaches a running Cloud (docs/cli.md), found as admin-target.ts
 * finds a License Server (running-process.ts):
 *
 * - `--cloud URL --token T` (or `--token-file FILE`): the vendor API of a Cloud node anywhere.
 *   The token is that node's `DIR/admin.token`.
 * - `--data DIR`: the data directory of a Cloud node on this machine (`DIR/cloud.json`, its
 *   nonce at `/healthz`, `DIR/admin.token`).
 *
 * Unlike a License Server, a Cloud is never opened directly: its database may be shared by
 * other nodes, so with no node running on DIR the command fails and says how to start one.
 * Refusals of the Cloud become TesseraErrors (code and reason kept), so they print as one line.
 * Only the Cloud's HTTP client is loaded (`@tessera/cloud/client`), never the Cloud itself: the
 * whole of `@tessera/cloud` takes about half a second to import, which a vendor command never needs.
 */
import { join, resolve } from 'node:path';
import type { CloudRuntimeInfo } from '@tessera/cloud';
import { CloudApiClient, CloudApiError } from '@tessera/cloud/client';
import { TesseraError } from '@tessera/core';
import { CliError, isErrorCode, UsageError } from './output.js';
import {
  existingDataDir,
  findRunningProcess,
  httpUrlOf,
  type ProcessKind,
  REQUEST_TIMEOUT_MS,
  remoteTokenOf,
  TOKEN_FILE,
  transportReason,
} from './running-process.js';

/**
 * A Cloud node as `--data DIR` finds it, without loading the Cloud's code (where CLOUD_FILES is);
 * `cloud.json` is part of the CLI's contract (docs/cli.md).
 */
const CLOUD_NODE: ProcessKind = {
  runtimeFile: 'cloud.json',
  urlKey: 'url' satisfies keyof CloudRuntimeInfo,
  aProcess: 'a Cloud node',
  tokenName: 'API token',
  runBy: 'the Cloud',
};

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
  const dataDir = existingDataDir(o.data, '`tessera cloud start --data DIR` creates one');
  const probe = await findRunningProcess(dataDir, CLOUD_NODE);
  if (probe.state === 'running') return { url: probe.url, api: client(probe.url, probe.token) };
  const file = CLOUD_NODE.runtimeFile;
  const start = `start it with \`tessera cloud start --data ${o.data}\`, or give --cloud URL --token T`;
  switch (probe.state) {
    case 'none':
    case 'unreadable':
      throw new CliError(`no Cloud node is running on ${dataDir} (no ${file}); ${start}`);
    case 'silent':
      throw new CliError(
        `no Cloud node answers on ${dataDir}: ${file} names ${probe.url}, which did not answer (${probe.reason}); ${start}`,
      );
    case 'other-instance':
      throw new CliError(
        `no Cloud node is running on ${dataDir}: ${probe.url} is another instance than ${file} names; ${start}`,
      );
  }
}

function client(url: string, token: string): CloudApiClient {
  return new CloudApiClient({ url, token, timeoutMs: REQUEST_TIMEOUT_MS });
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
