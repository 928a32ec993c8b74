/**
 * End-to-end helpers of the CLI: run the compiled `tessera` CLI, start License Servers and Cloud
 * nodes with it on free ports, talk to their client API, and make fixtures. The processes and
 * their cleanup are the harness shared with the Cloud's tests (test-support/processes.ts). Build
 * first (`npx tsc -b`); `npm test` does.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudRuntimeInfo } from '@tessera/cloud';
import {
  generateSigningKey,
  issueLicense,
  parseFeatureSpec,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
} from '@tessera/core';
import type { RuntimeInfo as ServerRuntimeInfo } from '@tessera/server';
import {
  answersWithNonce,
  childEnv,
  type ExitStatus,
  killAndWait,
  REPO_ROOT,
  type RunResult,
  runToEnd,
  runtimeFileOf,
  tempDir as sharedTempDir,
  sleep,
  spawnDaemon,
  untilReady,
} from '../../../test-support/processes.js';

export { cleanup, dayFromNow, freePort, REPO_ROOT, sleep } from '../../../test-support/processes.js';

export const CLI = join(REPO_ROOT, 'packages/cli/dist/bin/tessera.js');

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build first (npx tsc -b), the end-to-end tests run the compiled CLI`);
}

/** A fresh directory under the OS temp dir, removed by {@link cleanup}. */
export function tempDir(prefix = 'tessera-cli-test-'): string {
  return sharedTempDir(prefix);
}

/** A subdirectory that exists (a data dir for direct-mode commands). */
export function makeDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export type CliResult = RunResult;

/** Runs `tessera ...args` to its end (killed after `timeoutMs`). */
export function cli(
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return runToEnd([CLI, ...args], {
    what: `tessera ${args.join(' ')}`,
    env: childEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 20_000,
    cwd: opts.cwd,
  });
}
/** Runs `tessera ...args --json`, expects success, and returns the parsed object. */
export async function cliJson<T = Record<string, unknown>>(args: readonly string[], opts?: Parameters<typeof cli>[1]) {
  const r = await cli([...args, '--json'], opts);
  if (r.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  // docs/cli.md: `--json` prints one JSON object whose `id` names what the command made or shows.
  const parsed = JSON.parse(r.stdout) as T & { id: string };
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.id !== 'string' || parsed.id === '') {
    throw new Error(`tessera ${args.join(' ')} --json printed no object with an id: ${r.stdout}`);
  }
  return parsed;
}

