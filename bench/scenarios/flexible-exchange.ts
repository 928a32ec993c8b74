/**
 * The flexible exchange at its largest expected size (issue 5): a License Server with 50
 * features and 90 days of unacknowledged usage hours (2,160 hours × 50 = 108,000 rows) writes
 * a Report, a real Cloud process answers it with a Sync, the server imports that. Goal: each
 * step under 1 s, the Report file under 2 MB.
 *
 * The server is the compiled build opened in this process (openServerCore, as the CLI does on
 * a data dir); the Cloud is the compiled build in a process of its own
 * (bench/servers/cloud-node.mjs), on SQLite and then on PostgreSQL (127.0.0.1:5432, database
 * `test`, a fresh schema dropped afterwards; skipped with a note when PostgreSQL is absent).
 * One vendor key: the Cloud signs with it, the server trusts its public half.
 *
 * Set-up, per Cloud: 50 features, a customer with a flexible entitlement of each, an enrollment
 * code; the server (mode `als`) enrolls with an empty first Report and imports the Sync; the
 * vendor allocates all 50 features to it. Then 108,000 usage hours are written straight into the
 * server's `usage_hours` table (the usage meter would take 90 days to write them), with random
 * values (the worst case for the Report's deflate). What is timed:
 *
 * - Report create: `FlexibleService.createReport` (read pending hours, take the sequence, pack,
 *   sign), ROUNDS times, each a new Report of the same hours (nothing was acknowledged yet);
 * - Report verify: core's `verifyReport` with the server's public key (what the Cloud does first);
 * - send -> Sync: `POST /v1/sync` from this process, end to end, and the Cloud's own time for
 *   the request (headers read -> answer written, from node:http's diagnostics channels in the
 *   Cloud process). The first Report brings 108,000 new hours; the later ones are newer Reports
 *   repeating the same hours, which the Cloud upserts again (each hour still counted once);
 * - Sync verify: core's `verifySync` with the vendor keyring;
 * - Sync import: `FlexibleService.applySync` (as `tessera flexible import-sync` does), each
 *   Sync in turn (each has a higher sync counter).
 *
 * Checks after the runs: the Cloud's usage totals equal what was written on the server (every
 * hour once, whatever the resends), and the server has no hour left to report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CloudApiClient } from '@tessera/cloud';
import { Keyring, privateKeyToPem, verifyReport, verifySync } from '@tessera/core';
import { LOCAL_CLI_ACTOR, openServerCore, type ServerCore } from '@tessera/server';
import pg from 'pg';
import type { BenchContext } from '../lib/context.js';
import { snapshot, waitForQuiet } from '../lib/cpu.js';
import { makeBenchDir, silentLogger } from '../lib/datadir.js';
import { backendsOf, cpuMsOf } from '../lib/pg-backends.js';
import { freshPgSchema, postgresProblem } from '../lib/postgres.js';
import { BENCH_DIR, type Child, retrying, startChild } from '../lib/proc.js';
import { type Row, row, type ScenarioReport } from '../lib/report.js';
import { bytes, int, median, ms } from '../lib/stats.js';
import { writeUsage } from '../lib/usage-history.js';

const FEATURES = 50;
const DAYS = 90;
const HOURS = DAYS * 24;
const ROWS = FEATURES * HOURS;
/** Reports made, sent and answered per Cloud; medians are of these. */
const ROUNDS = 3;
const GOAL_MS = 1_000;
const GOAL_BYTES = 2_000_000;
/** /proc/PID/stat counts CPU time in ticks of 1/100 s (USER_HZ on Linux). */
const TICK_MS = 10;

interface CloudReady {
  type: 'ready';
  pid: number;
  url: string;
}

interface CloudTiming {
  type: 'timing';
  status: number;
  ms: number;
}

/** One timed step, with the share of a core other processes used meanwhile. */
interface Timed {
  ms: number;
  otherPct: number;
  /** CPU time of the Cloud process during the step (from /proc, 10 ms ticks). */
  cloudCpuMs: number;
  /** CPU time of the PostgreSQL backends serving the Cloud during the step (NaN on SQLite). */
  dbCpuMs: number;
}

