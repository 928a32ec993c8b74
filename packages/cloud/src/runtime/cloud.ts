/**
 * `tessera cloud start`: one Cloud node. Several nodes may share one PostgreSQL database
 * (each with its own data dir, all with the same vendor key); SQLite is one node.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, PRODUCT_VERSION, systemClock, TesseraError } from '@tessera/core';
import {
  CONNECTION_POLICY,
  type ConnectionStats,
  connectionBudget,
  isLoopback,
  LISTENER_POLICY,
  type ListenerPolicy,
  parseListen,
  readFdLimit,
  readTextFile,
  removeFile,
  TEST_CLOCK_KNOBS,
  testClockFromEnv,
  urlOf,
  writeFileAtomic,
} from '@tessera/service-kit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { INITIAL_ADMIN_USER } from '../domain/auth-service.js';
import { bootstrapDatabase } from '../domain/node-bootstrap.js';
import { type NodeSettings, resolveNodeSettings, settingWarnings } from '../domain/node-settings.js';
import { SEAT_POLICY } from '../domain/policy.js';
import { type CloudServices, createServices } from '../domain/services.js';
import { buildCloudApp } from '../http/app.js';
import { CloudMetrics } from '../http/metrics.js';
import { defaultPortalDir } from '../http/portal-static.js';
import { type Dialect, describeDbLocation, isDbUnavailableError, openDb, parseDbLocation } from '../store/db.js';
import { Store } from '../store/store.js';
import {
  CLOUD_FILES,
  type CloudRuntimeInfo,
  DataDirLock,
  loadOrCreateNodeId,
  prepareDataDir,
  removeRuntimeInfo,
  writeRuntimeInfo,
} from './data-dir.js';
import { loadSigningKey } from './signing-key.js';

export const DEFAULT_CLOUD_LISTEN = '127.0.0.1:8600';

export interface CloudOptions {
  /** This node's data directory: vendor key, admin credentials, cloud.json, and the SQLite file by default. */
  dataDir: string;
  /** `HOST:PORT` (port 0 picks a free one); default `127.0.0.1:8600`. Off loopback, TLS is required. */
  listen?: string;
  /** `sqlite:PATH` (default `sqlite:DIR/cloud.db`) or `postgres://user@host:port/db[?schema=NAME]`. */
  db?: string;
  /** Import this vendor signing key (PEM) instead of making one; every node of a Cloud uses the same key. */
  signingKeyFile?: string;
  /** Flexible servers' sync interval (the next piece of work uses it). */
  syncIntervalSeconds?: number;
  /** How long a flexible server keeps its licenses without a sync. */
  graceSeconds?: number;
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  /** Certificate and key (PEM files); required to listen off loopback. */
  tls?: { certFile: string; keyFile: string };
  /** The URL clients reach this node at, for generated client configurations; default its listen URL. */
  publicUrl?: string;
  /** More host names the vendor API answers to (behind a proxy). */
  allowedHosts?: string[];
  /** The built portal to serve at `/`; default `@tessera/portal`'s dist/. */
  portalDir?: string;
  logger?: Logger;
  clock?: Clock;
  /** Seat batch size and sweep period (tests). */
  maxBatch?: number;
  sweepMs?: number;
  /** Timeouts of the listener (tests shorten them); default `LISTENER_POLICY`. */
  listenerPolicy?: Partial<ListenerPolicy>;
  /** The open-file limit the connection cap is derived from; default this process's (`ulimit -n`). */
  fdLimit?: number;
}

export interface RunningCloud {
  url: string;
  publicUrl: string;
  nodeId: string;
  nonce: string;
  dataDir: string;
  dialect: Dialect;
  poolIdPrefix: string;
  vendorKeyId: string;
  /** True when this start made the first admin and wrote `initial-admin-password`. */
  initialPasswordWritten: boolean;
  app: FastifyInstance;
  /** Connections held and refused by the listener's caps. */
  connections: ConnectionStats;
  services: CloudServices;
  store: Store;
  stop(): Promise<void>;
}

/**
 * Starts a Cloud node: data dir (locked), vendor key (made, imported or found), database
 * (opened and migrated), first admin and CLI token, services, the listener, `cloud.json`.
 * On PostgreSQL, migrations and the first admin happen under an advisory lock, so nodes that
 * start together do them once.
 *
 * @example
 * const cloud = await startCloud({ dataDir: './cloud', listen: '127.0.0.1:0' });
 * console.log(cloud.url); // http://127.0.0.1:41871
 * await cloud.stop();
 */
