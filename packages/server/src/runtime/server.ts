import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  ClockGuard,
  Keyring,
  LEASE_POLICY,
  PRODUCT_VERSION,
  publicKeyFromPem,
  type RawFactors,
  systemClock,
  TesseraError,
  thumbprint,
} from '@tessera/core';
import { installErrorHandling, isLoopback, parseListen, urlOf } from '@tessera/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { CommitQueue } from '../engine/commit-queue.js';
import { LeaseEngine } from '../engine/lease-engine.js';
import { FlexibleActions } from '../flexible/flexible-actions.js';
import {
  FlexibleService,
  flexibleLicensesAtStart,
  isOnlineMode,
  LICENSING_MODES,
  type LicensingMode,
} from '../flexible/flexible-service.js';
import { OnlineSync } from '../flexible/online-sync.js';
import { defaultDashboardDir } from '../http/admin/dashboard-static.js';
import { registerAdminApi } from '../http/admin/index.js';
import { registerClientApi } from '../http/client/index.js';
import { ServerMetrics } from '../http/metrics.js';
import { registerOpenApi, registerOpenApiRoute } from '../http/openapi.js';
import { readMachineFactors } from '../identity/machine-factors.js';
import { fingerprintOf, loadOrCreateIdentity, type ServerIdentity } from '../identity/server-identity.js';
import { AuditLog, SYSTEM_ACTOR } from '../services/audit.js';
import { AuthService } from '../services/auth-service.js';
import { LicenseService } from '../services/license-service.js';
import { SessionService } from '../services/session-service.js';
import { UsageMeter } from '../services/usage-meter.js';
import { openDatabase } from '../store/db.js';
import { Store } from '../store/repositories.js';
import {
  DATA_FILES,
  DataDirLock,
  prepareDataDir,
  type RuntimeInfo,
  removeRuntimeInfo,
  writeRuntimeInfo,
} from './data-dir.js';
import { readServerEnv } from './env.js';

/** The keyring that ships with the program (DESIGN §3). */
export const SHIPPED_KEYRING = new URL('../../vendor-keyring.pem', import.meta.url);

