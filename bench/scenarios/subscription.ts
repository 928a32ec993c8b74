/**
 * Subscription seats from the Cloud's licensing nodes: checkout+release throughput across two
 * Cloud nodes on PostgreSQL (one seat pool, the load spread over both nodes), printed beside one
 * node on SQLite; and over-allocation under contention.
 *
 * Each node is the compiled Cloud (packages/cloud/dist) in a process of its own
 * (bench/servers/cloud-node.mjs); both PostgreSQL nodes share one fresh schema of the machine's
 * server (127.0.0.1:5432, database `test`, dropped afterwards; the scenario fails when PostgreSQL
 * is absent) and one vendor key. A customer subscribes SEATS seats of one feature through the
 * vendor API and gets a subscription account; the load generator (lib/load-worker.ts, a forked
 * process) runs N keep-alive connections with the account's Basic credentials, connection i on
 * node i mod 2, each doing checkout (201) then release (204) back to back. An operation is one
 * request. Meanwhile the bench reads the pool from the database every 20 ms: the entitlement's
 * count, its `used`, and the seats of live leases. Then a contention window runs twice as many
 * clients as there are seats (NO_SEATS answers expected, counted as denials) and the pool must
 * never show more than SEATS out; after the load, nothing may be left out.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudApiClient } from '@tessera/cloud';
import { generateSigningKey, privateKeyToPem } from '@tessera/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type BenchContext, connectionCounts, generatorProcesses, windows } from '../lib/context.js';
import { describeCpu } from '../lib/cpu.js';
import { generateLoad, quietLoad } from '../lib/load.js';
import { freshPgSchema, PG_URL, withPgClient } from '../lib/postgres.js';
import { BENCH_DIR, type Child, startChild } from '../lib/proc.js';
import { type Row, row, type ScenarioReport } from '../lib/report.js';
import { int, ms, summarize } from '../lib/stats.js';

export const SUBSCRIPTION_FEATURE = 'asr';
export const SUBSCRIPTION_SEATS = 200;
/** The machine's PostgreSQL (trust auth), as the Cloud's tests use it. */
const SAMPLE_EVERY_MS = 20;

interface CloudReady {
  type: 'ready';
  pid: number;
  url: string;
  nodeId: string;
}

/** What one layout (2 nodes on PostgreSQL, 1 on SQLite) measured. */
interface Measured {
  label: string;
  best: { connections: number; opsPerSec: number };
  errors: number;
  contention: { clients: number; opsPerSec: number; denied: number };
  pool: PoolWatch;
  leftOut: { used: number; live: number };
}

interface PoolWatch {
  samples: number;
  /** Most seats out seen, by the entitlement's `used` and by the live leases' seats. */
  maxUsed: number;
  maxLive: number;
  /** Samples where either exceeded the subscribed count. */
  overAllocated: number;
}

export async function subscription(ctx: BenchContext): Promise<ScenarioReport> {
  const notes: string[] = [];
  const results: Measured[] = [];
  results.push(await measure(ctx, 'postgres', notes));
  results.push(await measure(ctx, 'sqlite', notes));
  const [pgm, lite] = results as [Measured, Measured];
  const rows: Row[] = [
    row(
      `Subscription checkout+release, 2 Cloud nodes on PostgreSQL, load spread over both, N=${pgm.best.connections} (best of ${connectionCounts().join('/')})`,
      `${int(pgm.best.opsPerSec)} ops/s`,
      '≥ 3,000 ops/s',
      pgm.best.opsPerSec >= 3_000,
    ),
    row(
      `Subscription checkout+release, 1 Cloud node on SQLite, N=${lite.best.connections} (beside)`,
      `${int(lite.best.opsPerSec)} ops/s`,
    ),
  ];
  for (const m of results) {
    const over = m.pool.overAllocated > 0 || m.leftOut.used !== 0 || m.leftOut.live !== 0;
    rows.push(
      row(
        `Over-allocation, ${m.label}: ${SUBSCRIPTION_SEATS} seats, up to ${m.contention.clients} clients; pool read from the database every ${SAMPLE_EVERY_MS} ms (${int(m.pool.samples)} reads)`,
        `max ${Math.max(m.pool.maxUsed, m.pool.maxLive)} of ${SUBSCRIPTION_SEATS} out, ${m.pool.overAllocated} reads over; ${m.leftOut.used} left out after`,
        `0 over, 0 left`,
        !over,
      ),
    );
  }
  rows.push(
    row(
      'Errors during the subscription runs (not 201/204/409, or transport)',
      String(pgm.errors + lite.errors),
      '0',
      pgm.errors + lite.errors === 0,
    ),
  );
  return { notes, rows };
}

