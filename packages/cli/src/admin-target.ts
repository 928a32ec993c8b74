/**
 * How an admin command reaches a License Server (docs/cli.md). Commands call an
 * {@link AdminTarget} and do not care which of two ways is behind it:
 *
 * - **admin API**: `--server URL --token T`, or `--data DIR` while a server runs on DIR (found as
 *   running-process.ts finds it: `DIR/server.json`, its nonce at `/healthz`, `DIR/admin.token`).
 * - **data dir**: `--data DIR` with no server running. The CLI opens DIR itself under its
 *   exclusive lock (`openServerCore`) and runs the very service methods the admin API runs,
 *   as the actor `cli:local`.
 */
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import type {
  Actor,
  LeaseRow,
  LicenseTree,
  LicenseView,
  ServerCore,
  ServerInfo,
  SettingEdits,
  SettingsUpdate,
  SettingView,
  UsageView,
} from '@tessera/server';
import { createServerLogger } from './logger.js';
import { isErrorCode, note, UsageError } from './output.js';
import {
  existingDataDir,
  findRunningProcess,
  httpUrlOf,
  type ProcessKind,
  type ProcessProbe,
  REQUEST_TIMEOUT_MS,
  remoteTokenOf,
  TOKEN_FILE,
  transportReason,
} from './running-process.js';
import { coreUserAdmin, httpUserAdmin, type UserAdmin } from './user-target.js';

export type { ServerInfo, UsageView };

/** A seat held, as `GET /api/v1/leases` shows it: the lease's row, its start as an ISO instant. */
export type HeldLease = LeaseRow & { since: string };

/** A license as installed: the tree's view of it. */
export type InstalledLicense = LicenseView;
/** A renewed license, and how many leases lost their seats because the renewal holds fewer. */
export type RenewedLicense = LicenseView & { revokedLeases: number };

export interface UninstallResult {
  /** The signed uninstall certificate (file text). */
  certificate: string;
  /** Leases that lost their seats; their holders hear LEASE_GONE (LICENSE_UNINSTALLED). */
  revokedLeases: number;
}

/**
 * Flexible licensing actions (docs/flexible.md): status, Resync Info, Create Report File, Import Sync
 * File, Send Report File (relay). Results are the admin API's JSON.
 */
export type FlexibleOp = 'status' | 'resync' | 'report' | 'import' | 'relay';

const FLEXIBLE_ROUTES: Record<FlexibleOp, { method: 'GET' | 'POST'; path: string }> = {
  status: { method: 'GET', path: '/api/v1/flexible/status' },
  resync: { method: 'POST', path: '/api/v1/flexible/resync' },
  report: { method: 'POST', path: '/api/v1/flexible/report' },
  import: { method: 'POST', path: '/api/v1/flexible/sync' },
  relay: { method: 'POST', path: '/api/v1/flexible/relay' },
};

/** The License Server's admin actions, reached through its admin API or its data dir. */
export interface AdminTarget {
  /** `admin-api` (a running server) or `data-dir` (opened directly, no server running). */
  readonly via: 'admin-api' | 'data-dir';
  /** The admin URL or the data directory, for messages. */
  readonly where: string;
  /** Make Server ID File: the text of `info.bts`. */
  serverIdFile(): Promise<string>;
  /** Install License from the text of a `.lic` file. */
  install(licenseFile: string): Promise<InstalledLicense>;
  /** Renew License: same id, higher revision, same binding. */
  renew(licenseFile: string): Promise<RenewedLicense>;
  /** Uninstall License (permanent); returns the signed certificate. */
  uninstall(licenseId: string): Promise<UninstallResult>;
  /** The uninstall certificate of a license uninstalled earlier, again. */
  certificate(licenseId: string): Promise<string>;
  /** The license tree: server, licenses, features, seats in use, dates. */
  list(): Promise<LicenseTree>;
  /** A flexible licensing action; `file` is the Sync File (import) or Report File (relay). */
  flexible(op: FlexibleOp, file?: string): Promise<unknown>;
  /** The settings (`DIR/server.conf` under the start flags) and the file's path. */
  settings(): Promise<SettingsListing>;
  /** Saves settings; a running server applies the live ones at once. */
  updateSettings(values: SettingEdits): Promise<SettingsUpdate>;
  /** The server's users: list, add, role, disable / enable, reset password, delete. */
  users(): UserAdmin;
  /** Releases what the target holds (the data-dir lock); safe to call twice. */
  close(): Promise<void>;
}

