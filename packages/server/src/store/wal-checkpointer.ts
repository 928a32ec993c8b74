import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';

/**
 * When and how the WAL is copied into the database file. A checkpoint copies the pages the
 * WAL holds into the database file and fsyncs it; SQLite's automatic checkpoint does that
 * inside the commit that crosses its threshold, on the event loop, so every request waits for
 * it. Here a worker thread with a connection of its own does it instead.
 */
export const CHECKPOINT_POLICY = {
  /** No checkpoint in the first moments after opening: a start-up or a short CLI command writes little. */
  firstAfterMs: 1_000,
  /** Least time between two checkpoints while writes go on (each is two fsyncs, off the event loop). */
  intervalMs: 100,
  /**
   * A WAL this many frames long (about 4 KiB each) is started again from its beginning: the next
   * write can do so only once every frame is in the database file, so commits are held back for
   * the one small checkpoint that copies the last few.
   */
  restartFrames: 2_000,
  /** Commits are held for that checkpoint at most this long; then they go on and the restart waits. */
  holdMaxMs: 50,
  /**
   * Before that held checkpoint, a checkpoint longer than this is followed by another with
   * commits going on: the held one then copies only what was committed during a short one.
   * After a reader kept the WAL from being copied for a while, the first checkpoint copies
   * thousands of pages, and a held checkpoint right after it had what was committed during that
   * long copy to copy and fsync while the commits waited.
   */
  catchUpOverMs: 10,
  /** At most this many such checkpoints in a row; then the restart holds commits anyway (a slow disk). */
  catchUpMax: 3,
  /** How long closing waits for the worker to close its connection. */
  closeWaitMs: 2_000,
  /** SQLite's own automatic checkpoint (its default), put back if the worker fails. */
  fallbackAutocheckpointFrames: 1_000,
} as const;

/** Commits before the crash knob `wal-checkpoint` fires (a start makes a few). */
export const CRASH_AFTER_COMMITS = 200;

export type CheckpointPolicy = { [K in keyof typeof CHECKPOINT_POLICY]: number };

/** One checkpoint, as `PRAGMA wal_checkpoint(PASSIVE)` reports it, and how long it took. */
export interface CheckpointResult {
  /** 1 when another connection was checkpointing (nothing done). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames of it now in the database file. */
  checkpointed: number;
  ms: number;
  /** Commits were held back for it (the WAL restarts at the next write). */
  held: boolean;
}

/** What a checkpointer tells its observer (metrics, logs). */
export interface CheckpointObserver {
  onCheckpoint?: (r: CheckpointResult) => void;
  /** Commits were held this long for a WAL restart. */
  onHold?: (ms: number) => void;
  /** The worker failed: SQLite's automatic checkpoint is back in force. */
  onFailure?: (err: Error) => void;
}

export interface WalCheckpointerOptions {
  db: Db;
  /** Holds commits back until the returned function is called (CommitQueue.hold). */
  hold: () => () => void;
  /**
   * Test knob `wal-checkpoint`: SIGKILL this process as the worker starts a checkpoint, the
   * first one after {@link CRASH_AFTER_COMMITS} commits (so it has a real WAL to copy, however
   * long the start took).
   */
  crashPoint?: string | undefined;
  policy?: Partial<CheckpointPolicy>;
}

/**
 * Runs the database's WAL checkpoints in a worker thread with its own connection
 * (`wal_checkpoint(PASSIVE)`: it never blocks a writer), so the event loop never copies pages
 * or waits for the database file's fsync. Durability is unchanged: a commit is on disk once
 * its WAL frames are fsynced (`synchronous=FULL`), before and after this; a checkpoint only
 * copies committed pages, fsyncs, and then lets SQLite reuse the WAL, and a crash at any point
 * of it is recovered from the WAL at the next open.
 *
 * The worker starts at the first checkpoint; SQLite's automatic checkpoint is turned off only
 * once the worker's connection is open. After each commit, a checkpoint is asked for when
 * none is running and the last is `intervalMs` old (a timer catches the last writes of a
 * burst). A WAL longer than `restartFrames` whose frames are all copied but those of the
 * commits made meanwhile gets one more checkpoint with commits held (after up to `catchUpMax`
 * more without, while each takes over `catchUpOverMs`), so the next write starts the WAL again from its beginning (without that, a server that always writes would never let
 * it restart, and it would only grow).
 */
