/**
 * License Servers for the scenarios: the compiled `tessera server start` (through the CLI's
 * end-to-end helpers), licensed over its admin API with licenses signed in-process by a test
 * vendor key, with short lease times so scenarios that wait for heartbeats stay short.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueLicense, privateKeyFromPem } from '@tessera/core';
import {
  dayFromNow,
  type ServerProcess,
  startServer,
  tempDir,
  type Vendor,
  vendorKeyInProcess,
} from '../../../packages/cli/test/support.js';

/**
 * Lease times of the scenarios' servers: a lapse is quick to see, and a heartbeat delayed by a
 * loaded machine still has 5 s of slack.
 */
export const SHORT_LEASE = { leaseSeconds: 6, heartbeatSeconds: 1 } as const;

/** Generous: rows start servers side by side, and the machine is shared (load 30 and more seen). */
const SERVER_START_TIMEOUT_MS = 60_000;

let vendor: Vendor | undefined;
/** One test vendor key per test process: every server trusts it. */
export function testVendor(): Vendor {
  vendor ??= vendorKeyInProcess(join(tempDir('tessera-conformance-vendor-'), 'vendor'));
  return vendor;
}

export interface LicenseSpec {
  /** `NAME=COUNT` each. */
  features: string[];
  maintenanceUntil?: string;
  expires?: string;
}

export interface ServerSpec {
  licenses?: LicenseSpec[];
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  /** Extra environment of the server process (test knobs). */
  env?: Record<string, string>;
}

export interface AdminLease {
  leaseId: string;
  licenseId: string;
  feature: string;
  count: number;
  clientId: string;
  host: string | null;
  app: string | null;
  version: string | null;
  releaseDate: string;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A running License Server with an admin token, its licenses and its data dir. */
export class LicensedServer {
  readonly licenseIds: string[] = [];
  private token: string;

  private constructor(
    private proc: ServerProcess,
    private readonly spec: ServerSpec,
    /** The client port, kept across restarts. */
    readonly port: number,
  ) {
    this.token = readFileSync(join(proc.dataDir, 'admin.token'), 'utf8').trim();
  }

  static async start(spec: ServerSpec = {}): Promise<LicensedServer> {
    const dataDir = join(tempDir('tessera-conformance-server-'), 'data');
    const proc = await startServer(dataDir, {
      vendorKeys: [testVendor().pub],
      args: leaseArgs(spec),
      env: spec.env ?? {},
      timeoutMs: SERVER_START_TIMEOUT_MS,
    });
    const server = new LicensedServer(proc, spec, Number(new URL(proc.clientUrl).port));
    for (const l of spec.licenses ?? []) await server.install(l);
    return server;
  }

  /** `http://127.0.0.1:PORT`: what a driver reports as the server of a lease. */
  get clientUrl(): string {
    return this.proc.clientUrl;
  }
  /** `127.0.0.1:PORT`: how `client_property.conf` names it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  get serverId(): string {
    return this.proc.info.serverId;
  }
  /** A License Server's pool is its server id. */
  get poolId(): string {
    return this.proc.info.serverId;
  }
  get dataDir(): string {
    return this.proc.dataDir;
  }
  log(): string {
    return this.proc.log();
  }

  /** One call of the admin API with the CLI's token. */
  async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    const res = await fetch(`${this.proc.adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T };
  }

  private async adminOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.admin<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} on the server: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Signs a license for this server with the test vendor key and installs it; returns its id. */
  async install(spec: LicenseSpec): Promise<string> {
    const { file: serverIdFile } = await this.adminOk<{ file: string }>('POST', '/api/v1/server-id-file');
    const { claims, file } = await issueLicense({
      serverIdFile,
      vendorKey: privateKeyFromPem(readFileSync(testVendor().key, 'utf8')),
      customer: 'Conformance Customer',
      features: spec.features.map((f) => {
        const [name, count] = f.split('=');
        return { name: name!, count: Number(count) };
      }),
      maintenanceUntil: spec.maintenanceUntil ?? dayFromNow(365),
      ...(spec.expires !== undefined && { expires: spec.expires }),
      nowMs: Date.now(),
    });
    await this.adminOk('POST', '/api/v1/licenses', { file });
    this.licenseIds.push(claims.licenseId);
    return claims.licenseId;
  }

  /** The leases held for `feature`, as the admin API lists them. */
  async leases(feature: string): Promise<AdminLease[]> {
    return (
      await this.adminOk<{ leases: AdminLease[] }>('GET', `/api/v1/leases?feature=${encodeURIComponent(feature)}`)
    ).leases;
  }

  /** Seats of `feature` held now. */
  async inUse(feature: string): Promise<number> {
    return (await this.leases(feature)).reduce((n, l) => n + l.count, 0);
  }

  /** An admin's Release of one lease: its holder hears `LEASE_GONE` (`REVOKED_BY_ADMIN`). */
  async revoke(leaseId: string): Promise<void> {
    await this.adminOk('DELETE', `/api/v1/leases/${encodeURIComponent(leaseId)}`);
  }

  /** Saves settings (`PUT /api/v1/settings`); they apply at once where the key says so. */
  async setSettings(values: Record<string, string | null>): Promise<void> {
    await this.adminOk('PUT', '/api/v1/settings', { values });
  }

  /** Heartbeats this process has extended (`tessera_heartbeats_total{result="ok"}`). */
  async heartbeatsOk(): Promise<number> {
    const text = await this.adminOk<string>('GET', '/metrics');
    const m = /^tessera_heartbeats_total\{result="ok"\} (\d+)/m.exec(String(text));
    return m ? Number(m[1]) : 0;
  }

  /** `kill -9` the server. */
  kill9(): Promise<void> {
    return this.proc.kill9();
  }

  /** Starts the server again on the same data dir and client port (after {@link kill9}). */
  async restart(): Promise<void> {
    this.proc = await startServer(this.proc.dataDir, {
      vendorKeys: [testVendor().pub],
      args: [...leaseArgs(this.spec), '--client-listen', this.address],
      env: this.spec.env ?? {},
      timeoutMs: SERVER_START_TIMEOUT_MS,
    });
    this.token = readFileSync(join(this.proc.dataDir, 'admin.token'), 'utf8').trim();
  }
}

function leaseArgs(spec: ServerSpec): string[] {
  return [
    '--lease-seconds',
    String(spec.leaseSeconds ?? SHORT_LEASE.leaseSeconds),
    '--heartbeat-seconds',
    String(spec.heartbeatSeconds ?? SHORT_LEASE.heartbeatSeconds),
  ];
}