export interface SettingsListing {
  file: string;
  settings: SettingView[];
}

/** What an admin command was told on its command line about where the server is. */
export interface TargetOptions {
  data?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  /** Extra trusted vendor keys, for the data-dir way (a running server has its own). */
  vendorKeys?: string[] | undefined;
  /** The command, named in the lock file while the data dir is open. */
  command: string;
}

/** A License Server as `--data DIR` finds it; `server.json` is part of the CLI's contract (docs/cli.md). */
export const LICENSE_SERVER: ProcessKind = {
  runtimeFile: 'server.json',
  urlKey: 'adminUrl',
  aProcess: 'a License Server',
  tokenName: 'admin token',
  runBy: 'the server',
};

/** Runs `fn` with the target the options name, and always closes it. */
export async function withAdminTarget<T>(o: TargetOptions, fn: (target: AdminTarget) => Promise<T>): Promise<T> {
  const target = await openAdminTarget(o);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

/** Picks and opens the target: remote admin API, running server on DIR, or DIR itself. */
export async function openAdminTarget(o: TargetOptions): Promise<AdminTarget> {
  if (o.server !== undefined) {
    const token = remoteTokenOf(o, '--server URL', 'the admin token: DIR/admin.token on the server machine');
    return new HttpAdminTarget(adminUrlOf(o.server), token);
  }
  if (o.token !== undefined || o.tokenFile !== undefined)
    throw new UsageError('--token and --token-file go with --server URL');
  if (o.data === undefined) {
    throw new UsageError('give --data DIR (the License Server data directory), or --server URL --token T');
  }
  const dataDir = existingDataDir(o.data, 'a typo? `tessera server start --data DIR` creates one');
  const probe = await findRunningProcess(dataDir, LICENSE_SERVER);
  if (probe.state === 'running') return new HttpAdminTarget(probe.url, probe.token, dataDir);
  return openDataDir(dataDir, o, whyNotRunning(probe));
}

/** What a server.json that was there says about why no server answers; nothing when there was none. */
function whyNotRunning(probe: Exclude<ProcessProbe, { state: 'running' }>): string | undefined {
  const file = LICENSE_SERVER.runtimeFile;
  switch (probe.state) {
    case 'none':
      return undefined;
    case 'unreadable':
      return `${file} is not readable`;
    case 'silent':
      return probe.status !== undefined
        ? `${probe.url}/healthz answered ${probe.status}`
        : `its admin API at ${probe.url} did not answer (${probe.reason})`;
    case 'other-instance':
      return `${probe.url} is another server instance than ${file} names`;
  }
}

/** `http://host:port` from `--server`, which may also be given as `host:port`. */
export function adminUrlOf(server: string): string {
  return httpUrlOf(server, '--server', 'http://127.0.0.1:7570');
}

/** The admin API of a running License Server. */
export class HttpAdminTarget implements AdminTarget {
  readonly via = 'admin-api' as const;

  constructor(
    readonly where: string,
    private readonly token: string,
    /** Set when the token came from this data dir, for a better message if it is refused. */
    private readonly dataDir?: string,
  ) {}

  async serverIdFile(): Promise<string> {
    return (await this.call<{ file: string }>('POST', '/api/v1/server-id-file')).file;
  }

  install(licenseFile: string): Promise<InstalledLicense> {
    return this.call('POST', '/api/v1/licenses', { file: licenseFile });
  }

  renew(licenseFile: string): Promise<RenewedLicense> {
    return this.call('POST', '/api/v1/licenses/renew', { file: licenseFile });
  }

  uninstall(licenseId: string): Promise<UninstallResult> {
    return this.call('POST', `/api/v1/licenses/${encodeURIComponent(licenseId)}/uninstall`);
  }

  async certificate(licenseId: string): Promise<string> {
    const path = `/api/v1/licenses/${encodeURIComponent(licenseId)}/certificate`;
    return (await this.call<{ certificate: string }>('GET', path)).certificate;
  }

  list(): Promise<LicenseTree> {
    return this.call('GET', '/api/v1/licenses');
  }

  flexible(op: FlexibleOp, file?: string): Promise<unknown> {
    const route = FLEXIBLE_ROUTES[op];
    return this.call(route.method, route.path, file !== undefined ? { file } : undefined);
  }

  settings(): Promise<SettingsListing> {
    return this.call('GET', '/api/v1/settings');
  }

  updateSettings(values: SettingEdits): Promise<SettingsUpdate> {
    return this.call('PUT', '/api/v1/settings', { values });
  }

  users(): UserAdmin {
    return httpUserAdmin((method, path, body) => this.call(method, path, body));
  }

  /** `GET /api/v1/server`: id, mode, addresses, leases held (a running server only). */
  serverInfo(): Promise<ServerInfo> {
    return this.call('GET', '/api/v1/server');
  }

  /** The leases held for one feature (a running server only: seats live in its lease engine). */
  async leases(feature: string): Promise<HeldLease[]> {
    return (await this.call<{ leases: HeldLease[] }>('GET', `/api/v1/leases?feature=${encodeURIComponent(feature)}`))
      .leases;
  }

  /** Releases a lease by hand; its client hears REVOKED_BY_ADMIN at its next heartbeat. */
  async releaseLease(leaseId: string): Promise<void> {
    await this.call('DELETE', `/api/v1/leases/${encodeURIComponent(leaseId)}`);
  }

  /** `GET /api/v1/usage?days=N`: per feature, one value per UTC hour, oldest first. */
  usage(days: number): Promise<UsageView> {
    return this.call('GET', `/api/v1/usage?days=${days}`);
  }

  async close(): Promise<void> {}

  private async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    // No content-type without a body: Fastify refuses an empty JSON body.
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.where}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TesseraError(
        'UNAVAILABLE',
        `cannot reach the License Server admin API at ${this.where} (${transportReason(err)})`,
      );
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new TesseraError(
        'UNAVAILABLE',
        `the License Server at ${this.where} stopped answering (${transportReason(err)}); check the result with \`tessera license list\``,
      );
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok) {
      if (parsed === undefined && res.status === 204) return undefined as T;
      if (parsed === undefined)
        throw new TesseraError('INTERNAL', `${method} ${path} answered ${res.status} without JSON`);
      return parsed as T;
    }
    throw this.errorOf(res.status, parsed);
  }

  private errorOf(status: number, body: unknown): TesseraError {
    const e = (body as { error?: { code?: unknown; message?: unknown; reason?: unknown } } | undefined)?.error;
    const code = isErrorCode(e?.code) ? e.code : status >= 500 ? 'UNAVAILABLE' : 'BAD_REQUEST';
    const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
    let message = typeof e?.message === 'string' ? e.message : `the admin API answered HTTP ${status}`;
    if (code === 'UNAUTHORIZED') {
      message += this.dataDir
        ? ` (the token in ${join(this.dataDir, TOKEN_FILE)} was refused)`
        : ' (check --token: it is DIR/admin.token on the server machine)';
    }
    return new TesseraError(code, message, {
      ...(typeof e?.reason === 'string' && { reason: e.reason }),
      ...(details !== null && typeof details === 'object' && { details: details as Record<string, unknown> }),
    });
  }
}

