/**
 * What the C library's TypeScript tests share: where the builds are, a licensed License Server
 * (a real `tessera server start`), a client_property.conf for it, and the conformance driver
 * spoken to line by line. Build first: `node sdk/c/build.mjs` (npm test does).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  cliJson,
  issueInProcess,
  type ServerProcess,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from '../../../packages/cli/test/support.js';

export const C_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The CMake build tree of Debug, ASan + UBSan. */
export const SANITIZED = join(C_DIR, '.build/asan');
/** The CMake build tree without sanitizers: for valgrind, the install and the bench. */
export const PLAIN = join(C_DIR, '.build/plain');
/** Where the conformance suite and the bench scenario find the programs (links into the trees above). */
export const PROGRAMS = join(C_DIR, 'build');

if (!existsSync(join(PROGRAMS, 'tessera-conformance-driver')) || !existsSync(join(PROGRAMS, 'tessera-bench'))) {
  throw new Error(`the C library is not built: run node sdk/c/build.mjs (npm test does)`);
}

/** Runs a command to its end; throws with its output unless it exits 0 (or `allowFail`). */
export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? C_DIR, env: opts.env ?? process.env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function shOk(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const r = sh(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface LicensedServer {
  server: ServerProcess;
  data: string;
  work: string;
  /** "127.0.0.1:PORT" of the client API. */
  address: string;
}

/** A License Server with one license of `features` (e.g. `['asr=5']`), started with `args`. */
export async function licensedServer(features: string[], args: string[] = []): Promise<LicensedServer> {
  const work = tempDir('tessera-c-sdk-');
  const data = join(work, 'srv');
  const vendor = vendorKeyInProcess(join(work, 'vendor'));
  const server = await startServer(data, { vendorKeys: [vendor.pub], args });
  await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
  const lic = join(work, 'a.lic');
  await issueInProcess(vendor, join(work, 'info.bts'), lic, features);
  await cliJson(['license', 'install', lic, '--data', data]);
  return { server, data, work, address: new URL(server.clientUrl).host };
}

/** Writes a client_property.conf listing `servers` and returns its path. */
export function writeConf(dir: string, servers: string, cacheSeconds = 0, name = 'client_property.conf'): string {
  const path = join(dir, name);
  writeFileSync(path, `[GLOBAL]\nLICENSE_SERVERS = ${servers}\nLICENSE_CACHE_PERIOD = ${cacheSeconds}\n`);
  return path;
}

export type Answer = { id: number; ok: boolean; code?: string; message?: string } & Record<string, unknown>;
export type DriverEvent = { event: string; lease: string } & Record<string, unknown>;

const drivers = new Set<Driver>();

/** Kills every driver still running (a test that failed before ending its driver); register with `after`. */
export function killDrivers(): void {
  for (const d of drivers) d.kill();
}

/** The C conformance driver (the sanitized build), spoken to as the conformance suite does. */
export class Driver {
  readonly events: DriverEvent[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  private nextId = 1;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(binary = join(PROGRAMS, 'tessera-conformance-driver')) {
    this.child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Partial<Answer & DriverEvent>;
      if (typeof msg.event === 'string') this.events.push(msg as DriverEvent);
      else this.waiting.get(msg.id as number)?.(msg as Answer);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    drivers.add(this);
    void this.exited.then(() => drivers.delete(this));
  }

  request(op: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Answer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`driver: no answer to ${op} in ${timeoutMs} ms\n${this.stderr}`)),
        timeoutMs,
      );
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(a);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  /** Closes stdin (the driver closes its client and exits) and returns how it exited. */
  async end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin!.end();
    return this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
