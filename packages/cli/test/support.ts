/**
 * End-to-end helpers: run the compiled `tessera` CLI, start License Servers with it on free
 * ports, talk to their client API, and always clean up (child processes and temp dirs), even
 * when a test fails. Build first (`npx tsc -b`); `npm test` does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateSigningKey,
  issueLicense,
  parseFeatureSpec,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
} from '@tessera/core';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'packages/cli/dist/bin/tessera.js');

if (!existsSync(CLI)) {
  throw new Error(`${CLI} is missing: build first (npx tsc -b), the end-to-end tests run the compiled CLI`);
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

// Last resort: whatever is still running when the test process exits is killed.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Kills every child still running and removes the temp dirs. Register with `after(cleanup)`. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => killAndWait(c, 'SIGKILL')));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** A fresh directory under the OS temp dir, removed by {@link cleanup}. */
export function tempDir(prefix = 'tessera-cli-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** A subdirectory that exists (a data dir for direct-mode commands). */
export function makeDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** The environment of a child: ours, without what would change how node or the server runs. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  if (!('TESSERA_TEST_CRASH_AT' in extra)) delete env.TESSERA_TEST_CRASH_AT;
  return env;
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ...args` to its end (killed after `timeoutMs`). */
export function cli(
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const child = track(
    spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: childEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`tessera ${args.join(' ')} took more than ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `tessera ...args --json`, expects success, and returns the parsed object. */
export async function cliJson<T = Record<string, unknown>>(args: readonly string[], opts?: Parameters<typeof cli>[1]) {
  const r = await cli([...args, '--json'], opts);
  if (r.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  // DESIGN §7: `--json` prints one JSON object whose `id` names what the command made or shows.
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

type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** A long-running `tessera ...` (a server, a Cloud node): its output kept as its log. */
interface Daemon {
  child: ChildProcess;
  log(): string;
  exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** SIGTERM and wait for a clean stop (SIGKILL after 10 s). */
  stop(): Promise<ExitStatus>;
}

function spawnDaemon(args: readonly string[], env: NodeJS.ProcessEnv): Daemon {
  const child = track(
    spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  return {
    child,
    log: () => log,
    exited,
    hasExited: () => hasExited,
    async stop() {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** Asks `ready` every 50 ms until it answers; fails when `what` exits first or is not ready in time. */
async function untilReady<T>(
  p: Daemon,
  what: string,
  timeoutMs: number,
  ready: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.hasExited()) throw new Error(`${what} exited while starting:\n${p.log()}`);
    if (Date.now() > deadline) {
      p.child.kill('SIGKILL');
      throw new Error(`${what} did not get ready in time:\n${p.log()}`);
    }
    const info = await ready();
    if (info) return info;
    await sleep(50);
  }
}

export interface RuntimeInfo {
  pid: number;
  nonce: string;
  serverId: string;
  clientUrl: string;
  adminUrl: string;
}

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
  const p = spawnDaemon(args, childEnv(opts.env));
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
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  if (info.pid !== pid) return undefined; // a stale file of an earlier, killed server
  for (const url of [info.clientUrl, info.adminUrl]) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { nonce?: string };
      if (!res.ok || body.nonce !== info.nonce) return undefined;
    } catch {
      return undefined;
    }
  }
  return info;
}

export interface CloudRuntime {
  pid: number;
  nonce: string;
  nodeId: string;
  url: string;
}

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
  const p = spawnDaemon(args, childEnv(opts.env));
  const info = await untilReady(p, `the Cloud on ${dataDir}`, opts.timeoutMs ?? 30_000, () =>
    cloudReady(dataDir, p.child.pid!),
  );
  return { child: p.child, dataDir, info, url: info.url, log: p.log, exited: p.exited, stop: p.stop };
}

async function cloudReady(dataDir: string, pid: number): Promise<CloudRuntime | undefined> {
  let info: CloudRuntime;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')) as CloudRuntime;
  } catch {
    return undefined;
  }
  if (info.pid !== pid) return undefined;
  try {
    const res = await fetch(`${info.url}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { nonce?: string };
    return res.ok && body.nonce === info.nonce ? info : undefined;
  } catch {
    return undefined;
  }
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

/** Today plus `days`, `YYYY-MM-DD` in UTC. */
export function dayFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