/**
 * The service methods of a {@link ServerCore}, as one actor. Used on a data dir opened by the
 * CLI (which then owns the core and closes it) and by `tessera demo` on its own running server.
 */
export class CoreAdminTarget implements AdminTarget {
  readonly via = 'data-dir' as const;

  constructor(
    private readonly core: ServerCore,
    private readonly actor: Actor,
    private readonly onClose: () => void = () => {},
    /** Adds a hint to an error (e.g. why a key is unknown when no server runs). */
    private readonly explain: (err: unknown) => unknown = (err) => err,
  ) {}

  get where(): string {
    return this.core.dataDir;
  }

  serverIdFile(): Promise<string> {
    return this.run(() => this.core.licenses.makeServerIdFile(this.actor));
  }

  install(licenseFile: string): Promise<InstalledLicense> {
    return this.run(() => this.core.licenses.install(this.actor, licenseFile));
  }

  renew(licenseFile: string): Promise<RenewedLicense> {
    return this.run(() => this.core.licenses.renew(this.actor, licenseFile));
  }

  uninstall(licenseId: string): Promise<UninstallResult> {
    return this.run(() => this.core.licenses.uninstall(this.actor, licenseId));
  }

  certificate(licenseId: string): Promise<string> {
    return this.run(async () => this.core.licenses.certificate(licenseId));
  }

