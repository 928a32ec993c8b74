/**
 * The core of a License Server: everything but its listeners (data dir, identity, store,
 * lease engine, services), wired. The CLI opens it directly when no server runs, so that its
 * commands run the same code as the admin API (docs/cli.md).
 */

import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type Clock, ClockGuard, Keyring, publicKeyFromPem, systemClock, TesseraError } from '@tessera/core';
import pino, { type Logger } from 'pino';
import { AuditLog, SYSTEM_ACTOR } from '../domain/audit.js';
import { AuthService } from '../domain/auth-service.js';
import { FlexibleService } from '../domain/flexible/flexible-service.js';
import { flexibleLicensesAtStart } from '../domain/flexible/flexible-state.js';
import type { KeyOrigins } from '../domain/flexible/untrusted-key.js';
import { LeaseEngine } from '../domain/leases/lease-engine.js';
import { LicenseService } from '../domain/license-service.js';
import { SERVER_POLICY } from '../domain/policy.js';
import { fingerprintOf, type ServerIdentity } from '../domain/server-identity.js';
import type { LogLevel } from '../domain/settings/catalog.js';
import { SettingsService } from '../domain/settings/settings-service.js';
import { UserService } from '../domain/user-service.js';
import { CommitQueue } from '../store/commit-queue.js';
import { type Db, openDatabase } from '../store/db.js';
import { Store } from '../store/store.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import { cloudRequest } from './cloud-transport.js';
import { adminSecretFiles, DATA_FILES, DataDirLock, prepareDataDir } from './data-dir.js';
import { readServerEnv, type ServerEnv } from './env.js';
import { readMachineFactors } from './machine-factors.js';
import { type LicenseServerOptions, type ServerCoreOptions, settingFlagsOf } from './options.js';
import { loadOrCreateIdentity } from './server-identity.js';

/** The keyring that ships with the program (docs/security.md). */
export const SHIPPED_KEYRING = new URL('../../vendor-keyring.pem', import.meta.url);

/**
 * Everything of a License Server but its listeners: data dir (locked), identity, store,
 * lease engine, services. The CLI uses this directly when no server is running, so that its
 * commands run the same code as the admin API (docs/cli.md).
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
  /** Users once added: role, disable/enable, delete, password reset. */
  users: UserService;
  audit: AuditLog;
  keyring: Keyring;
  clock: Clock;
  clockGuard: ClockGuard;
  /** Flexible licensing state (docs/flexible.md): Reports, Syncs, valid-until. */
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
    warnOfTestKnobs(env, logger);
    const identity = await loadOrCreateIdentity(dataDir);
    const { keyring, keyOrigins } = await loadKeyring(o.vendorKeyFiles ?? [], logger);
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
    const { queue, checkpointer } = openWrites(db, env.crashAt, logger);
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
    loadEngine(engine, store, clock, logger);
    const secretFiles = adminSecretFiles(dataDir);
    const auth = new AuthService(store, secretFiles, audit, () => clock.now());
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
      keyOrigins,
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
      users: new UserService(store, audit, secretFiles),
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

function warnOfTestKnobs(env: ServerEnv, logger: Logger): void {
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
}

/** The commit queue and the WAL checkpointer that keeps its commits short. */
function openWrites(
  db: Db,
  crashPoint: ServerEnv['crashAt'],
  logger: Logger,
): { queue: CommitQueue; checkpointer: WalCheckpointer } {
  const queue = new CommitQueue(db, { maxBatch: SERVER_POLICY.commitMaxBatch });
  const checkpointer = new WalCheckpointer({ db, hold: () => queue.hold(), crashPoint });
  checkpointer.observe({
    onFailure: (err) =>
      logger.warn({ err }, 'WAL checkpoints are back in the commits (slower answers now and then): the worker failed'),
  });
  queue.observeCommits(() => checkpointer.committed());
  return { queue, checkpointer };
}

/** Loads the installed and the flexible licenses and the held leases into the engine. */
function loadEngine(engine: LeaseEngine, store: Store, clock: Clock, logger: Logger): void {
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
}

/** The log level in force; loggers that share their level with children (the CLI's) follow at once. */
export function applyLogLevel(logger: Logger, level: LogLevel): void {
  logger.level = level;
}

async function loadKeyring(
  extraFiles: string[],
  logger: Logger,
): Promise<{ keyring: Keyring; keyOrigins: KeyOrigins }> {
  const keyring = await Keyring.fromPem(readFileSync(SHIPPED_KEYRING, 'utf8'));
  const keyOrigins = { shipped: keyring.kids(), files: [] as { file: string; kid: string }[] };
  for (const file of extraFiles) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TesseraError('BAD_REQUEST', `cannot read vendor key ${file}: ${(err as Error).message}`);
    }
    const key = publicKeyFromPem(pem);
    const kid = await keyring.add(key);
    keyOrigins.files.push({ file, kid });
    logger.warn({ file, kid }, 'trusting an extra vendor key given with --vendor-key (development/test use)');
  }
  return { keyring, keyOrigins };
}
