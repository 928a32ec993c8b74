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

// PostgreSQL SQLSTATE classes and codes that mean "the database cannot be talked to now"
// rather than "this request is wrong": connection exceptions (08), operator intervention
// (57: shutdown, crash, cannot connect now), insufficient resources (53).
const UNAVAILABLE_SQLSTATE = /^(08|57|53)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * True when `err` says the database is unreachable (refused, reset, timed out, shutting
 * down) as opposed to a query being refused. Such errors become 503 UNAVAILABLE.
 */
export function isDbUnavailableError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string') {
    if (UNAVAILABLE_ERRNO.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && UNAVAILABLE_SQLSTATE.test(e.code)) return true;
    if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_IOERR' || e.code === 'SQLITE_FULL') return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|driver has already been destroyed/i.test(
      message,
    )
  ) {
    return true;
  }
  return e.cause !== undefined && e.cause !== err && isDbUnavailableError(e.cause);
}

/** True for PostgreSQL deadlocks and serialization failures, which a retry resolves. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