  list(): Promise<LicenseTree> {
    return this.run(async () => this.core.licenses.tree());
  }

  flexible(op: FlexibleOp, file?: string): Promise<unknown> {
    return this.run(async () => {
      const { FlexibleActions } = await import('@tessera/server');
      // No server runs: no exchange schedule. Resync and relay use the Cloud nodes of server.conf,
      // or those the server last ran with (given as a flag, say).
      const actions = new FlexibleActions(this.core.flexible, undefined, () => {
        const cloud = this.core.settings.cloudConnection();
        return cloud.urls.length > 0 ? cloud : { ...cloud, urls: this.core.flexible.cloudUrls() };
      });
      switch (op) {
        case 'status':
          return actions.status();
        case 'resync':
          return actions.resync(this.actor);
        case 'report':
          return actions.createReport(this.actor);
        case 'import':
          return actions.importSync(this.actor, file ?? '');
        case 'relay':
          return actions.relay(this.actor, file ?? '');
      }
    });
  }

  settings(): Promise<SettingsListing> {
    return this.run(async () => ({ file: this.core.settings.path, settings: this.core.settings.view() }));
  }

  updateSettings(values: SettingEdits): Promise<SettingsUpdate> {
    return this.run(() => this.core.settings.update(this.actor, values));
  }

  users(): UserAdmin {
    return coreUserAdmin(this.core, this.actor, (fn) => this.run(fn));
  }

  async close(): Promise<void> {
    this.onClose();
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.explain(err);
    }
  }
}

/** Opens DIR under its lock, with a quiet logger (stdout belongs to the command's result). */
async function openDataDir(dataDir: string, o: TargetOptions, whyNotRunning: string | undefined): Promise<AdminTarget> {
  const { openServerCore, LOCAL_CLI_ACTOR, DATA_FILES } = await import('@tessera/server');
  let core: ServerCore;
  try {
    core = await openServerCore({
      dataDir,
      vendorKeyFiles: o.vendorKeys ?? [],
      logger: createServerLogger('error'),
      lockHolder: `tessera ${o.command}`,
    });
  } catch (err) {
    if (err instanceof TesseraError && err.code === 'DATA_DIR_LOCKED' && whyNotRunning) {
      throw new TesseraError('DATA_DIR_LOCKED', `${err.message}; ${whyNotRunning}`);
    }
    throw err;
  }
  if (core.initialPasswordWritten) {
    note(
      `tessera: initialized License Server data directory ${dataDir} (server id ${core.identity.serverId}; ` +
        `the password of user admin is in ${join(dataDir, DATA_FILES.initialPassword)})`,
    );
  }
  return new CoreAdminTarget(core, LOCAL_CLI_ACTOR, () => core.close(), explainDirect);
}

function explainDirect(err: unknown): unknown {
  if (err instanceof TesseraError && err.code === 'DOC_UNKNOWN_KEY') {
    return new TesseraError(
      err.code,
      `${err.message} (no server is running, so the CLI trusts the shipped keyring and the keys given with --vendor-key)`,
      err.details !== undefined ? { details: err.details } : {},
    );
  }
  return err;
}
