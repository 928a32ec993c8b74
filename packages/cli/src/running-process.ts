/**
 * Reaching a Tessera process from the command line: the License Server's admin API (admin-target.ts)
 * and a Cloud node's vendor API (cloud-target.ts) are found the same way.
 *
 * - `--server URL` / `--cloud URL` with `--token T` or `--token-file FILE`: a process anywhere.
 * - `--data DIR`: the process running on this machine's data dir. Its runtime file (`DIR/server.json`,
 *   `DIR/cloud.json`) names its URL and an instance nonce; the nonce must match what `/healthz` answers,
 *   so a stale file of a killed process is never trusted. The token is `DIR/admin.token`. With none
 *   running, the caller decides: the License Server's data dir is opened directly, a Cloud's is not.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readText } from './files.js';
import { CliError, UsageError } from './output.js';

/** The token file of a data dir; its name is part of the CLI's contract with both processes. */
export const TOKEN_FILE = 'admin.token';

export const HEALTH_TIMEOUT_MS = 3000;
export const REQUEST_TIMEOUT_MS = 60_000;

/** What differs between a License Server and a Cloud node, for finding one and for the messages. */
export interface ProcessKind {
  /** The runtime file in DIR, read without loading the process's code (`server.json`, `cloud.json`). */
  runtimeFile: string;
  /** The runtime file's key for the URL the CLI talks to (`adminUrl`, `url`). */
  urlKey: string;
  /** e.g. `a License Server` */
  aProcess: string;
  /** e.g. `admin token` */
  tokenName: string;
  /** Who must run the command when the token file is not readable, e.g. `the server`. */
  runBy: string;
}

/** What `--data DIR` found. */
export type ProcessProbe =
  | { state: 'running'; url: string; token: string }
  /** No runtime file, or one that is not JSON. */
  | { state: 'none' }
  /** A runtime file without a URL and a nonce. */
  | { state: 'unreadable' }
  /** The URL did not answer `/healthz` (`status` when it answered, but not 2xx). */
  | { state: 'silent'; url: string; reason: string; status?: number }
  /** Something answers at the URL, but not the instance the runtime file names. */
  | { state: 'other-instance'; url: string };

/**
 * Finds the process running on `dataDir`. A running one whose token file cannot be read is refused
 * here (the caller must not go around a running process).
 */
export async function findRunningProcess(dataDir: string, kind: ProcessKind): Promise<ProcessProbe> {
  let info: Record<string, unknown> | null;
  try {
    info = JSON.parse(readFileSync(join(dataDir, kind.runtimeFile), 'utf8')) as Record<string, unknown> | null;
  } catch {
    return { state: 'none' };
  }
  const url = info?.[kind.urlKey];
  if (typeof url !== 'string' || typeof info?.nonce !== 'string') return { state: 'unreadable' };
  let nonce: unknown;
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    if (!res.ok) return { state: 'silent', url, reason: `HTTP ${res.status}`, status: res.status };
    nonce = ((await res.json()) as { nonce?: unknown } | null)?.nonce;
  } catch (err) {
    return { state: 'silent', url, reason: transportReason(err) };
  }
  if (nonce !== info.nonce) return { state: 'other-instance', url };
  const tokenPath = join(dataDir, TOKEN_FILE);
  try {
    return { state: 'running', url, token: readFileSync(tokenPath, 'utf8').trim() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `${kind.aProcess} is running on ${dataDir} (${url}), but its ${kind.tokenName} ${tokenPath} cannot be read` +
        ` (${code === 'EACCES' ? `permission denied: run as the user that runs ${kind.runBy}` : code})`,
    );
  }
}

/** `--data DIR` as an absolute path, refused unless it is a directory. */
export function existingDataDir(data: string, creates: string): string {
  const dataDir = resolve(data);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new CliError(`data directory ${dataDir} does not exist (${creates})`);
  }
  return dataDir;
}

/**
 * The token that goes with a remote target (`--server URL`, `--cloud URL`): `--token T` or the
 * first line of `--token-file FILE`; `--data DIR` and both token options at once are refused.
 */
export function remoteTokenOf(
  o: { data?: string | undefined; token?: string | undefined; tokenFile?: string | undefined },
  option: string,
  whatToken: string,
): string {
  if (o.data !== undefined) throw new UsageError(`give either --data DIR or ${option}, not both`);
  if (o.token !== undefined && o.tokenFile !== undefined)
    throw new UsageError('give --token or --token-file, not both');
  const token = o.token ?? (o.tokenFile !== undefined ? readText(o.tokenFile, 'token file').trim() : undefined);
  if (!token) throw new UsageError(`${option} needs --token T or --token-file FILE (${whatToken})`);
  return token;
}

/**
 * A base URL from an option that takes `http(s)://host:port` or bare `host:port` (then http);
 * a usage error names the option and shows an example otherwise.
 */
export function httpUrlOf(value: string, option: string, example: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${option} must be a URL like ${example}, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${option} must be an http:// or https:// URL, got "${value}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Why a fetch failed, in a few words (`ECONNREFUSED`, `timed out`, ...). */
export function transportReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause;
  if (cause?.code === 'UND_ERR_SOCKET') return 'the connection was closed before an answer';
  if (cause?.code) return cause.code;
  return cause?.message ?? e?.message ?? String(err);
}
