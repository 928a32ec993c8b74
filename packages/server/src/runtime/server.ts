/**
 * `tessera server start`: the core plus the client listener and the admin listener, the
 * online exchange with the Cloud, and the timers of a running server.
 */
import { hostname as osHostname } from 'node:os';
import { newSecret, PRODUCT_VERSION } from '@tessera/core';
import { type ConnectionStats, isLoopback, parseListen, urlOf } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { FlexibleActions } from '../domain/flexible/flexible-actions.js';
import { OnlineSync } from '../domain/flexible/online-sync.js';
import { isOnlineMode, type LicensingMode } from '../domain/licensing-mode.js';
import { SERVER_POLICY } from '../domain/policy.js';
import { SessionService } from '../domain/session-service.js';
import type { SettingKey, Settings } from '../domain/settings/catalog.js';
import { UsageMeter } from '../domain/usage-meter.js';
import { defaultDashboardDir } from '../http/admin/dashboard-static.js';
import { registerAdminApi } from '../http/admin/index.js';
import type { ServerInfo } from '../http/admin/system.js';
import { registerClientApi } from '../http/client/index.js';
import { ServerMetrics } from '../http/metrics.js';
import { registerOpenApi, registerOpenApiRoute } from '../http/openapi.js';
import { applyLogLevel, openServerCore, type ServerCore } from './core.js';
import { type RuntimeInfo, removeRuntimeInfo, writeRuntimeInfo } from './data-dir.js';
import { createListeners, installErrorRules, type Listeners } from './listeners.js';
import { keepEnrollmentSettings, type ModeChange, noteModeAtStart, noteModeSwitch } from './mode-memory.js';
import type { LicenseServerOptions } from './options.js';

export type { ServerInfo };

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
  if (has('mode')) noteModeSwitch(core, s.mode);
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
  const modeChange = noteModeAtStart(core);
  core.flexible.configure(settings.mode, settings.cloudNodes, settings.enrollmentCode ?? undefined);
  keepEnrollmentSettings(core);
  const nonce = newSecret(16);
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
  observeQueue(core, metrics);
  const listeners = createListeners(core, o, adminTls);
  const { client, admin, schemas } = listeners;
  try {
    installErrorRules(listeners);
    const urls = { client: '', admin: '' };
    await registerApis(core, listeners, {
      o,
      nonce,
      metrics,
      usage,
      flexible: new FlexibleActions(core.flexible, online, () => core.settings.cloudConnection()),
      adminHost: adminAt.host,
      modeChange,
      secureCookies: adminTls !== undefined,
      urls,
    });
    // The admin user and token exist before anyone can sign in or call the admin API.
    await core.bootstrapped;
    await client.listen({ host: clientAt.host, port: clientAt.port });
    await admin.listen({ host: adminAt.host, port: adminAt.port });
    urls.client = urlOf('http', clientAt.host, (client.server.address() as { port: number }).port);
    urls.admin = urlOf(adminTls ? 'https' : 'http', adminAt.host, (admin.server.address() as { port: number }).port);
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
      clientUrl: urls.client,
      adminUrl: urls.admin,
      startedAt: new Date(core.clock.now()).toISOString(),
      version: PRODUCT_VERSION,
    };
    writeRuntimeInfo(core.dataDir, info);
    let stopping: Promise<void> | undefined;
    return {
      core,
      clientUrl: urls.client,
      adminUrl: urls.admin,
      nonce,
      client,
      admin,
      adminRoutes: listeners.adminRoutes,
      connections: listeners.connections,
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

/** Logs the commit queue's outages and feeds its commits to the metrics. */
function observeQueue(core: ServerCore, metrics: ServerMetrics): void {
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
}

interface ApiParts {
  o: LicenseServerOptions;
  nonce: string;
  metrics: ServerMetrics;
  usage: UsageMeter;
  flexible: FlexibleActions;
  adminHost: string;
  secureCookies: boolean;
  modeChange: ModeChange | null;
  /** The listeners' URLs, known once they listen (the server info shows them). */
  urls: { client: string; admin: string };
}

/** The client protocol and the admin API on their listeners, with their OpenAPI documents. */
async function registerApis(core: ServerCore, l: Listeners, p: ApiParts): Promise<void> {
  const { client, admin } = l;
  await registerOpenApi(client, 'Tessera client protocol v1', 'Seats for client applications (docs/protocol.md)');
  await registerOpenApi(admin, 'Tessera License Server admin API', 'What the Dashboard and the CLI call');
  registerClientApi(client, {
    engine: core.engine,
    flexible: core.flexible,
    metrics: p.metrics,
    maxPendingWrites: p.o.maxPendingWrites ?? SERVER_POLICY.maxPendingWrites,
    pendingWrites: () => core.queue.pending,
    clientTokenHash: () => core.settings.settings.clientTokenHash,
  });
  client.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', nonce: p.nonce }));
  registerOpenApiRoute(client);
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (!isLoopback(p.adminHost)) {
    allowedHosts.add(p.adminHost.includes(':') ? `[${p.adminHost}]` : p.adminHost);
    allowedHosts.add(osHostname().toLowerCase());
  }
  registerAdminApi(
    admin,
    {
      engine: core.engine,
      licenses: core.licenses,
      auth: core.auth,
      users: core.users,
      audit: core.audit,
      store: core.store,
      settings: core.settings,
      metrics: p.metrics,
      nonce: p.nonce,
      serverId: core.identity.serverId,
      allowedHosts,
      info: (): ServerInfo => ({
        serverId: core.identity.serverId,
        poolId: core.engine.poolId,
        mode: core.settings.settings.mode,
        version: PRODUCT_VERSION,
        clientUrl: p.urls.client,
        adminUrl: p.urls.admin,
        portalUrl: core.settings.settings.portalUrl,
        leaseSeconds: core.engine.leaseSeconds,
        heartbeatSeconds: core.engine.heartbeatSeconds,
        clockTampered: core.engine.clockTampered,
        leasesHeld: core.engine.leaseCount,
        ...modeChangeInfo(p.modeChange, core.settings.settings.mode),
      }),
    },
    {
      sessions: new SessionService(core.store, core.auth, core.audit, () => core.clock.now()),
      usage: p.usage,
      staticDir: p.o.dashboardDir ?? defaultDashboardDir(),
      secureCookies: p.secureCookies,
      now: () => core.clock.now(),
    },
    p.flexible,
  );
  registerOpenApiRoute(admin);
}

/** The start's mode change, while the mode it came up in is still in force (a switch since makes it moot). */
function modeChangeInfo(
  change: ModeChange | null,
  mode: LicensingMode,
): Pick<ServerInfo, 'modeChangedFrom' | 'modeSource'> {
  if (change === null || change.to !== mode) return { modeChangedFrom: null, modeSource: null };
  return { modeChangedFrom: change.from, modeSource: change.source };
}
