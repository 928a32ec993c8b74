/**
 * Databases for tests: a temp SQLite file, or a PostgreSQL schema of its own (random name)
 * on the machine's server at 127.0.0.1:5432, database `test`, dropped afterwards. When
 * PostgreSQL is absent, the PostgreSQL variant fails: it never skips.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Dialect, migrateToLatest, openDb, parseDbLocation } from '../store/db.js';
import { Store } from '../store/store.js';

export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: Dialect;
  /** The `--db` value. */
  url: string;
  /** Drops the schema (PostgreSQL) or removes the file (SQLite). */
  drop(): Promise<void>;
}

/** A fresh, empty database of `dialect`. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cloud-db-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'cloud.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `cloud_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`create schema ${schema}`);
  } catch (err) {
    await client.end().catch(() => {});
    throw new Error(
      `PostgreSQL tests need the server at 127.0.0.1:5432 (trust auth, database "test"): ${(err as Error).message}`,
    );
  }
  await client.end();
  return {
    dialect,
    url: `${TEST_PG_URL}?schema=${schema}`,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestStore {
  store: Store;
  db: TestDatabase;
  /** Another connection pool on the same database: a second node. */
  openAnother(): Promise<Store>;
  close(): Promise<void>;
}

/** A migrated store on a fresh database. */
export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  const db = await createTestDatabase(dialect);
  const closers: (() => Promise<void>)[] = [];
  const open = async () => {
    const opened = await openDb(parseDbLocation(db.url));
    closers.push(() => opened.close());
    return new Store(opened.db, opened.dialect);
  };
  try {
    const store = await open();
    await store.withBootstrapLock((s) => migrateToLatest(s.db, dialect));
    return {
      store,
      db,
      openAnother: open,
      async close() {
        for (const c of closers.reverse()) await c().catch(() => {});
        await db.drop();
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => {});
    await db.drop().catch(() => {});
    throw err;
  }
}
