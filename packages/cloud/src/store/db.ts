/**
 * Opening the Cloud's database: SQLite (`sqlite:PATH`, the default, one node) or PostgreSQL
 * (`postgres://...`, several nodes), behind one kysely instance. This and the repositories
 * next to it are the only places that know SQL.
 */
import { TesseraError } from '@tessera/core';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type RawBuilder, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { cloudMigrations, type Dialect } from './migrations.js';
import type { CloudDatabase } from './schema.js';

export type { Dialect } from './migrations.js';

export type CloudDb = Kysely<CloudDatabase>;

/** Where the data lives, parsed from `--db`. */
export type DbLocation =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string; schema: string | undefined };

/** Connection settings for PostgreSQL, named so a reader sees them at once. */
export const PG_POOL = {
  /** Connections per node: a batch of seat changes holds one, the vendor API the rest. */
  max: 10,
  /** A node must not hang when the database is gone: connecting gives up after this. */
  connectionTimeoutMillis: 2_000,
  /** Nor when it is there but stuck: a statement gives up after this. */
  statementTimeoutMs: 10_000,
  idleTimeoutMillis: 30_000,
} as const;

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses `--db`: `sqlite:PATH`, a bare path, or `postgres://user@host:port/db` (also
 * `postgresql://`). A `schema=NAME` query parameter puts the Cloud's tables in that
 * PostgreSQL schema (made if missing), so several Clouds or test runs can share a database.
 */
export function parseDbLocation(value: string): DbLocation {
  const v = value.trim();
  if (/^postgres(ql)?:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new TesseraError('BAD_REQUEST', `--db: "${v}" is not a valid postgres:// URL`);
    }
    const schema = url.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !SCHEMA_RE.test(schema)) {
      throw new TesseraError('BAD_REQUEST', `--db: schema must be lower-case letters, digits and _, got "${schema}"`);
    }
    url.searchParams.delete('schema');
    return { dialect: 'postgres', connectionString: url.toString(), schema };
  }
  const path = v.startsWith('sqlite:') ? v.slice('sqlite:'.length) : v;
  if (path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new TesseraError('BAD_REQUEST', `--db must be sqlite:PATH or postgres://..., got "${value}"`);
  }
  return { dialect: 'sqlite', path };
}

/** A URL or path for messages and cloud.json, without any password. */
export function describeDbLocation(loc: DbLocation): string {
  if (loc.dialect === 'sqlite') return `sqlite:${loc.path}`;
  const url = new URL(loc.connectionString);
  if (url.password) url.password = '***';
  if (loc.schema) url.searchParams.set('schema', loc.schema);
  return url.toString();
}