async function measure(ctx: BenchContext, dialect: 'postgres' | 'sqlite', notes: string[]): Promise<Measured> {
  const nodesWanted = dialect === 'postgres' ? 2 : 1;
  const label = dialect === 'postgres' ? '2 nodes on PostgreSQL' : '1 node on SQLite';
  const root = mkdtempSync(join(tmpdir(), `tessera-bench-subscription-${dialect}-`));
  const db = await makeDatabase(dialect, root);
  const nodes: Child<CloudReady>[] = [];
  let probe: PoolProbe | undefined;
  try {
    const keyFile = join(root, 'vendor.key');
    writeFileSync(keyFile, privateKeyToPem(generateSigningKey().privateKey), { mode: 0o600 });
    for (let i = 0; i < nodesWanted; i++) {
      nodes.push(
        startChild<CloudReady>(join(BENCH_DIR, 'servers', 'cloud-node.mjs'), [
          JSON.stringify({ dataDir: join(root, `node${i + 1}`), db: db.url, signingKeyFile: keyFile }),
        ]),
      );
    }
    const ready = await Promise.all(nodes.map((n) => n.ready));
    const urls = ready.map((r) => r.url);

    // The vendor's side, through the vendor API: a customer, its subscription, an account.
    const token = readFileSync(join(root, 'node1', 'admin.token'), 'utf8').trim();
    const api = new CloudApiClient({ url: urls[0]!, token });
    await api.featureAdd(SUBSCRIPTION_FEATURE);
    const customer = await api.customerAdd('bench');
    const entitlement = await api.entitlementAdd({
      customerId: customer.id,
      type: 'subscription',
      feature: SUBSCRIPTION_FEATURE,
      count: SUBSCRIPTION_SEATS,
      termDays: 365,
    });
    const account = await api.accountAdd(customer.id, 'bench');
    const authorization = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;

    probe = await openProbe(db, entitlement.id);
    const base = {
      url: urls[0]!,
      urls,
      authorization,
      deniedStatus: 409,
      mode: 'closed' as const,
      feature: SUBSCRIPTION_FEATURE,
      clientPrefix: `bench-${dialect}`,
    };
    const processes = generatorProcesses();
    // Warm the nodes' database pools, then count the database's backends as the server's CPU.
    await generateLoad({ ...base, connections: 32, warmupMs: 0, durationMs: ctx.quick ? 500 : 1_500 }, 1);
    const serverPids = [...ready.map((r) => r.pid), ...(await db.backendPids())];
    const watch = probe.watch();
    const { warmupMs, durationMs } = windows(ctx);
    let best = { connections: 0, opsPerSec: 0 };
    let errors = 0;
    for (const connections of connectionCounts()) {
      ctx.log(`subscription (${label}): N=${connections}, ${warmupMs / 1000}+${durationMs / 1000} s`);
      const r = await quietLoad({ ...base, connections, warmupMs, durationMs }, processes, serverPids, ctx.log);
      const opsPerSec = r.ops / (durationMs / 1000);
      errors += r.allErrors;
      const co = summarize(r.checkoutMs);
      const rel = summarize(r.releaseMs);
      notes.push(
        `subscription ${label} N=${connections}: ${int(opsPerSec)} ops/s (${int(r.checkouts / (durationMs / 1000))} checkouts/s + ${int(r.releases / (durationMs / 1000))} releases/s), ` +
          `checkout p50 ${ms(co.p50)} p99 ${ms(co.p99)}, release p50 ${ms(rel.p50)} p99 ${ms(rel.p99)}, NO_SEATS ${r.denied}, errors ${r.errors}; ` +
          `${describeCpu(r.cpu, opsPerSec)}${dialect === 'postgres' ? ' (server = both nodes + their PostgreSQL backends)' : ''}` +
          `${r.attempts > 1 ? ' (measured twice, quieter run kept)' : ''}`,
      );
      for (const e of r.errorSamples) notes.push(`  error sample: ${e}`);
      if (opsPerSec > best.opsPerSec) best = { connections, opsPerSec };
    }

    // Contention: twice as many clients as seats, spread over the nodes.
    const clients = 2 * SUBSCRIPTION_SEATS;
    const short = ctx.quick ? { warmupMs: 500, durationMs: 2_000 } : { warmupMs: 1_000, durationMs: 5_000 };
    ctx.log(`subscription (${label}): contention, ${clients} clients on ${SUBSCRIPTION_SEATS} seats`);
    const c = await generateLoad({ ...base, connections: clients, ...short }, processes, serverPids);
    errors += c.errors;
    const contention = { clients, opsPerSec: c.ops / (short.durationMs / 1000), denied: c.denied };
    const pool = await watch.stop();
    const leftOut = await probe.read();
    notes.push(
      `subscription ${label} contention: ${clients} clients, ${int(contention.opsPerSec)} ops/s granted+released, ` +
        `${int(c.denied)} NO_SEATS, errors ${c.errors}; pool: max used ${pool.maxUsed}, max live-lease seats ${pool.maxLive} ` +
        `of ${SUBSCRIPTION_SEATS} over ${int(pool.samples)} reads; after the load used ${leftOut.used}, live ${leftOut.live}`,
    );
    for (const e of c.errorSamples) notes.push(`  error sample: ${e}`);
    return { label, best, errors, contention, pool, leftOut: { used: leftOut.used, live: leftOut.live } };
  } finally {
    await probe?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

// ---- the database under the nodes, and a probe of the seat pool in it

interface BenchDatabase {
  dialect: 'postgres' | 'sqlite';
  /** The nodes' `--db`. */
  url: string;
  schema?: string;
  /** PostgreSQL: the backend processes serving this database now (their CPU counts as the server's). */
  backendPids(): Promise<number[]>;
  drop(): Promise<void>;
}

async function makeDatabase(dialect: 'postgres' | 'sqlite', root: string): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    return { dialect, url: `sqlite:${join(root, 'cloud.db')}`, backendPids: async () => [], drop: async () => {} };
  }
  let fresh: Awaited<ReturnType<typeof freshPgSchema>>;
  try {
    fresh = await freshPgSchema('bench_sub');
  } catch (err) {
    throw new Error(`the subscription bench needs PostgreSQL at ${PG_URL} (trust auth): ${(err as Error).message}`);
  }
  const { schema } = fresh;
  return {
    dialect,
    url: fresh.url,
    schema,
    backendPids: () =>
      withPgClient(async (c) => {
        const r = await c.query(
          "select pid from pg_stat_activity where backend_type = 'client backend' and datname = current_database() and pid <> pg_backend_pid()",
        );
        return r.rows.map((x: { pid: number }) => Number(x.pid));
      }),
    drop: fresh.drop,
  };
}