export interface ServerCoreOptions {
  dataDir: string;
  /** Extra trusted vendor public keys (PEM files), for development and tests. */
  vendorKeyFiles?: string[];
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  clock?: Clock;
  /** Reads this machine's factors; tests pass their own. */
  readFactors?: () => RawFactors;
  hostName?: string;
  logger?: Logger;
  /** Who holds the data-dir lock, for the message another process sees. */
  lockHolder?: string;
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
  licenses: LicenseService;
  auth: AuthService;
  audit: AuditLog;
  keyring: Keyring;
  clock: Clock;
  clockGuard: ClockGuard;
  /** Flexible licensing state (DESIGN §3): Reports, Syncs, valid-until. */
  flexible: FlexibleService;
  logger: Logger;
  initialPasswordWritten: boolean;
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
    const identity = await loadOrCreateIdentity(dataDir);
    const keyring = await loadKeyring(o.vendorKeyFiles ?? [], logger);
    const leaseSeconds = o.leaseSeconds ?? LEASE_POLICY.defaultLeaseSeconds;
    const heartbeatSeconds = o.heartbeatSeconds ?? LEASE_POLICY.defaultHeartbeatSeconds;
    checkLeaseTimes(leaseSeconds, heartbeatSeconds);
    const db = openDatabase(join(dataDir, DATA_FILES.database));
    const store = new Store(db);
    const queue = new CommitQueue(db, { maxBatch: 512 });
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
    const audit = new AuditLog(store, () => clock.now());
    const auth = new AuthService(store, dataDir, audit, () => clock.now());
    const { initialPasswordWritten } = await auth.bootstrap();
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
    return {
      dataDir,
      identity,
      store,
      engine,
      queue,
      licenses,
      auth,
      audit,
      keyring,
      clock,
      clockGuard,
      flexible,
      logger,
      initialPasswordWritten,
      close() {
        if (closed) return;
        closed = true;
        flexible.persistElapsed();
        engine.stop();
        queue.drainAndClose();
        db.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

function checkMode(mode: LicensingMode, cloudUrls: readonly string[], enrollCode: string | undefined): void {
  if (!LICENSING_MODES.includes(mode)) {
    throw new TesseraError('BAD_REQUEST', `mode must be one of ${LICENSING_MODES.join(', ')}; got "${mode}"`);
  }
  if (isOnlineMode(mode) && cloudUrls.length === 0) {
    throw new TesseraError('BAD_REQUEST', `mode ${mode} talks to the Cloud: give its URL(s) with --cloud URL[;URL...]`);
  }
  if (!isOnlineMode(mode) && cloudUrls.length > 0) {
    throw new TesseraError(
      'BAD_REQUEST',
      `mode ${mode} has no Cloud access; --cloud is for modes flexible and pls${mode === 'als' ? ' (an ALS exchanges Report and Sync files through a PLS)' : ''}`,
    );
  }
  if (mode === 'perpetual' && enrollCode !== undefined) {
    throw new TesseraError('BAD_REQUEST', '--enroll is for modes flexible, als and pls');
  }
  for (const url of cloudUrls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TesseraError('BAD_REQUEST', `--cloud must be http(s) URLs separated by ";", got "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TesseraError('BAD_REQUEST', `--cloud must be http(s) URLs, got "${url}"`);
    }
  }
}

function checkLeaseTimes(leaseSeconds: number, heartbeatSeconds: number): void {
  const { minLeaseSeconds, maxLeaseSeconds, minHeartbeatSeconds } = LEASE_POLICY;
  if (!Number.isFinite(leaseSeconds) || leaseSeconds < minLeaseSeconds || leaseSeconds > maxLeaseSeconds) {
    throw new TesseraError(
      'BAD_REQUEST',
      `lease seconds must be ${minLeaseSeconds}..${maxLeaseSeconds}, got ${leaseSeconds}`,
    );
  }
  if (
    !Number.isFinite(heartbeatSeconds) ||
    heartbeatSeconds < minHeartbeatSeconds ||
    heartbeatSeconds >= leaseSeconds
  ) {
    throw new TesseraError(
      'BAD_REQUEST',
      `heartbeat seconds must be at least ${minHeartbeatSeconds} and less than lease seconds (${leaseSeconds}), got ${heartbeatSeconds}`,
    );
  }
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

export interface LicenseServerOptions extends ServerCoreOptions {
  clientListen?: string;
  adminListen?: string;
  /** Required when the admin listener is not on loopback (DESIGN §9). */
  adminTls?: { certFile: string; keyFile: string };
  /** Licensing mode (DESIGN §1); installed perpetual licenses are served in every mode. */
  mode?: LicensingMode;
  /** Cloud node URLs, tried in order (modes flexible and pls). */
  cloudUrls?: string[];
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
  stop(): Promise<void>;
}

/**
 * Our route schemas are fixed and tested, so Ajv need not check each one against the JSON
 * Schema meta-schema at every start (a large share of start-up time in profiles).
 */
const AJV_OPTIONS = { customOptions: { validateSchema: false } };

export const DEFAULT_CLIENT_LISTEN = '0.0.0.0:7569';
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:7570';

/** `tessera server start`: the core plus the client listener and the admin listener. */
export async function startLicenseServer(o: LicenseServerOptions): Promise<RunningServer> {
  const clientAt = parseListen(o.clientListen ?? DEFAULT_CLIENT_LISTEN, 'client listen address');
  const adminAt = parseListen(o.adminListen ?? DEFAULT_ADMIN_LISTEN, 'admin listen address');
  if (!isLoopback(adminAt.host) && !o.adminTls) {
    throw new TesseraError(
      'BAD_REQUEST',
      `the admin listener on ${adminAt.host} is not loopback, so it needs TLS (--admin-tls-cert and --admin-tls-key)`,
    );
  }
  const mode = o.mode ?? 'perpetual';
  const cloudUrls = o.cloudUrls ?? [];
  checkMode(mode, cloudUrls, o.enrollCode);
  const core = await openServerCore({ ...o, lockHolder: o.lockHolder ?? 'tessera server' });
  core.flexible.configure(mode, cloudUrls, o.enrollCode);
  const nonce = randomBytes(16).toString('base64url');
  const metrics = new ServerMetrics(core.engine);
  const usage = new UsageMeter({
    engine: core.engine,
    store: core.store,
    clock: core.clock,
    write: (op) => core.queue.enqueue(op),
  });
  core.flexible.setUsageFlush(() => usage.flush());
  const online = isOnlineMode(mode)
    ? new OnlineSync({
        flexible: core.flexible,
        logger: core.logger.child({ component: 'sync' }),
        cloudUrls,
        now: () => core.clock.now(),
        ...(o.syncRetryBaseMs !== undefined && { retryBaseMs: o.syncRetryBaseMs }),
        ...(o.syncRetryCapMs !== undefined && { retryCapMs: o.syncRetryCapMs }),
      })
    : undefined;
  const flexibleActions = new FlexibleActions(core.flexible, online);
  core.queue.setOnCommit((ops, ms) => {
    metrics.commitOps.observe(ops);
    metrics.commitSeconds.observe(ms / 1000);
  });
  const client = Fastify({
    loggerInstance: core.logger.child({ listener: 'client' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    // Per-request log lines would cost more than a checkout; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.clientBodyLimit ?? 16 * 1024,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
  });
  const adminScheme = o.adminTls ? 'https' : 'http';
  const admin = Fastify({
    loggerInstance: core.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    bodyLimit: 2 * 1024 * 1024,
    ...(o.adminTls
      ? { https: { cert: readFileSync(o.adminTls.certFile), key: readFileSync(o.adminTls.keyFile) } }
      : {}),
  });
  const adminRoutes: RunningServer['adminRoutes'] = [];
  admin.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      adminRoutes.push({ method, url: route.url, role: route.config?.role });
    }
  });
  try {
    for (const app of [client, admin]) installErrorHandling(app);
    await registerOpenApi(client, 'Tessera client protocol v1', 'Seats for client applications (DESIGN §5)');
    await registerOpenApi(admin, 'Tessera License Server admin API', 'What the Dashboard and the CLI call');
    const maxPendingWrites = o.maxPendingWrites ?? 20_000;
    registerClientApi(client, {
      engine: core.engine,
      flexible: core.flexible,
      metrics,
      maxPendingWrites,
      pendingWrites: () => core.queue.pending,
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
        metrics,
        nonce,
        serverId: core.identity.serverId,
        allowedHosts,
        info: () => ({
          serverId: core.identity.serverId,
          poolId: core.engine.poolId,
          mode,
          version: PRODUCT_VERSION,
          clientUrl,
          adminUrl,
          portalUrl: o.portalUrl ?? null,
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
        secureCookies: o.adminTls !== undefined,
        now: () => core.clock.now(),
      },
      flexibleActions,
    );
    registerOpenApiRoute(admin);
    await client.listen({ host: clientAt.host, port: clientAt.port });
    await admin.listen({ host: adminAt.host, port: adminAt.port });
    clientUrl = urlOf('http', clientAt.host, (client.server.address() as { port: number }).port);
    adminUrl = urlOf(adminScheme, adminAt.host, (admin.server.address() as { port: number }).port);
    core.engine.start();
    usage.start();
    const expiryTimer = setInterval(() => core.flexible.checkExpiry(), 1000);
    expiryTimer.unref();
    online?.start();
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
      stop() {
        stopping ??= (async () => {
          clearInterval(expiryTimer);
          online?.stop();
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
