import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CommitQueue } from './commit-queue.js';
import { type Db, openDatabase } from './db.js';
import { type CheckpointResult, WalCheckpointer } from './wal-checkpointer.js';

/** A table whose rows each fill most of a page, so every insert adds a WAL frame or more. */
const SCHEMA = 'CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)';
const BODY = 'x'.repeat(3000);

function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() - t0 > timeoutMs) reject(new Error(`timed out waiting until ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('WAL checkpointer', () => {
  let dir: string;
  let path: string;
  let db: Db;
  let queue: CommitQueue;
  let checkpointer: WalCheckpointer | undefined;
  let results: CheckpointResult[];
  let holds: number[];
  let failures: Error[];
  let next = 0;

  const start = (policy: ConstructorParameters<typeof WalCheckpointer>[0]['policy'] = {}) => {
    const c = new WalCheckpointer({
      db,
      hold: () => queue.hold(),
      policy: { firstAfterMs: 0, intervalMs: 5, ...policy },
    });
    c.observe({
      onCheckpoint: (r) => results.push(r),
      onHold: (ms) => holds.push(ms),
      onFailure: (err) => failures.push(err),
    });
    queue.observeCommits(() => c.committed());
    checkpointer = c;
    return c;
  };
  const insert = () => {
    const id = ++next;
    return queue.enqueue(() => db.prepare('INSERT INTO filler (id, body) VALUES (?, ?)').run(id, BODY));
  };
  /** `n` commits of one row each, one after the other (each its own transaction). */
  const commits = async (n: number) => {
    for (let i = 0; i < n; i++) await insert();
  };
  /**
   * Commits in rounds of 50 until `done` (at most `max`), returning how many: when the worker thread runs is up to
   * the OS, so on a busy box a restart comes after more commits than on a quiet one.
   */
  const commitsUntil = async (done: () => boolean, max = 3_000) => {
    let made = 0;
    do {
      await commits(50);
      made += 50;
    } while (!done() && made < max);
    return made;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-wal-'));
    path = join(dir, 'tessera.db');
    db = openDatabase(path);
    db.exec(SCHEMA);
    queue = new CommitQueue(db, { maxBatch: 512 });
    results = [];
    holds = [];
    failures = [];
    checkpointer = undefined;
  });
  afterEach(() => {
    checkpointer?.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SQLite no longer checkpoints inside commits; the worker copies every committed frame into the database file', async () => {
    start();
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, "SQLite's own until the worker is there");
    await commits(40);
    await until('a checkpoint has copied all 40 commits', () =>
      results.some((r) => r.busy === 0 && r.log >= 40 && r.checkpointed === r.log),
    );
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'off once the worker has its connection');
    // Another connection sees the rows in the database file itself: its checkpoint finds nothing left to copy.
    const other = new Database(path, { readonly: true });
    try {
      assert.equal(other.prepare('SELECT count(*) FROM filler').pluck().get(), 40);
    } finally {
      other.close();
    }
    assert.deepEqual(failures, []);
  });

  test('a WAL longer than restartFrames starts again from its beginning, with commits held only for the last small checkpoint', async () => {
    start({ restartFrames: 30 });
    // Commits one after another with no pause: a checkpoint never finds a moment without a
    // write after it, so without the held checkpoint the WAL would never restart and only grow.
    // How often the worker gets the CPU decides how long the WAL gets between restarts: commits go on until
    // it has restarted twice.
    const restartsSoFar = () => results.filter((r, i) => i > 0 && r.log < results[i - 1]!.log).length;
    const made = await commitsUntil(() => restartsSoFar() >= 2);
    const frames = results.map((r) => r.log);
    const longest = Math.max(...frames);
    const restarts = restartsSoFar();
    assert.ok(
      restarts >= 2,
      `the WAL started again, more than once (${made} commits; longest ${longest} frames; seen: ${frames.join(', ')})`,
    );
    // How short it stays depends on when the OS runs the worker, so that is the bench's to measure
    // (`npm run bench -- checkpoints`); here: it does start again, and the held checkpoints are what do it.
    assert.ok(
      holds.length >= 2 && results.some((r) => r.held),
      'the checkpoints before restarts ran with commits held',
    );
    assert.deepEqual(failures, []);
  });

  test('before a restart holds commits, long checkpoints are followed by catch-up ones with commits going on', async () => {
    // Every checkpoint counts as long here (over -1 ms): each restart comes after catchUpMax of them.
    start({ restartFrames: 30, catchUpOverMs: -1, catchUpMax: 2 });
    await commitsUntil(() => results.filter((r) => r.held).length >= 2);
    const held = results.flatMap((r, i) => (r.held ? [i] : []));
    assert.ok(held.length >= 2, `held checkpoints: ${held.length} of ${results.length}`);
    for (const i of held) {
      const before = results.slice(Math.max(0, i - 3), i);
      assert.ok(
        before.length === 3 && before.every((r) => !r.held && r.busy === 0 && r.log >= 30 && r.checkpointed === r.log),
        `checkpoint ${i} (held) comes after one full copy of a long WAL and 2 catch-ups: ${JSON.stringify(before)}`,
      );
    }
    assert.deepEqual(failures, []);
  });

  test('closing closes the worker connection first, so closing the database checkpoints and removes the WAL file', async () => {
    start();
    await commits(20);
    await until('a checkpoint ran', () => results.length > 0);
    await commits(5);
    assert.ok(existsSync(`${path}-wal`));
    checkpointer?.close();
    queue.drainAndClose();
    db.close();
    assert.equal(existsSync(`${path}-wal`), false, 'the last connection to close removed the WAL');
  });

  test('a worker that cannot open the database leaves SQLite’s own automatic checkpoint in force', async () => {
    start();
    // The worker opens the file only when first asked to checkpoint: by then it has moved.
    renameSync(path, join(dir, 'moved.db'));
    await commits(3);
    await until('the failure was reported', () => failures.length > 0);
    assert.match(failures[0]!.message, /directory does not exist|unable to open|no such file/i);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    // Commits go on as before.
    await commits(3);
  });

  test('the WAL file keeps the size it reached (below the limit) when it starts again', async () => {
    start({ restartFrames: 30 });
    const first = await commitsUntil(() => holds.length >= 1);
    assert.ok(holds.length >= 1, `it restarted (${first} commits)`);
    const size = statSync(`${path}-wal`).size;
    const second = await commitsUntil(() => holds.length >= 2);
    assert.ok(holds.length >= 2, `it restarted again (${second} more commits)`);
    assert.ok(statSync(`${path}-wal`).size >= size, 'not cut back: later commits write into blocks it has');
  });
});

describe('commit queue hold', () => {
  test('operations queued while commits are held commit together after the release, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hold-'));
    const db = openDatabase(join(dir, 'db'));
    try {
      db.exec('CREATE TABLE t (i INTEGER)');
      const queue = new CommitQueue(db, { maxBatch: 512 });
      const batches: number[] = [];
      queue.setOnCommit((ops) => batches.push(ops));
      const release = queue.hold();
      const done: number[] = [];
      const ops = [1, 2, 3].map((i) =>
        queue.enqueue(() => db.prepare('INSERT INTO t VALUES (?)').run(i)).then(() => done.push(i)),
      );
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(done, [], 'nothing commits while held');
      assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 0);
      release();
      release(); // a second call does nothing
      await Promise.all(ops);
      assert.deepEqual(done, [1, 2, 3]);
      assert.deepEqual(batches, [3], 'one transaction for the three');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('closing commits what is queued even while held', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-hold-'));
    const db = openDatabase(join(dir, 'db'));
    try {
      db.exec('CREATE TABLE t (i INTEGER)');
      const queue = new CommitQueue(db, { maxBatch: 512 });
      queue.hold();
      void queue.enqueue(() => db.prepare('INSERT INTO t VALUES (1)').run());
      queue.drainAndClose();
      assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 1);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