export interface OpenedDb {
  db: CloudDb;
  dialect: Dialect;
  location: DbLocation;
  /** Reports connection-level failures of idle PostgreSQL connections (they would otherwise crash the process). */
  onConnectionError(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

/**
 * Opens the database. SQLite: WAL, `synchronous=FULL` (a commit is on disk when it returns),
 * foreign keys on. PostgreSQL: a pool with bounded connect and statement times, 64-bit
 * integers read as numbers (they hold epoch milliseconds), the schema of the URL on the
 * search path. Does not migrate: see {@link migrateToLatest}.
 */
export async function openDb(loc: DbLocation): Promise<OpenedDb> {
  if (loc.dialect === 'sqlite') {
    const raw = new Database(loc.path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    const db = new Kysely<CloudDatabase>({ dialect: new SqliteDialect({ database: raw }) });
    return {
      db,
      dialect: 'sqlite',
      location: loc,
      onConnectionError() {},
      close: () => db.destroy(),
    };
  }
  const listeners: ((err: Error) => void)[] = [];
  const report = (err: Error) => {
    for (const l of listeners) l(err);
  };
  const pool = new pg.Pool({
    connectionString: loc.connectionString,
    max: PG_POOL.max,
    connectionTimeoutMillis: PG_POOL.connectionTimeoutMillis,
    idleTimeoutMillis: PG_POOL.idleTimeoutMillis,
    statement_timeout: PG_POOL.statementTimeoutMs,
    ...(loc.schema ? { options: `-c search_path=${loc.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server drops while it sits in the pool, or while kysely holds it between
  // statements, emits 'error'; unheard, that would end the process. The next query fails
  // (and is answered 503) instead.
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  if (loc.schema) {
    try {
      await pool.query(`create schema if not exists ${loc.schema}`);
    } catch (err) {
      // Two nodes creating it at once: one wins, the other sees a duplicate; both go on.
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') {
        await pool.end().catch(() => {});
        throw err;
      }
    }
  }
  const db = new Kysely<CloudDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: loc,
    onConnectionError(listener) {
      listeners.push(listener);
    },
    close: () => db.destroy(),
  };
}

/** Runs the migrations not yet applied. On PostgreSQL the caller holds the bootstrap lock. */
export async function migrateToLatest(db: CloudDb, dialect: Dialect): Promise<string[]> {
  // On PostgreSQL the migrator is told the schema its tables live in: unqualified, it takes a
  // `kysely_migration` table of any other schema in the database for its own.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => cloudMigrations(dialect) },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this program knows, in order. */
export function knownMigrations(dialect: Dialect): string[] {
  return Object.keys(cloudMigrations(dialect)).sort();
}

/**
 * The database's clock, as epoch milliseconds, for lease times: every node reads time from
 * one place, so a node with a skewed clock neither shortens nor stretches other nodes' leases.
 */
export function dbNowMs(dialect: Dialect): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000.0 as integer)`;
}

/** Why the database cannot serve now, by what the failure means (see {@link classifyDbOutage}). */
export type DbOutageKind =
  | 'connection'
  | 'shutdown'
  | 'database-missing'
  | 'authentication'
  | 'read-only'
  | 'not-accepting'
  | 'resources'
  | 'timeout'
  | 'locked'
  | 'storage';

/**
 * An outage of the database: a node answers it with 503 UNAVAILABLE and `message` (checkouts,
 * the vendor API), answers heartbeats of the leases it knows from memory, logs it once and
 * probes until it is over.
 */
export interface DbOutage {
  kind: DbOutageKind;
  /** For clients and the log: what is wrong, in words, and that trying again is right. */
  message: string;
  /** The driver's own words (SQLSTATE or errno, and message), for the log. */
  cause: string;
}

/** Each kind's message; all are answered 503 UNAVAILABLE. */
export const DB_OUTAGE_MESSAGES: Readonly<Record<DbOutageKind, string>> = {
  connection: 'the license database cannot be reached (connection refused, lost or timed out); try again',
  shutdown: 'the license database is shutting down or starting up; try again',
  'database-missing': 'the license database does not exist on its server (dropped or renamed); try again',
  authentication: 'the Cloud node cannot sign in to the license database (its role is refused); try again',
  'read-only': 'the license database is read-only (a standby, after a failover?) and takes no writes; try again',
  'not-accepting': 'the license database is not accepting connections now; try again',
  resources: 'the license database is out of connections or resources; try again',
  timeout: 'the license database did not answer in time; try again',
  locked: 'the license database file is locked by another process; try again',
  storage: 'the license database cannot be written (disk full or an I/O error); try again',
};

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** What pg and kysely say, without a code, when a connection is gone or cannot be had. */
const CONNECTION_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|driver has already been destroyed/i;

/** The kind a PostgreSQL SQLSTATE names, by its meaning; undefined for a refused query. */
function kindOfSqlState(code: string, severity: string | undefined): DbOutageKind | undefined {
  if (code.startsWith('08')) return 'connection'; // connection exception
  if (code === '57P01' || code === '57P02' || code === '57P03') return 'shutdown'; // admin, crash, cannot connect now
  if (code === '57P04' || code === '3D000') return 'database-missing'; // database dropped, invalid catalog name
  if (code === '57014') return 'timeout'; // query canceled: our statement timeout
  if (code.startsWith('57')) return 'connection'; // operator intervention: the session is gone
  if (code.startsWith('28')) return 'authentication'; // invalid authorization specification
  if (code === '25006') return 'read-only'; // read_only_sql_transaction: a standby after a failover
  if (code.startsWith('53') || code.startsWith('58')) return 'resources'; // too many connections, disk, memory; system error
  // 55000 (object not in prerequisite state) is a refused query, except at connect time, where
  // it says the database is not accepting connections (ALTER DATABASE ... ALLOW_CONNECTIONS false).
  if (code === '55000' && severity === 'FATAL') return 'not-accepting';
  // Any other FATAL or PANIC ends the session: the database cannot be talked to now.
  if (severity === 'FATAL' || severity === 'PANIC') return 'connection';
  return undefined;
}

function kindOf(code: string, severity: string | undefined): DbOutageKind | undefined {
  if (CONNECTION_ERRNO.has(code)) return 'connection';
  if (/^[0-9A-Z]{5}$/.test(code)) return kindOfSqlState(code, severity);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (/^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(code)) return 'storage';
  return undefined;
}

/**
 * Classifies an error by what it means for serving: an outage of the database (which kind),
 * or undefined when the database answered and refused this one query (a bug, a constraint),
 * which stays a 500. Follows `cause` chains (kysely and our own wrappers).
 */
export function classifyDbOutage(err: unknown): DbOutage | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, severity, message } = e as { code?: unknown; severity?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    const kind =
      (typeof code === 'string' ? kindOf(code, typeof severity === 'string' ? severity : undefined) : undefined) ??
      (CONNECTION_MESSAGE.test(text) ? 'connection' : undefined);
    if (kind) {
      return { kind, message: DB_OUTAGE_MESSAGES[kind], cause: typeof code === 'string' ? `${code}: ${text}` : text };
    }
    const next = (e as { cause?: unknown }).cause;
    if (next === e) break;
    e = next;
  }
  return undefined;
}

/**
 * True when `err` says the database cannot serve now (see {@link classifyDbOutage}) as opposed
 * to a query being refused. Such errors become 503 UNAVAILABLE.
 */
export function isDbUnavailableError(err: unknown): boolean {
  return classifyDbOutage(err) !== undefined;
}

/** True for PostgreSQL deadlocks and serialization failures, which a retry resolves. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
