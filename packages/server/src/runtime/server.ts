import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  ClockGuard,
  Keyring,
  MAX_DOCUMENT_REQUEST_BYTES,
  PRODUCT_VERSION,
  publicKeyFromPem,
  type RawFactors,
  systemClock,
  TesseraError,
  thumbprint,
} from '@tessera/core';
import {
  CONNECTION_POLICY,
  type ConnectionStats,
  connectionBudget,
  installListenerRules,
  isLoopback,
  LISTENER_POLICY,
  type ListenerPolicy,
  limitConnections,
  listenerOptions,
  parseListen,
  readFdLimit,
  urlOf,
} from '@tessera/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { AuditLog, SYSTEM_ACTOR } from '../domain/audit.js';
import { AuthService } from '../domain/auth-service.js';
import { FlexibleActions } from '../domain/flexible/flexible-actions.js';
import { FlexibleService } from '../domain/flexible/flexible-service.js';
import { flexibleLicensesAtStart } from '../domain/flexible/flexible-state.js';
import { OnlineSync } from '../domain/flexible/online-sync.js';
import { LeaseEngine } from '../domain/leases/lease-engine.js';
import { LicenseService } from '../domain/license-service.js';
import { isOnlineMode, type LicensingMode } from '../domain/licensing-mode.js';
import { SERVER_POLICY } from '../domain/policy.js';
import { fingerprintOf, type ServerIdentity } from '../domain/server-identity.js';
import { SessionService } from '../domain/session-service.js';
import type { LogLevel, RawSettings, SettingKey, Settings } from '../domain/settings/catalog.js';
import { SettingsService } from '../domain/settings/settings-service.js';
import { UsageMeter } from '../domain/usage-meter.js';
import { defaultDashboardDir } from '../http/admin/dashboard-static.js';
import { adminAuthStatuses, registerAdminApi } from '../http/admin/index.js';
import { clientAuthStatuses, registerClientApi } from '../http/client/index.js';
import { lazySchemas } from '../http/lazy-schemas.js';
import { ServerMetrics } from '../http/metrics.js';
import { registerOpenApi, registerOpenApiRoute } from '../http/openapi.js';
import { CommitQueue } from '../store/commit-queue.js';
import { openDatabase } from '../store/db.js';
import { storageFailure } from '../store/storage-errors.js';
import { Store } from '../store/store.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import { cloudRequest } from './cloud-transport.js';
import {
  adminSecretFiles,
  DATA_FILES,
  DataDirLock,
  prepareDataDir,
  type RuntimeInfo,
  removeRuntimeInfo,
  writeRuntimeInfo,
} from './data-dir.js';
import { readServerEnv } from './env.js';
import { readMachineFactors } from './machine-factors.js';
import { loadOrCreateIdentity } from './server-identity.js';

/** The keyring that ships with the program (DESIGN §3). */
export const SHIPPED_KEYRING = new URL('../../vendor-keyring.pem', import.meta.url);

export interface ServerCoreOptions {
  dataDir: string;
  /** Extra trusted vendor public keys (PEM files), for development and tests. */
  vendorKeyFiles?: string[];
  /** Setting overrides (flags): they win over `DIR/server.conf` (DESIGN §8). */
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  clock?: Clock;
  /** Reads this machine's factors; tests pass their own. */
  readFactors?: () => RawFactors;
  hostName?: string;
  logger?: Logger;
  /** Who holds the data-dir lock, for the message another process sees. */
  lockHolder?: string;
  /**
   * Return before the first start's admin credentials exist (hashing the initial password
   * takes ~100 ms on the thread pool); `bootstrapped` settles when they do. The server uses
   * this to build its listeners meanwhile, and opens them only after.
   */
  deferBootstrap?: boolean;
}

/**
 * Everything of a License Server but its listeners: data dir (locked), identity, store,
 * lease engine, services. The CLI uses this directly when no server is running, so that its
 * commands run the same code as the admin API (DESIGN §7).
 */
