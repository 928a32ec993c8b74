/**
 * The machine's PostgreSQL as the benches use it: one short connection per admin statement, and a fresh
 * schema per Cloud under test (dropped afterwards), so runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `fn` on a connection of its own, closed afterwards. */
export async function withPgClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be used, or undefined when it can. */
export async function postgresProblem(): Promise<string | undefined> {
  try {
    await withPgClient((c) => c.query('select 1'));
    return undefined;
  } catch (err) {
    return `no PostgreSQL at ${PG_URL} (${(err as Error).message})`;
  }
}

/** A fresh schema named `PREFIX_<random>`; `url` points a Cloud at it. */
export async function freshPgSchema(prefix: string): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withPgClient((c) => c.query(`create schema ${schema}`));
  return {
    schema,
    url: `${PG_URL}?schema=${schema}`,
    drop: () => withPgClient((c) => c.query(`drop schema if exists ${schema} cascade`)).then(() => undefined),
  };
}