/** What one Cloud (SQLite or PostgreSQL) measured. */
interface Measured {
  dialect: 'sqlite' | 'postgres';
  createMs: Timed[];
  reportBytes: number;
  verifyReportMs: Timed[];
  /** Round 1 is the first send (new hours), the others resends of the same hours. */
  sendMs: Timed[];
  cloudMs: number[];
  /** A second server's first Report (new hours) once the Cloud process has served the above. */
  warmNew: { send: Timed; cloudMs: number };
  verifySyncMs: Timed[];
  importMs: Timed[];
  syncBytes: number;
  /** Per server (the first, then the second): what it wrote, what the Cloud holds, what is left to report. */
  servers: {
    written: { checkouts: number; seatSeconds: number };
    atCloud: { checkouts: number; seatSeconds: number; hours: number };
    pendingAfter: number;
  }[];
}

export async function flexibleExchange(ctx: BenchContext): Promise<ScenarioReport> {
  const notes: string[] = [];
  const results: Measured[] = [];
  // BENCH_FLEXIBLE_DB=sqlite or =postgres runs one Cloud only (default both).
  const only = process.env.BENCH_FLEXIBLE_DB;
  if (only !== 'postgres') {
    results.push(await retrying('flexible-exchange on SQLite', () => measure(ctx, 'sqlite'), ctx.log, 2));
  }
  if (only !== 'sqlite') {
    const pgProblem = await postgresProblem();
    if (pgProblem) notes.push(`flexible-exchange on PostgreSQL skipped: ${pgProblem}`);
    else results.push(await retrying('flexible-exchange on PostgreSQL', () => measure(ctx, 'postgres'), ctx.log, 2));
  }
  if (results.length === 0) throw new Error(`BENCH_FLEXIBLE_DB=${only}: PostgreSQL is not there`);

  const rows: Row[] = [];
  const first = results[0]!;
  const all = (pick: (m: Measured) => Timed[]) => results.flatMap(pick);
  const med = (t: Timed[]) => median(t.map((x) => x.ms));
  const list = (t: Timed[]) => t.map((x) => Math.round(x.ms)).join(', ');
  const create = all((m) => m.createMs);
  const verifyR = all((m) => m.verifyReportMs);
  rows.push(
    row(
      `Report create, ${FEATURES} features × ${DAYS} days (${int(ROWS)} hours), FlexibleService.createReport, median of ${create.length}`,
      `${ms(med(create))} [${list(create)}]`,
      `< ${ms(GOAL_MS)}`,
      med(create) < GOAL_MS,
    ),
    row(
      'Report file size (random usage values: the worst case for deflate)',
      `${int(first.reportBytes)} B (${bytes(first.reportBytes)})`,
      `< ${int(GOAL_BYTES)} B`,
      first.reportBytes < GOAL_BYTES,
    ),
    row(
      `Report verify (core verifyReport: signature, unpack, every hour checked), median of ${verifyR.length}`,
      `${ms(med(verifyR))} [${list(verifyR)}]`,
      `< ${ms(GOAL_MS)}`,
      med(verifyR) < GOAL_MS,
    ),
  );
  for (const m of results) {
    const name = m.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const [s1, ...sRest] = m.sendMs as [Timed, ...Timed[]];
    const [c1, ...cRest] = m.cloudMs as [number, ...number[]];
    const w = m.warmNew;
    rows.push(
      row(
        `Send -> Sync, Cloud on ${name}: ${int(ROWS)} new hours, the Cloud process's first sync (cold: V8 has not optimised its code yet): end to end / Cloud's own`,
        `${ms(s1.ms)} / ${ms(c1)}`,
        `< ${ms(GOAL_MS)}`,
        s1.ms < GOAL_MS,
      ),
      row(
        `Send -> Sync, Cloud on ${name}: ${int(ROWS)} new hours (another server's first Report), warm Cloud process: end to end / Cloud's own`,
        `${ms(w.send.ms)} / ${ms(w.cloudMs)}`,
        `< ${ms(GOAL_MS)}`,
        w.send.ms < GOAL_MS,
      ),
      row(
        `Send -> Sync, Cloud on ${name}: a newer Report repeating the same ${int(ROWS)} hours (rows updated): end to end / Cloud's own, median of ${sRest.length}`,
        `${ms(med(sRest))} / ${ms(median(cRest))} [${list(sRest)} / ${cRest.map(Math.round).join(', ')}]`,
        `< ${ms(GOAL_MS)}`,
        med(sRest) < GOAL_MS,
      ),
    );
  }
  const verifyS = all((m) => m.verifySyncMs);
  const imp = all((m) => m.importMs);
  rows.push(
    row(
      `Sync verify (core verifySync, vendor keyring), median of ${verifyS.length}`,
      `${ms(med(verifyS))} [${list(verifyS)}]`,
      `< ${ms(GOAL_MS)}`,
      med(verifyS) < GOAL_MS,
    ),
    row(
      `Sync import (FlexibleService.applySync: ${FEATURES} flexible licenses, hours acknowledged), median of ${imp.length}`,
      `${ms(med(imp))} [${list(imp)}]`,
      `< ${ms(GOAL_MS)}`,
      med(imp) < GOAL_MS,
    ),
    row(`Sync file size (${FEATURES} flexible licenses)`, `${int(first.syncBytes)} B (${bytes(first.syncBytes)})`),
  );
  rows.push(totalsRow(results));
  notes.push(...measuredNotes(results));
  notes.push(
    'flexible-exchange: "others" is the CPU share (100% = one core) of processes other than the bench and the Cloud during the step (with the Cloud on PostgreSQL, PostgreSQL\'s own processes are among them)',
  );
  return { rows, notes };
}