export interface ServerCore {
  dataDir: string;
  identity: ServerIdentity;
  store: Store;
  engine: LeaseEngine;
  queue: CommitQueue;
  /** Copies the WAL into the database file off the event loop. */
  checkpointer: WalCheckpointer;
  licenses: LicenseService;
  auth: AuthService;
  audit: AuditLog;
  keyring: Keyring;
  clock: Clock;
  clockGuard: ClockGuard;
  /** Flexible licensing state (DESIGN §3): Reports, Syncs, valid-until. */
  flexible: FlexibleService;
  /** `DIR/server.conf` under the flags: what is in force, and changes to it. */
  settings: SettingsService;
  logger: Logger;
  /** The first start wrote `initial-admin-password` (known once `bootstrapped` has settled). */
  initialPasswordWritten: boolean;
  /** Settles when the admin user and the CLI token exist (at once unless `deferBootstrap`). */
  bootstrapped: Promise<void>;
  close(): void;
}

export async function openServerCore(o: ServerCoreOptions): Promise<ServerCore> {
  const dataDir = prepareDataDir(o.dataDir);
  // Logs go to stderr by default: stdout belongs to the caller (a CLI printing --json, say).
  const logger = o.logger ?? pino({ level: 'info' }, pino.destination(2));
  const lock = DataDirLock.acquire(dataDir, o.lockHolder ?? 'a Tessera process');
  try {
    const env = readServerEnv();
    const clock = o.clock ?? env.clock ?? systemClock;
    if (env.crashAt)
      logger.warn(
        { crashAt: env.crashAt },
        'TEST KNOB TESSERA_TEST_CRASH_AT IS SET: this process will kill itself at that point',
      );
    if (env.clockFile)
      logger.warn(
        { clockFile: env.clockFile },
        'TEST KNOB TESSERA_TEST_CLOCK_FILE IS SET: this process runs on a test clock, not the system clock',
      );
    const identity = await loadOrCreateIdentity(dataDir);
    const keyring = await loadKeyring(o.vendorKeyFiles ?? [], logger);
    const db = openDatabase(join(dataDir, DATA_FILES.database));
    const store = new Store(db);
    const audit = new AuditLog(store, () => clock.now());
    let settings: SettingsService;
    try {
      settings = new SettingsService(dataDir, settingFlagsOf(o as LicenseServerOptions), audit, cloudRequest);
    } catch (err) {
      db.close();
      throw err;
    }
    applyLogLevel(logger, settings.settings.logLevel);
    for (const [key, warning] of Object.entries(settings.startupWarnings())) logger.warn({ key }, warning);
    const { leaseSeconds, heartbeatSeconds } = settings.settings;
    const queue = new CommitQueue(db, { maxBatch: SERVER_POLICY.commitMaxBatch });
    const checkpointer = new WalCheckpointer({ db, hold: () => queue.hold(), crashPoint: env.crashAt });
    checkpointer.observe({
      onFailure: (err) =>
        logger.warn(
          { err },
          'WAL checkpoints are back in the commits (slower answers now and then): the worker failed',
        ),
    });
    queue.observeCommits(() => checkpointer.committed());
    const clockGuard = new ClockGuard();
    const engine = new LeaseEngine({
      store,
      queue,
      clock,
      clockGuard,
      poolId: identity.serverId,
      leaseSeconds,
      heartbeatSeconds,
    });
    const loaded = engine.load(
      [...store.licenses.all().map((r) => r.claims), ...flexibleLicensesAtStart(store, clock.now())],
      store.leases.iterateHeld(),
    );
    if (loaded.revoked > 0)
      logger.warn({ revoked: loaded.revoked }, 'leases that no longer fit their licenses were revoked at start');
    if (loaded.clockMark?.clamped) {
      logger.warn(
        {
          mark: new Date(loaded.clockMark.from).toISOString(),
          restoredTo: new Date(loaded.clockMark.restored).toISOString(),
        },
        `the clock guard's mark was taken back: ${loaded.clockMark.why}`,
      );
    }
    const auth = new AuthService(store, adminSecretFiles(dataDir), audit, () => clock.now());
    // Awaited below, or by the server before it listens (`deferBootstrap`).
    const bootstrapping = auth.bootstrap();
    const readFactors = o.readFactors ?? readMachineFactors;
    const hostName = o.hostName ?? osHostname();
    const licenses = new LicenseService({
      store,
      engine,
      audit,
      clock,
      identity,
      keyring,
      hostName,
      currentFactors: () => fingerprintOf(identity.serverId, readFactors()),
      crashPoint: env.crashAt,
    });
    const flexible = new FlexibleService({
      store,
      queue,
      engine,
      clockGuard,
      clock,
      audit,
      keyring,
      identity,
      currentFactors: () => fingerprintOf(identity.serverId, readFactors()),
      serverIdFile: () => licenses.makeServerIdFile(SYSTEM_ACTOR),
    });
    let closed = false;
    const bootstrapped = bootstrapping.then((b) => {
      core.initialPasswordWritten = b.initialPasswordWritten;
    });
    bootstrapped.catch(() => undefined);
    const core: ServerCore = {
      dataDir,
      identity,
      store,
      engine,
      queue,
      checkpointer,
      licenses,
      auth,
      audit,
      keyring,
      clock,
      clockGuard,
      flexible,
      settings,
      logger,
      initialPasswordWritten: false,
      bootstrapped,
      close() {
        if (closed) return;
        closed = true;
        flexible.persistElapsed();
        engine.stop();
        queue.drainAndClose();
        checkpointer.close();
        db.close();
        lock.release();
      },
    };
    if (!o.deferBootstrap) {
      try {
        await core.bootstrapped;
      } catch (err) {
        core.close();
        throw err;
      }
    }
    return core;
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Options given to the server (the CLI's flags) as settings that override the file. */
function settingFlagsOf(o: LicenseServerOptions): RawSettings {
  const flags: RawSettings = {};
  if (o.mode !== undefined) flags.mode = o.mode;
  if (o.cloudUrls !== undefined && o.cloudUrls.length > 0) flags.cloud_nodes = o.cloudUrls.join(';');
  if (o.cloudHttps !== undefined) flags.cloud_https = o.cloudHttps ? 'yes' : 'no';
  if (o.cloudCaFile !== undefined) flags.cloud_ca_file = o.cloudCaFile;
  if (o.enrollCode !== undefined) flags.enrollment_code = o.enrollCode;
  if (o.portalUrl !== undefined) flags.portal_url = o.portalUrl;
  if (o.syncTime !== undefined) flags.sync_time = o.syncTime;
  if (o.leaseSeconds !== undefined) flags.lease_seconds = String(o.leaseSeconds);
  if (o.heartbeatSeconds !== undefined) flags.heartbeat_seconds = String(o.heartbeatSeconds);
  if (o.clientListen !== undefined) flags.client_listen = o.clientListen;
  if (o.adminListen !== undefined) flags.admin_listen = o.adminListen;
  if (o.adminTls !== undefined) {
    flags.admin_tls_cert = o.adminTls.certFile;
    flags.admin_tls_key = o.adminTls.keyFile;
  }
  if (o.clientToken !== undefined) flags.client_token = o.clientToken;
  if (o.logLevel !== undefined) flags.log_level = o.logLevel;
  return flags;
}

/** The log level in force; loggers that share their level with children (the CLI's) follow at once. */
function applyLogLevel(logger: Logger, level: LogLevel): void {
  logger.level = level;
}

async function loadKeyring(extraFiles: string[], logger: Logger): Promise<Keyring> {
  const keyring = await Keyring.fromPem(readFileSync(SHIPPED_KEYRING, 'utf8'));
  for (const file of extraFiles) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TesseraError('BAD_REQUEST', `cannot read vendor key ${file}: ${(err as Error).message}`);
    }
    const key = publicKeyFromPem(pem);
    await keyring.add(key);
    logger.warn(
      { file, kid: await thumbprint(key) },
      'trusting an extra vendor key given with --vendor-key (development/test use)',
    );
  }
  return keyring;
}

/**
 * A running License Server's options. Those that are settings (DESIGN §8) override
 * `DIR/server.conf` as flags do; what neither sets has its default.
 */
/**
 * `GET /api/v1/server` (with the caller added as `you`): what the Dashboard shows about this running server.
 * A type alias, not an interface, so it fits the admin API context's `Record<string, unknown>`.
 */
export type ServerInfo = {
  serverId: string;
  poolId: string;
  mode: LicensingMode;
  version: string;
  clientUrl: string;
  adminUrl: string;
  portalUrl: string | null;
  leaseSeconds: number;
  heartbeatSeconds: number;
  clockTampered: boolean;
  leasesHeld: number;
};

export interface LicenseServerOptions extends ServerCoreOptions {
  clientListen?: string;
  adminListen?: string;
  /** Required when the admin listener is not on loopback (DESIGN §9). */
  adminTls?: { certFile: string; keyFile: string };
  /** Licensing mode (DESIGN §1); installed perpetual licenses are served in every mode. */
  mode?: LicensingMode;
  /** Cloud node URLs, tried in order (modes flexible and pls). */
  cloudUrls?: string[];
  cloudHttps?: boolean;
  cloudCaFile?: string;
  /** Preferred local time of the scheduled sync, `HH:MM` or `none`. */
  syncTime?: string;
  /** Token clients must present (kept only as its hash). */
  clientToken?: string;
  logLevel?: LogLevel;
  /** One-time enrollment code from the portal, sent with the first Report. */
  enrollCode?: string;
  /** Backoff of the online exchange after a failure (tests shorten it). */
  syncRetryBaseMs?: number;
  syncRetryCapMs?: number;
  portalUrl?: string;
  /** Pending writes beyond which checkouts get 429. */
  maxPendingWrites?: number;
  /** Largest request body on the client listener, bytes. */
  clientBodyLimit?: number;
  /** The built Dashboard to serve at `/`; default `@tessera/dashboard`'s dist/. */
  dashboardDir?: string;
  /** Timeouts of both listeners (tests shorten them); default `LISTENER_POLICY`. */
  listenerPolicy?: Partial<ListenerPolicy>;
  /** The open-file limit the connection caps are derived from; default this process's (`ulimit -n`). */
  fdLimit?: number;
}

export interface RunningServer {
  core: ServerCore;
  clientUrl: string;
  adminUrl: string;
  nonce: string;
  client: FastifyInstance;
  admin: FastifyInstance;
  /** Every route of the admin listener (method, url, role), for tests that walk the route table. */
  adminRoutes: { method: string; url: string; role: string | undefined }[];
  /** Connections held and refused by each listener's caps. */
  connections: { client: ConnectionStats; admin: ConnectionStats };
  stop(): Promise<void>;
}

/**
 * Our route schemas are fixed and tested, so Ajv need not check each one against the JSON
 * Schema meta-schema at every start (a large share of start-up time in profiles).
 */
const AJV_OPTIONS = { customOptions: { validateSchema: false } };

/** When the route schemas not used yet start compiling in the background, after the listeners are up. */
const SCHEMA_WARM_UP_DELAY_MS = 500;

/**
 * Takes new live settings into a running server. A mode switch keeps every lease and every
 * license: perpetual licenses are served in every mode, and the flexible state (last Sync,
 * pending usage) stays in the database whatever the mode; only the exchange starts or stops.
 */
function applySettings(core: ServerCore, online: OnlineSync, s: Settings, changed: readonly SettingKey[]): void {
  const has = (...keys: SettingKey[]) => keys.some((k) => changed.includes(k));
  if (has('lease_seconds', 'heartbeat_seconds')) core.engine.setLeaseTimes(s.leaseSeconds, s.heartbeatSeconds);
  if (has('log_level')) applyLogLevel(core.logger, s.logLevel);
  if (has('mode', 'cloud_nodes', 'enrollment_code')) {
    core.flexible.configure(s.mode, s.cloudNodes, s.enrollmentCode ?? undefined);
  }
  if (has('mode', 'cloud_nodes', 'cloud_https', 'cloud_ca_file')) {
    online.stop();
    if (isOnlineMode(s.mode)) online.start();
  } else if (has('sync_time')) online.reschedule();
  core.logger.info({ changed }, 'settings applied');
}

/** `tessera server start`: the core plus the client listener and the admin listener. */
export async function startLicenseServer(o: LicenseServerOptions): Promise<RunningServer> {
  const core = await openServerCore({ ...o, lockHolder: o.lockHolder ?? 'tessera server', deferBootstrap: true });
  const settings = core.settings.settings;
  const clientAt = parseListen(settings.clientListen, 'client_listen');
  const adminAt = parseListen(settings.adminListen, 'admin_listen');
  const adminTls =
    settings.adminTlsCert !== null && settings.adminTlsKey !== null
      ? { certFile: settings.adminTlsCert, keyFile: settings.adminTlsKey }
      : undefined;
  core.flexible.configure(settings.mode, settings.cloudNodes, settings.enrollmentCode ?? undefined);
  const nonce = randomBytes(16).toString('base64url');
  const metrics = new ServerMetrics(core.engine);
  const usage = new UsageMeter({
    engine: core.engine,
    store: core.store,
    clock: core.clock,
    write: (op) => core.queue.enqueue(op),
    addRider: (rider) => core.queue.addRider(rider),
  });
  core.flexible.setUsageFlush(() => usage.flush());
  // Always there, running only in the online modes: a mode switch starts or stops it.
  const online = new OnlineSync({
    flexible: core.flexible,
    logger: core.logger.child({ component: 'sync' }),
    cloud: () => core.settings.cloudConnection(),
    syncTime: () => core.settings.settings.syncTime,
    now: () => core.clock.now(),
    ...(o.syncRetryBaseMs !== undefined && { retryBaseMs: o.syncRetryBaseMs }),
    ...(o.syncRetryCapMs !== undefined && { retryCapMs: o.syncRetryCapMs }),
  });
  const flexibleActions = new FlexibleActions(core.flexible, online, () => core.settings.cloudConnection());
  core.queue.setOnOutage(
    (err) =>
      core.logger.error({ err }, 'writes to the data directory fail; nothing is granted or changed until they succeed'),
    () => core.logger.info('writes to the data directory succeed again'),
  );
  core.queue.setOnCommit((ops, ms) => {
    metrics.commitOps.observe(ops);
    metrics.commitSeconds.observe(ms / 1000);
  });
  metrics.observeCheckpoints(core.checkpointer);
  const schemas = lazySchemas();
  const policy: ListenerPolicy = { ...LISTENER_POLICY, ...o.listenerPolicy };
  const fdLimit = o.fdLimit ?? readFdLimit() ?? CONNECTION_POLICY.assumedFdLimit;
  const budget = connectionBudget(fdLimit, true);
  core.logger.info({ fdLimit, client: budget.client, admin: budget.admin }, 'connection caps');
  const client = Fastify({
    ...listenerOptions(policy),
    loggerInstance: core.logger.child({ listener: 'client' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    schemaController: { compilersFactory: schemas.compilersFactory },
    // Per-request log lines would cost more than a checkout; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.clientBodyLimit ?? SERVER_POLICY.clientBodyLimitBytes,
  });
  const adminScheme = adminTls ? 'https' : 'http';
  const admin = Fastify({
    ...listenerOptions(
      policy,
      adminTls ? { cert: readFileSync(adminTls.certFile), key: readFileSync(adminTls.keyFile) } : undefined,
    ),
    loggerInstance: core.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    schemaController: { compilersFactory: schemas.compilersFactory },
    bodyLimit: MAX_DOCUMENT_REQUEST_BYTES,
  }) as unknown as FastifyInstance;
  const connections = {
    client: limitConnections(client.server, budget.client),
    admin: limitConnections(admin.server, budget.admin as NonNullable<typeof budget.admin>),
  };
  const adminRoutes: RunningServer['adminRoutes'] = [];
  admin.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      adminRoutes.push({ method, url: route.url, role: route.config?.role });
    }
  });
  try {
    // A write that failed for want of disk, outside the commit queue (sessions, users): the
    // admin API names it (507 STORAGE_FULL); the client protocol keeps 503 UNAVAILABLE.
    installListenerRules(client, {
      authStatuses: clientAuthStatuses,
      classify: (err) => {
        const storage = storageFailure(err);
        return storage && { code: 'UNAVAILABLE', message: storage.message };
      },
    });
    installListenerRules(admin, { authStatuses: adminAuthStatuses, classify: (err) => storageFailure(err) });
    await registerOpenApi(client, 'Tessera client protocol v1', 'Seats for client applications (DESIGN §5)');
    await registerOpenApi(admin, 'Tessera License Server admin API', 'What the Dashboard and the CLI call');
    const maxPendingWrites = o.maxPendingWrites ?? SERVER_POLICY.maxPendingWrites;
    registerClientApi(client, {
      engine: core.engine,
      flexible: core.flexible,
      metrics,
      maxPendingWrites,
      pendingWrites: () => core.queue.pending,
      clientTokenHash: () => core.settings.settings.clientTokenHash,
    });
    client.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', nonce }));
    registerOpenApiRoute(client);
    const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]']);
    if (!isLoopback(adminAt.host)) {
      allowedHosts.add(adminAt.host.includes(':') ? `[${adminAt.host}]` : adminAt.host);
      allowedHosts.add(osHostname().toLowerCase());
    }
    let clientUrl = '';
    let adminUrl = '';
    registerAdminApi(
      admin,
      {
        engine: core.engine,
        licenses: core.licenses,
        auth: core.auth,
        audit: core.audit,
        store: core.store,
        settings: core.settings,
        metrics,
        nonce,
        serverId: core.identity.serverId,
        allowedHosts,
        info: (): ServerInfo => ({
          serverId: core.identity.serverId,
          poolId: core.engine.poolId,
          mode: core.settings.settings.mode,
          version: PRODUCT_VERSION,
          clientUrl,
          adminUrl,
          portalUrl: core.settings.settings.portalUrl,
          leaseSeconds: core.engine.leaseSeconds,
          heartbeatSeconds: core.engine.heartbeatSeconds,
          clockTampered: core.engine.clockTampered,
          leasesHeld: core.engine.leaseCount,
        }),
      },
      {
        sessions: new SessionService(core.store, core.auth, core.audit, () => core.clock.now()),
        usage,
        staticDir: o.dashboardDir ?? defaultDashboardDir(),
        secureCookies: adminTls !== undefined,
        now: () => core.clock.now(),
      },
      flexibleActions,
    );
    registerOpenApiRoute(admin);
    // The admin user and token exist before anyone can sign in or call the admin API.
    await core.bootstrapped;
    await client.listen({ host: clientAt.host, port: clientAt.port });
    await admin.listen({ host: adminAt.host, port: adminAt.port });
    clientUrl = urlOf('http', clientAt.host, (client.server.address() as { port: number }).port);
    adminUrl = urlOf(adminScheme, adminAt.host, (admin.server.address() as { port: number }).port);
    core.engine.start();
    usage.start();
    // A moment after start, so the first requests (readiness probes, the first clients) go first.
    const warmUpTimer = setTimeout(() => {
      schemas.warmUp(2).catch((err: unknown) => core.logger.error({ err }, 'a route schema does not compile'));
    }, SCHEMA_WARM_UP_DELAY_MS).unref();
    const expiryTimer = setInterval(() => core.flexible.checkExpiry(), SERVER_POLICY.flexibleExpiryCheckMs);
    expiryTimer.unref();
    if (isOnlineMode(settings.mode)) online.start();
    core.settings.onApply((next, changed) => applySettings(core, online, next, changed));
    const info: RuntimeInfo = {
      pid: process.pid,
      nonce,
      serverId: core.identity.serverId,
      clientUrl,
      adminUrl,
      startedAt: new Date(core.clock.now()).toISOString(),
      version: PRODUCT_VERSION,
    };
    writeRuntimeInfo(core.dataDir, info);
    let stopping: Promise<void> | undefined;
    return {
      core,
      clientUrl,
      adminUrl,
      nonce,
      client,
      admin,
      adminRoutes,
      connections,
      stop() {
        stopping ??= (async () => {
          clearInterval(expiryTimer);
          clearTimeout(warmUpTimer);
          online.stop();
          await Promise.allSettled([client.close(), admin.close()]);
          await usage
            .stop()
            .catch((err: unknown) => core.logger.error({ err }, 'could not write the last usage figures'));
          removeRuntimeInfo(core.dataDir, nonce);
          core.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await Promise.allSettled([client.close(), admin.close()]);
    core.close();
    throw err;
  }
}