export async function startCloud(o: CloudOptions): Promise<RunningCloud> {
  const listenAt = parseListen(o.listen ?? DEFAULT_CLOUD_LISTEN, 'listen address');
  if (!isLoopback(listenAt.host) && !o.tls) {
    throw new TesseraError(
      'BAD_REQUEST',
      `the Cloud on ${listenAt.host} is not on loopback, so it needs TLS (a certificate and key); ` +
        'Basic credentials must not cross a network in clear text',
    );
  }
  // Tests that must make hours pass run the Cloud on the License Servers' test clock.
  const testClock = o.clock ? undefined : testClockFromEnv(process.env);
  const clock = o.clock ?? testClock ?? systemClock;
  const settings = resolveNodeSettings(o);
  const https = o.tls ? readTls(o.tls) : undefined;

  const dataDir = prepareDataDir(o.dataDir);
  const logger = (o.logger ?? pino({ level: 'info' })).child({ component: 'cloud' });
  if (testClock) {
    logger.warn(
      { clockFile: testClock.file },
      `TEST KNOB ${TEST_CLOCK_KNOBS.clockFile} IS SET: this node runs on a test clock, not the system clock`,
    );
  }
  const lock = DataDirLock.acquire(dataDir, 'tessera cloud');
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  try {
    const nodeId = loadOrCreateNodeId(dataDir);
    const signer = await loadSigningKey(dataDir, o.signingKeyFile);
    const { syncIntervalSeconds, graceSeconds } = settings;
    for (const warning of settingWarnings(settings)) logger.warn({ syncIntervalSeconds, graceSeconds }, warning);
    const db = await openAndBootstrap({ o, dataDir, clock, signer, logger, cleanups });
    const node: NodeParts = { o, settings, clock, logger, dataDir, nodeId, signer, db, https, listenAt };
    return await serveNode(node, lock, cleanups);
  } catch (err) {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    throw err;
  }
}

/** What one start of a node has made so far, for the steps after it. */
interface NodeParts {
  o: CloudOptions;
  settings: NodeSettings;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  nodeId: string;
  signer: Awaited<ReturnType<typeof loadSigningKey>>;
  db: OpenedDatabase;
  https: { cert: Buffer; key: Buffer } | undefined;
  listenAt: { host: string; port: number };
}

interface OpenedDatabase {
  opened: Awaited<ReturnType<typeof openDb>>;
  location: ReturnType<typeof parseDbLocation>;
  store: Store;
  poolIdPrefix: string;
  initialPasswordPath: string;
  initialPasswordWritten: boolean;
}

/** Opens the database (a clear error when it cannot be reached) and bootstraps it. */
async function openAndBootstrap(p: {
  o: CloudOptions;
  dataDir: string;
  clock: Clock;
  signer: NodeParts['signer'];
  logger: Logger;
  cleanups: (() => Promise<void> | void)[];
}): Promise<OpenedDatabase> {
  const { o, dataDir, signer, logger } = p;
  const location = parseDbLocation(o.db ?? `sqlite:${join(dataDir, CLOUD_FILES.database)}`);
  const unreachable = (err: unknown): never => {
    if (!isDbUnavailableError(err)) throw err;
    throw new TesseraError(
      'UNAVAILABLE',
      `cannot reach the database ${describeDbLocation(location)}: ${(err as Error).message}`,
      { cause: err },
    );
  };
  const opened = await openDb(location).catch(unreachable);
  p.cleanups.push(() => opened.close());
  const store = new Store(opened.db, opened.dialect);
  const initialPasswordPath = join(dataDir, CLOUD_FILES.initialPassword);
  const boot = await bootstrapDatabase(store, {
    dialect: opened.dialect,
    clock: p.clock,
    vendorKeyId: signer.kid,
    initialPassword: {
      write: (password) => {
        removeFile(initialPasswordPath); // a leftover from a database that is gone
        writeFileAtomic(initialPasswordPath, `${password}\n`, 0o600, { exclusive: true });
      },
      discard: () => removeFile(initialPasswordPath),
    },
  }).catch(unreachable);
  if (boot.applied.length > 0) logger.info({ applied: boot.applied }, 'database migrated');
  signer.persist();
  if (signer.origin !== 'existing') {
    logger.info(
      { kid: signer.kid, origin: signer.origin },
      `vendor signing key ${signer.origin}: ${CLOUD_FILES.vendorKey}`,
    );
  }
  if (boot.initialPasswordWritten) {
    logger.warn(
      { file: initialPasswordPath },
      'made user admin; its initial password is in this file and must be changed at first sign-in',
    );
  }
  return {
    opened,
    location,
    store,
    poolIdPrefix: boot.poolIdPrefix,
    initialPasswordPath,
    initialPasswordWritten: boot.initialPasswordWritten,
  };
}