/** The row that checks the Cloud's totals against what the servers wrote, each hour once. */
function totalsRow(results: Measured[]): Row {
  const bad = results.flatMap((m) =>
    m.servers
      .filter(
        (x) =>
          x.atCloud.checkouts !== x.written.checkouts ||
          x.atCloud.seatSeconds !== x.written.seatSeconds ||
          x.atCloud.hours !== ROWS ||
          x.pendingAfter !== 0,
      )
      .map((x) => `${m.dialect}: ${JSON.stringify(x)}`),
  );
  return row(
    `Afterwards (${ROUNDS} Reports of the same hours from one server, 1 from another): the Cloud's usage totals per server = what it wrote (each hour once); 0 hours left to report`,
    bad.length === 0 ? `yes (${results.map((m) => m.dialect).join(', ')})` : bad.join('; '),
    'yes',
    bad.length === 0,
  );
}

/** One note per Cloud dialect: every figure of its steps, and who else used the CPU meanwhile. */
function measuredNotes(results: Measured[]): string[] {
  const list = (t: Timed[]) => t.map((x) => Math.round(x.ms)).join(', ');
  const other = (t: Timed[]) => {
    const known = t.map((x) => x.otherPct).filter((x) => Number.isFinite(x));
    return known.length > 0 ? `others ≤ ${Math.round(Math.max(...known))}% of a core` : 'others: too short to tell';
  };
  const notes: string[] = [];
  for (const m of results) {
    notes.push(
      `flexible-exchange (${m.dialect}): create ${list(m.createMs)} ms (${other(m.createMs)}); report ${int(m.reportBytes)} B; ` +
        `verify report ${list(m.verifyReportMs)} ms; send end to end ${list(m.sendMs)} ms (${other(m.sendMs)}), ` +
        `Cloud's own ${m.cloudMs.map(Math.round).join(', ')} ms, Cloud process CPU meanwhile ${m.sendMs.map((x) => x.cloudCpuMs).join(', ')} ms; ` +
        `second server's first send ${Math.round(m.warmNew.send.ms)} ms end to end (${other([m.warmNew.send])}), Cloud's own ${Math.round(m.warmNew.cloudMs)} ms, Cloud CPU ${m.warmNew.send.cloudCpuMs} ms` +
        `${m.dialect === 'postgres' ? `; PostgreSQL backends' CPU during the sends ${m.sendMs.map((x) => x.dbCpuMs).join(', ')} ms and ${m.warmNew.send.dbCpuMs} ms (second server)` : ''}; verify sync ${list(m.verifySyncMs)} ms; ` +
        `import ${list(m.importMs)} ms (${other(m.importMs)}); sync ${int(m.syncBytes)} B`,
    );
  }
  return notes;
}

/** A dialect's measurements before any step has run. */
function emptyMeasured(dialect: 'sqlite' | 'postgres'): Measured {
  return {
    dialect,
    createMs: [],
    reportBytes: 0,
    verifyReportMs: [],
    sendMs: [],
    cloudMs: [],
    warmNew: {
      send: { ms: Number.NaN, otherPct: Number.NaN, cloudCpuMs: Number.NaN, dbCpuMs: Number.NaN },
      cloudMs: Number.NaN,
    },
    verifySyncMs: [],
    importMs: [],
    syncBytes: 0,
    servers: [],
  };
}