const PROBE_SQL =
  'select e.count as count, e.used as used, ' +
  '(select coalesce(sum(l.count), 0) from leases l where l.entitlement_id = e.id and l.ended_at is null) as live ' +
  'from entitlements e where e.id = ';

interface PoolProbe {
  read(): Promise<{ count: number; used: number; live: number }>;
  /** Reads every SAMPLE_EVERY_MS until stopped; the maxima seen. */
  watch(): { stop(): Promise<PoolWatch> };
  close(): Promise<void>;
}

async function openProbe(db: BenchDatabase, entitlementId: string): Promise<PoolProbe> {
  let read: PoolProbe['read'];
  let close: () => Promise<void>;
  if (db.dialect === 'sqlite') {
    const raw = new Database(db.url.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    const stmt = raw.prepare(`${PROBE_SQL}?`);
    read = async () => {
      const r = stmt.get(entitlementId) as { count: number; used: number; live: number };
      return { count: Number(r.count), used: Number(r.used), live: Number(r.live) };
    };
    close = async () => {
      raw.close();
    };
  } else {
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${db.schema}` });
    await client.connect();
    read = async () => {
      const r = (await client.query(`${PROBE_SQL}$1`, [entitlementId])).rows[0];
      return { count: Number(r.count), used: Number(r.used), live: Number(r.live) };
    };
    close = () => client.end();
  }
  return {
    read,
    close,
    watch() {
      const w: PoolWatch = { samples: 0, maxUsed: 0, maxLive: 0, overAllocated: 0 };
      let running = true;
      const loop = (async () => {
        while (running) {
          const r = await read();
          w.samples++;
          w.maxUsed = Math.max(w.maxUsed, r.used);
          w.maxLive = Math.max(w.maxLive, r.live);
          if (r.used > r.count || r.live > r.count) w.overAllocated++;
          await new Promise((res) => setTimeout(res, SAMPLE_EVERY_MS));
        }
      })();
      return {
        async stop() {
          running = false;
          await loop;
          return w;
        },
      };
    },
  };
}