/** Runs `tessera ...args` and expects exit code 0. */
export async function cliOk(args: readonly string[], opts?: Parameters<typeof cli>[1]): Promise<CliResult> {
  const r = await cli(args, opts);
  if (r.code !== 0)
    throw new Error(`tessera ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** What the tests read of `DIR/server.json`. */
export type RuntimeInfo = Pick<ServerRuntimeInfo, 'pid' | 'nonce' | 'serverId' | 'clientUrl' | 'adminUrl'>;

export interface ServerProcess {
  child: ChildProcess;
  dataDir: string;
  info: RuntimeInfo;
  clientUrl: string;
  adminUrl: string;
  /** What the server wrote on stdout and stderr so far (its log). */
  log(): string;
  /** Resolves when the process has exited. */
  exited: Promise<ExitStatus>;
  /** SIGTERM and wait for a clean stop (SIGKILL after 10 s). */
  stop(): Promise<ExitStatus>;
  /** `kill -9` and wait. */
  kill9(): Promise<void>;
}

/**
 * `tessera server start` on `dataDir` with both listeners on 127.0.0.1 port 0; resolves once
 * DIR/server.json names this process and both /healthz answer with its nonce.
 */
export async function startServer(
  dataDir: string,
  opts: { vendorKeys?: string[]; env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const args = [
    'server',
    'start',
    '--data',
    dataDir,
    '--client-listen',
    '127.0.0.1:0',
    '--admin-listen',
    '127.0.0.1:0',
    '--log-level',
    'warn',
    ...(opts.vendorKeys ?? []).flatMap((k) => ['--vendor-key', k]),
    ...(opts.args ?? []),
  ];
  const p = spawnDaemon([CLI, ...args], childEnv(opts.env));
  const info = await untilReady(p, `the server on ${dataDir}`, opts.timeoutMs ?? 20_000, () =>
    readyInfo(dataDir, p.child.pid!),
  );
  return {
    child: p.child,
    dataDir,
    info,
    clientUrl: info.clientUrl,
    adminUrl: info.adminUrl,
    log: p.log,
    exited: p.exited,
    stop: p.stop,
    kill9: () => killAndWait(p.child, 'SIGKILL'),
  };
}

async function readyInfo(dataDir: string, pid: number): Promise<RuntimeInfo | undefined> {
  const info = runtimeFileOf<RuntimeInfo>(dataDir, 'server.json', pid);
  if (!info) return undefined;
  for (const url of [info.clientUrl, info.adminUrl]) if (!(await answersWithNonce(url, info.nonce))) return undefined;
  return info;
}

/** What the tests read of `DIR/cloud.json`. */
export type CloudRuntime = Pick<CloudRuntimeInfo, 'pid' | 'nonce' | 'nodeId' | 'url'>;

export interface CloudProcess {
  child: ChildProcess;
  dataDir: string;
  info: CloudRuntime;
  url: string;
  /** What the node wrote on stdout and stderr so far. */
  log(): string;
  exited: Promise<ExitStatus>;
  /** SIGTERM and wait for a clean stop (SIGKILL after 10 s). */
  stop(): Promise<ExitStatus>;
}

/**
 * `tessera cloud start` on `dataDir`, listening on 127.0.0.1 port 0; resolves once
 * DIR/cloud.json names this process and its /healthz answers with the same nonce.
 */
export async function startCloud(
  dataDir: string,
  opts: { args?: string[]; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CloudProcess> {
  const args = [
    'cloud',
    'start',
    '--data',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--log-level',
    'warn',
    ...(opts.args ?? []),
  ];
  const p = spawnDaemon([CLI, ...args], childEnv(opts.env));
  const info = await untilReady(p, `the Cloud on ${dataDir}`, opts.timeoutMs ?? 30_000, () =>
    cloudReady(dataDir, p.child.pid!),
  );
  return { child: p.child, dataDir, info, url: info.url, log: p.log, exited: p.exited, stop: p.stop };
}

async function cloudReady(dataDir: string, pid: number): Promise<CloudRuntime | undefined> {
  const info = runtimeFileOf<CloudRuntime>(dataDir, 'cloud.json', pid);
  return info && (await answersWithNonce(info.url, info.nonce)) ? info : undefined;
}

/** The admin API of a Cloud started by {@link startCloud}, called with its DIR/admin.token. */
export interface CloudAdmin {
  /** One call; a refusal throws with the method, path, status and body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A one-time enrollment code for a flexible License Server of the customer. */
  enroll(customerId: string): Promise<string>;
  /** The whole allocation of an enrolled server: `count` seats of `feature`, every other feature 0. */
  allocate(serverId: string, feature: string, count: number): Promise<unknown>;
}

export function cloudAdmin(cloud: CloudProcess): CloudAdmin {
  const token = readFileSync(join(cloud.dataDir, 'admin.token'), 'utf8').trim();
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${cloud.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    api,
    enroll: async (customerId) => (await api<{ code: string }>('POST', '/api/v1/enrollments', { customerId })).code,
    allocate: (serverId, feature, count) =>
      api('PUT', `/api/v1/servers/${serverId}/allocations`, { features: [{ feature, count }] }),
  };
}

/**
 * A customer with a flexible entitlement of `feature` (`NAME=COUNT`), made with the CLI on the
 * Cloud's data dir (`entitlement add` puts the feature in the catalog); returns the customer id.
 */
export async function flexibleCustomer(cloud: CloudProcess, name: string, feature: string): Promise<string> {
  const at = ['--data', cloud.dataDir];
  const { id } = await cliJson(['vendor', 'customer', 'add', name, ...at]);
  await cliJson(['vendor', 'entitlement', 'add', '--customer', id, '--type', 'flexible', '--feature', feature, ...at]);
  return id;
}

/** Asks `tessera sync status` until the server on `dataDir` is enrolled (100 tries); whether it is. */
export async function untilEnrolled(dataDir: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await cliJson<{ enrolled: boolean }>(['sync', 'status', '--data', dataDir])).enrolled) return true;
    await sleep(100);
  }
  return false;
}

// ---- the client protocol, raw (the SDK hides statuses the tests want to see) ----

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function http<T>(method: string, url: string, body?: unknown): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export function checkout(clientUrl: string, feature: string, count = 1, clientId = 'test-client') {
  return http<{ leaseId: string; licenseId: string; error?: { code: string } }>('POST', `${clientUrl}/v1/leases`, {
    feature,
    count,
    client: { id: clientId },
  });
}

export function heartbeat(clientUrl: string, leaseId: string) {
  return http<{ expiresAt?: string; error?: { code: string; reason?: string } }>(
    'POST',
    `${clientUrl}/v1/leases/${encodeURIComponent(leaseId)}/heartbeat`,
  );
}

export function release(clientUrl: string, leaseId: string) {
  return http('DELETE', `${clientUrl}/v1/leases/${encodeURIComponent(leaseId)}`);
}

export interface FeaturesBody {
  poolId: string;
  features: { feature: string; total: number; inUse: number; available: number; licenses: { licenseId: string }[] }[];
}

export async function features(clientUrl: string): Promise<FeaturesBody> {
  return (await http<FeaturesBody>('GET', `${clientUrl}/v1/features`)).body;
}

// ---- fixtures made with the CLI itself ----

export interface Vendor {
  dir: string;
  key: string;
  pub: string;
}

/** `tessera vendor keygen --out DIR`. */
export async function keygen(dir: string): Promise<Vendor> {
  const r = await cliJson(['vendor', 'keygen', '--out', dir]);
  return { dir, key: r.privateKey as string, pub: r.publicKey as string };
}

/**
 * A vendor key pair made in-process (what `vendor keygen` writes), for tests whose subject is
 * not the vendor tools: a spawned CLI costs half a second on a busy machine.
 */
export function vendorKeyInProcess(dir: string): Vendor {
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateSigningKey();
  const vendor = { dir, key: join(dir, 'vendor.key'), pub: join(dir, 'vendor.pub') };
  writeFileSync(vendor.key, privateKeyToPem(privateKey), { mode: 0o600 });
  writeFileSync(vendor.pub, publicKeyToPem(publicKey));
  return vendor;
}

/** A license file signed in-process (what `vendor issue` writes); returns the license id. */
export async function issueInProcess(
  vendor: Vendor,
  serverIdFile: string,
  out: string,
  featureSpecs: string[],
  opts: { licenseId?: string; revision?: number } = {},
): Promise<string> {
  const { claims, file } = await issueLicense({
    serverIdFile: readFileSync(serverIdFile, 'utf8'),
    vendorKey: privateKeyFromPem(readFileSync(vendor.key, 'utf8')),
    customer: 'Test Customer',
    features: featureSpecs.map(parseFeatureSpec),
    nowMs: Date.now(),
    ...opts,
  });
  writeFileSync(out, file);
  return claims.licenseId;
}

/** `tessera vendor issue ...`; returns the license id. */
export async function issue(
  vendor: Vendor,
  serverIdFile: string,
  out: string,
  featureSpecs: string[],
  extra: string[] = [],
): Promise<string> {
  const r = await cliJson([
    'vendor',
    'issue',
    '--signing-key',
    vendor.key,
    '--server-id',
    serverIdFile,
    '--feature',
    ...featureSpecs,
    '--out',
    out,
    ...extra,
  ]);
  return r.id;
}

/** The one line of stderr of a failed command (asserting there is exactly one). */
export function oneStderrLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected exactly one line on stderr, got ${lines.length}:\n${r.stderr}`);
  return lines[0]!;
}