/** One server's usage as the Cloud has it: its API's day totals, and its hour rows counted in the database. */
async function cloudTotals(
  api: CloudApiClient,
  serverId: string,
  hours: () => Promise<number>,
): Promise<{ checkouts: number; seatSeconds: number; hours: number }> {
  const usage = await api.usage({ serverId, bucket: 'day', days: DAYS + 2 });
  const atCloud = { checkouts: 0, seatSeconds: 0, hours: 0 };
  for (const t of usage.totals) {
    atCloud.checkouts += t.checkouts;
    atCloud.seatSeconds += t.seatSeconds;
  }
  atCloud.hours = await hours();
  return atCloud;
}

async function measure(ctx: BenchContext, dialect: 'sqlite' | 'postgres'): Promise<Measured> {
  const dir = makeBenchDir(`flexible-${dialect}`);
  const db =
    dialect === 'sqlite'
      ? { url: `sqlite:${join(dir.root, 'cloud.db')}`, drop: async () => {} }
      : await freshPgSchema('bench_flex');
  let cloud: Child<CloudReady> | undefined;
  const cores: ServerCore[] = [];
  try {
    const keyFile = join(dir.root, 'vendor.key');
    writeFileSync(keyFile, privateKeyToPem(dir.vendorKey.privateKey), { mode: 0o600 });
    const profDir = process.env.BENCH_CLOUD_PROF;
    cloud = startChild<CloudReady>(
      join(BENCH_DIR, 'servers', 'cloud-node.mjs'),
      [
        JSON.stringify({
          dataDir: join(dir.root, 'cloud'),
          db: db.url,
          signingKeyFile: keyFile,
          timeRequests: ['POST /v1/sync'],
        }),
      ],
      profDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] } : {},
    );
    const ready = await cloud.ready;
    const timings: CloudTiming[] = [];
    cloud.proc.on('message', (m: CloudTiming) => {
      if (m?.type === 'timing') timings.push(m);
    });
    const token = readFileSync(join(dir.root, 'cloud', 'admin.token'), 'utf8').trim();
    const api = new CloudApiClient({ url: ready.url, token });
    const keyring = await Keyring.from([dir.vendorKey.publicKey]);
    const features = Array.from({ length: FEATURES }, (_, i) => `feature-${String(i).padStart(2, '0')}`);

    ctx.log(`flexible-exchange (${dialect}): Cloud set-up, enrollment of two servers`);
    const customer = await api.customerAdd('bench');
    for (const f of features) {
      await api.featureAdd(f);
      await api.entitlementAdd({ customerId: customer.id, type: 'flexible', feature: f, count: 20 });
    }
    const enrollServer = async (dataDir: string): Promise<ServerCore> => {
      const enrollment = await api.enroll(customer.id);
      const c = await openServerCore({ dataDir, vendorKeyFiles: [dir.vendorPub], logger: silentLogger });
      cores.push(c);
      c.flexible.configure('als', [], enrollment.code);
      const enrolled = await c.flexible.createReport(LOCAL_CLI_ACTOR);
      await c.flexible.applySync(LOCAL_CLI_ACTOR, await api.sync(enrolled.file), 'file');
      await api.allocate(
        c.identity.serverId,
        features.map((f) => `${f}=10`),
      );
      return c;
    };
    const a = await enrollServer(dir.dataDir);
    const b = await enrollServer(join(dir.root, 'data-b'));

    ctx.log(`flexible-exchange (${dialect}): writing ${int(ROWS)} usage hours into each server's database`);
    const writtenA = writeUsage(a, features, HOURS, 5);
    const writtenB = writeUsage(b, features, HOURS, 7);

    const m = emptyMeasured(dialect);
    const cloudPid = ready.pid;
    const makeReport = async (c: ServerCore): Promise<string> => {
      const made = await timed(cloudPid, () => c.flexible.createReport(LOCAL_CLI_ACTOR), ctx.log);
      if (made.value.hours !== ROWS) throw new Error(`the Report holds ${made.value.hours} hours, not ${ROWS}`);
      m.createMs.push(made.t);
      m.reportBytes = Buffer.byteLength(made.value.file);
      const publicKey = c.identity.publicKey;
      m.verifyReportMs.push((await timed(cloudPid, () => verifyReport(made.value.file, publicKey), ctx.log)).t);
      return made.value.file;
    };
    const exchange = async (c: ServerCore, report: string): Promise<{ send: Timed; cloudMs: number }> => {
      const before = timings.length;
      const sent = await timed(cloudPid, () => api.sync(report), ctx.log);
      const cloudMs = (await nextTiming(timings, before)).ms;
      const syncText = sent.value;
      m.syncBytes = Buffer.byteLength(syncText);
      m.verifySyncMs.push((await timed(cloudPid, () => verifySync(syncText, keyring), ctx.log)).t);
      m.importMs.push(
        (await timed(cloudPid, () => c.flexible.applySync(LOCAL_CLI_ACTOR, syncText, 'file'), ctx.log)).t,
      );
      return { send: sent.t, cloudMs };
    };

    const reports: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ctx.log(`flexible-exchange (${dialect}): report ${i + 1} of ${ROUNDS}`);
      reports.push(await makeReport(a));
    }
    for (const [i, report] of reports.entries()) {
      ctx.log(`flexible-exchange (${dialect}): send ${i + 1} of ${ROUNDS}`);
      const r = await exchange(a, report);
      m.sendMs.push(r.send);
      m.cloudMs.push(r.cloudMs);
    }
    ctx.log(`flexible-exchange (${dialect}): the second server's report`);
    m.warmNew = await exchange(b, await makeReport(b));

    for (const [c, written] of [
      [a, writtenA],
      [b, writtenB],
    ] as const) {
      const atCloud = await cloudTotals(api, c.identity.serverId, () =>
        cloudHours(dialect, db.url, join(dir.root, 'cloud.db'), c.identity.serverId),
      );
      m.servers.push({ written, atCloud, pendingAfter: c.flexible.status().pendingHours });
    }
    return m;
  } finally {
    for (const c of cores) c.close();
    await cloud?.stop();
    await db.drop();
    dir.remove();
  }
}