/** Services, the CLI token, the listener, the node's row and `cloud.json`: the node serves. */
async function serveNode(
  n: NodeParts,
  lock: DataDirLock,
  cleanups: (() => Promise<void> | void)[],
): Promise<RunningCloud> {
  const { o, settings, clock, logger, dataDir, nodeId, signer, listenAt } = n;
  const { opened, location, store, poolIdPrefix } = n.db;
  let publicUrl = o.publicUrl ?? '';
  const services = createServices({
    store,
    clock,
    poolIdPrefix,
    signer,
    nodeId,
    leaseSeconds: settings.leaseSeconds,
    heartbeatSeconds: settings.heartbeatSeconds,
    logger: logger.child({ part: 'seats' }),
    nodeUrls: async () => {
      const live = await store.nodes.live(SEAT_POLICY.nodeLiveMs);
      return [...new Set([publicUrl, ...live.map((x) => x.url)])].filter((u) => u !== '');
    },
    ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
    ...(o.sweepMs !== undefined ? { sweepMs: o.sweepMs } : {}),
    sync: { intervalSeconds: settings.syncIntervalSeconds, graceSeconds: settings.graceSeconds },
  });
  opened.onConnectionError((err) => services.seats.noteConnectionError(err));
  await ensureAdminToken(services, dataDir, nodeId);

  const nonce = randomBytes(16).toString('base64url');
  let url = '';
  const fdLimit = o.fdLimit ?? readFdLimit() ?? CONNECTION_POLICY.assumedFdLimit;
  const connectionLimits = connectionBudget(fdLimit, false).client;
  logger.info({ fdLimit, connections: connectionLimits }, 'connection caps');
  const { app, connections } = await buildCloudApp({
    ctx: {
      ...services,
      metrics: new CloudMetrics(services.seats),
      nonce,
      nodeId,
      secureCookies: n.https !== undefined,
      vendorPublicKeyPem: signer.publicKeyPem,
      afterPasswordChange: (username) => {
        if (username === INITIAL_ADMIN_USER) removeFile(n.db.initialPasswordPath);
      },
      info: async () => ({
        nodeId,
        version: PRODUCT_VERSION,
        url,
        publicUrl,
        dialect: opened.dialect,
        database: describeDbLocation(location),
        databaseUp: services.seats.databaseUp,
        poolIdPrefix,
        vendorKeyId: signer.kid,
        ...settings,
        nodes: await store.nodes.live(SEAT_POLICY.nodeLiveMs),
      }),
    },
    logger: logger as unknown as FastifyBaseLogger,
    allowedHosts: allowedHostsFor(listenAt.host, o.allowedHosts, o.publicUrl),
    https: n.https,
    portalDir: o.portalDir ?? defaultPortalDir(),
    listenerPolicy: { ...LISTENER_POLICY, ...o.listenerPolicy },
    connectionLimits,
  });
  cleanups.push(() => app.close());
  await app.listen({ host: listenAt.host, port: listenAt.port });
  const port = (app.server.address() as { port: number }).port;
  url = urlOf(n.https ? 'https' : 'http', listenAt.host, port);
  publicUrl = o.publicUrl ?? url;
  const startedAt = new Date(clock.now()).toISOString();
  await store.nodes.upsert({ id: nodeId, url: publicUrl, version: PRODUCT_VERSION, startedAt });
  services.seats.start();
  cleanups.push(() => services.seats.stop());
  const info: CloudRuntimeInfo = {
    pid: process.pid,
    nonce,
    nodeId,
    url,
    poolIdPrefix,
    vendorKeyId: signer.kid,
    database: describeDbLocation(location),
    startedAt,
    version: PRODUCT_VERSION,
  };
  writeRuntimeInfo(dataDir, info);
  logger.info({ url, nodeId, database: info.database }, 'Tessera Cloud node started');

  let stopping: Promise<void> | undefined;
  return {
    url,
    publicUrl,
    nodeId,
    nonce,
    dataDir,
    dialect: opened.dialect,
    poolIdPrefix,
    vendorKeyId: signer.kid,
    initialPasswordWritten: n.db.initialPasswordWritten,
    app,
    connections,
    services,
    store,
    stop() {
      stopping ??= (async () => {
        await app.close().catch(() => {});
        await services.seats.stop();
        await opened.close().catch(() => {});
        removeRuntimeInfo(dataDir, nonce);
        lock.release();
      })();
      return stopping;
    },
  };
}

/** The CLI's admin token in the data dir, made again when missing or no longer valid. */
async function ensureAdminToken(services: CloudServices, dataDir: string, nodeId: string): Promise<void> {
  const tokenPath = join(dataDir, CLOUD_FILES.adminToken);
  const existingToken = readTextFile(tokenPath);
  if (!existingToken || !(await services.auth.tokenIsValid(existingToken))) {
    const token = await services.auth.issueAdminToken(`cli@${nodeId}`);
    writeFileAtomic(tokenPath, `${token}\n`, 0o600);
  }
}

/**
 * The host names the listener answers to: on loopback, the loopback names and any given; off
 * it, only those given (all when none is); the public URL's host in any case.
 */
function allowedHostsFor(
  listenHost: string,
  allowed: readonly string[] | undefined,
  publicUrl: string | undefined,
): Set<string> | undefined {
  const hosts = isLoopback(listenHost)
    ? new Set(['localhost', '127.0.0.1', '[::1]', ...(allowed ?? []).map((h) => h.toLowerCase())])
    : allowed && allowed.length > 0
      ? new Set(allowed.map((h) => h.toLowerCase()))
      : undefined;
  if (hosts && publicUrl) hosts.add(new URL(publicUrl).hostname.toLowerCase());
  return hosts;
}

function readTls(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (err) {
    throw new TesseraError('BAD_REQUEST', `cannot read the TLS certificate or key: ${(err as Error).message}`);
  }
}