export class WalCheckpointer {
  private readonly policy: CheckpointPolicy;
  private worker: Worker | undefined;
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(4));
  private running = false;
  private lastAt: number;
  private timer: NodeJS.Timeout | undefined;
  private release: (() => void) | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private heldSince = 0;
  private failed = false;
  private closed = false;
  /** The worker has its connection open (and SQLite's automatic checkpoint is off). */
  private ready = false;
  private observers: CheckpointObserver[] = [];
  private commits = 0;
  /** Checkpoints run in a row, commits going on, before a restart (see `catchUpOverMs`). */
  private catchUps = 0;

  constructor(private readonly o: WalCheckpointerOptions) {
    this.policy = { ...CHECKPOINT_POLICY, ...o.policy };
    // First checkpoint no sooner than firstAfterMs from now. Until the worker has its connection
    // open, SQLite's own automatic checkpoint stays in force (a short CLI command never starts one).
    this.lastAt = performance.now() + this.policy.firstAfterMs - this.policy.intervalMs;
  }

  observe(observer: CheckpointObserver): void {
    this.observers.push(observer);
  }

  /** Called after every commit. */
  committed(): void {
    this.commits++;
    if (this.running || this.failed || this.closed) return;
    const wait = this.lastAt + this.policy.intervalMs - performance.now();
    if (wait <= 0) {
      this.request(false);
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.running && !this.failed && !this.closed) this.request(false);
      }, wait);
      this.timer.unref();
    }
  }

  /** Stops the worker after its checkpoint in progress, if any; the connection is closed on return. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.endHold();
    const w = this.worker;
    if (!w) return;
    // A worker still starting has no connection to close: it is stopped, not waited for.
    if (this.ready) {
      w.postMessage({ type: 'close' });
      Atomics.wait(this.closedFlag, 0, 0, this.policy.closeWaitMs);
    }
    void w.terminate();
  }

  private request(held: boolean): void {
    this.running = true;
    const worker = this.worker ?? this.startWorker();
    const announce = this.o.crashPoint === 'wal-checkpoint' && this.commits >= CRASH_AFTER_COMMITS;
    worker.postMessage({ type: 'checkpoint', held, announce });
  }

  private startWorker(): Worker {
    const path = this.o.db.name;
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
        path,
        closedFlag: this.closedFlag,
      },
    });
    w.unref();
    w.on('message', (m: WorkerMessage) => this.onMessage(m));
    w.on('error', (err) => this.fail(err));
    w.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the WAL checkpoint worker exited (${code})`));
    });
    this.worker = w;
    return w;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'ready') {
      if (this.closed || this.failed) return;
      this.ready = true;
      this.o.db.pragma('wal_autocheckpoint = 0');
      return;
    }
    if (m.type === 'started') {
      if (this.o.crashPoint === 'wal-checkpoint') process.kill(process.pid, 'SIGKILL');
      return;
    }
    if (m.type === 'failed') {
      this.fail(new Error(m.message));
      return;
    }
    this.running = false;
    this.lastAt = performance.now();
    this.endHold();
    if (this.closed) return;
    const result = { busy: m.busy, log: m.log, checkpointed: m.checkpointed, ms: m.ms, held: m.held };
    for (const ob of this.observers) ob.onCheckpoint?.(result);
    // Every frame there was when it began is copied, but the WAL is long: copy the few the
    // commits added meanwhile with commits held, so the next write restarts it. If this
    // checkpoint was long, those are many: copy them first with commits going on.
    if (!m.held && m.busy === 0 && m.log >= this.policy.restartFrames && m.checkpointed === m.log) {
      if (m.ms > this.policy.catchUpOverMs && this.catchUps < this.policy.catchUpMax) {
        this.catchUps++;
        this.request(false);
        return;
      }
      this.catchUps = 0;
      this.startHold();
      this.request(true);
      return;
    }
    this.catchUps = 0;
  }

  private startHold(): void {
    this.release = this.o.hold();
    this.heldSince = performance.now();
    this.holdTimer = setTimeout(() => this.endHold(), this.policy.holdMaxMs);
  }

  private endHold(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const release = this.release;
    if (!release) return;
    this.release = undefined;
    release();
    const ms = performance.now() - this.heldSince;
    for (const ob of this.observers) ob.onHold?.(ms);
  }

  /** The worker is gone: SQLite checkpoints on its own again, in the commits, as it does by default. */
  private fail(err: Error): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    this.running = false;
    this.endHold();
    clearTimeout(this.timer);
    try {
      this.o.db.pragma(`wal_autocheckpoint = ${this.policy.fallbackAutocheckpointFrames}`);
    } catch {
      // The connection is closed: nothing to checkpoint any more.
    }
    void this.worker?.terminate();
    for (const ob of this.observers) ob.onFailure?.(err);
  }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'failed'; message: string }
  | { type: 'done'; busy: number; log: number; checkpointed: number; ms: number; held: boolean };

/**
 * The worker, as source (so it needs no file of its own next to the bundled server). It opens
 * the database with `synchronous=FULL` (a checkpoint fsyncs the WAL before it copies and the
 * database file after), checkpoints when asked, and on `close` closes its connection and says
 * so through the shared flag the main thread waits on.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = FULL');
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'failed', message: String(err && err.message) });
}
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    try { if (db) db.close(); } finally {
      Atomics.store(workerData.closedFlag, 0, 1);
      Atomics.notify(workerData.closedFlag, 0);
      parentPort.close();
    }
    return;
  }
  if (!db) return;
  try {
    if (m.announce) parentPort.postMessage({ type: 'started' });
    const t = performance.now();
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ type: 'done', busy: r.busy, log: r.log, checkpointed: r.checkpointed, ms: performance.now() - t, held: m.held });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err && err.message) });
  }
});
`;