/** Rows in the Cloud's usage_hours of one server. */
async function cloudHours(
  dialect: 'sqlite' | 'postgres',
  url: string,
  sqlitePath: string,
  serverId: string,
): Promise<number> {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(sqlitePath, { readonly: true, fileMustExist: true });
    try {
      const n = raw.prepare('select count(*) as n from usage_hours where server_id = ?').get(serverId) as { n: number };
      return Number(n.n);
    } finally {
      raw.close();
    }
  }
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString(), options: `-c search_path=${schema}` });
  await c.connect();
  try {
    return Number((await c.query('select count(*) as n from usage_hours where server_id = $1', [serverId])).rows[0].n);
  } finally {
    await c.end();
  }
}

/** Runs `fn` once the box is quiet (at most 5 s of waiting), timing it and the others' CPU meanwhile. */
async function timed<T>(
  cloudPid: number,
  fn: () => Promise<T>,
  log: (m: string) => void,
): Promise<{ value: T; t: Timed }> {
  await waitForQuiet(log, 5_000, 25);
  const backends = backendsOf(cloudPid);
  const a = snapshot([process.pid, cloudPid]);
  const db0 = cpuMsOf(backends);
  const t0 = performance.now();
  const value = await fn();
  const elapsed = performance.now() - t0;
  const b = snapshot([process.pid, cloudPid]);
  // Backends the Cloud's pool connected during the step count in full.
  const after = backendsOf(cloudPid);
  const dbCpuMs = after.length > 0 ? cpuMsOf([...new Set([...backends, ...after])]) - db0 : Number.NaN;
  const cloudTicks = (b?.procs.get(cloudPid) ?? Number.NaN) - (a?.procs.get(cloudPid) ?? Number.NaN);
  return {
    value,
    t: { ms: elapsed, otherPct: otherShare(a, b, [process.pid, cloudPid]), cloudCpuMs: cloudTicks * TICK_MS, dbCpuMs },
  };
}

function otherShare(a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>, mine: number[]): number {
  if (!a || !b || b.total <= a.total) return Number.NaN;
  const cores = cpus().length;
  const busy = b.total - a.total - (b.idle - a.idle);
  const own = mine.reduce((s, p) => s + Math.max(0, (b.procs.get(p) ?? 0) - (a.procs.get(p) ?? 0)), 0);
  return Math.max(0, (100 * cores * (busy - own)) / (b.total - a.total));
}

/** The Cloud's timing message for the request sent after `before` messages had arrived. */
async function nextTiming(timings: CloudTiming[], before: number): Promise<CloudTiming> {
  const deadline = performance.now() + 5_000;
  while (timings.length <= before) {
    if (performance.now() > deadline) throw new Error('the Cloud reported no timing for POST /v1/sync');
    await new Promise((r) => setTimeout(r, 5));
  }
  const t = timings[before]!;
  if (t.status !== 200) throw new Error(`POST /v1/sync answered ${t.status}`);
  return t;
}
