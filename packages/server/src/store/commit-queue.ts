import type { Db } from './db.js';
import { storageFailure } from './storage-errors.js';

interface PendingOp {
  /** Ops of one atomic group (see `atomically`) share a number and are never split. */
  group: number;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Writes that ride along in every transaction: `collect` runs inside it, after the batch's
 * operations, and returns whether it wrote anything; `rolledBack` is told when that
 * transaction failed, so what was collected can be written again.
 */
export interface CommitRider {
  collect(): boolean;
  rolledBack(): void;
}

export interface CommitQueueOptions {
  /** Most operations in one transaction (`SERVER_POLICY.commitMaxBatch` says why the server takes 512). */
  maxBatch: number;
  /** Called after each commit, for metrics. */
  onCommit?: (ops: number, ms: number) => void;
  /**
   * Called at the first failed transaction after a success (once per outage, however many
   * fail), and at the first success after that: a full disk is logged once, not per write.
   */
  onOutage?: (err: unknown) => void;
  onRecovery?: () => void;
}

/**
 * Group commit (docs/architecture.md). Every state change of the server is an operation run inside a
 * SQLite transaction; operations that arrive during one turn of the event loop share one
 * transaction, so one fsync (`synchronous=FULL`) covers them all. An operation's promise
 * settles only after its transaction commits: a caller that answers after `await` answers
 * with the change on disk. A failed transaction rejects every operation in it and changes
 * nothing; each caller undoes its own in-memory reservation. The queue goes on with the next
 * batch: once the disk has room again, writes succeed without a restart.
 *
 * Operations run in the order they were enqueued, which is what lets an uninstall that runs
 * after a checkout see (and revoke) that checkout's lease.
 */
export class CommitQueue {
  private queue: PendingOp[] = [];
  private scheduled = false;
  private closed = false;
  /** The group of ops being enqueued inside `atomically`, or 0. */
  private openGroup = 0;
  private groups = 0;
  private readonly riders: CommitRider[] = [];
  private readonly observers: (() => void)[] = [];
  /** Holds in force (see `hold`): while there is one, nothing commits. */
  private holds = 0;
  private failing = false;

  constructor(
    private readonly db: Db,
    private opts: CommitQueueOptions,
  ) {}

  /** Observes each commit (ops, ms), for metrics. */
  setOnCommit(fn: (ops: number, ms: number) => void): void {
    this.opts.onCommit = fn;
  }

  /** Observes the start and the end of a run of failed transactions (a full disk, say). */
  setOnOutage(onOutage: (err: unknown) => void, onRecovery: () => void): void {
    this.opts.onOutage = onOutage;
    this.opts.onRecovery = onRecovery;
  }

  /** Adds writes to every transaction from now on (the usage meter's running hour). */
  addRider(rider: CommitRider): void {
    this.riders.push(rider);
  }

  /** Calls `fn` after every commit (the WAL checkpointer counts on it). */
  observeCommits(fn: () => void): void {
    this.observers.push(fn);
  }

  /**
   * Holds commits back until the returned function is called (calling it again does nothing):
   * operations keep queueing, unanswered, and commit together afterwards. The WAL checkpointer
   * uses it for the moment its last checkpoint before a WAL restart needs no write between.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0 && this.queue.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    };
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('commit queue is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ group: this.openGroup, run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /**
   * Runs `fn`, and every operation it enqueues commits in one transaction, however many there
   * are: the batch cap never splits them (a change such as applying a Sync, with a write per
   * license, is all or nothing). Operations enqueued before or after may share the
   * transaction, as always. `fn` must enqueue synchronously.
   */
  atomically<T>(fn: () => T): T {
    if (this.openGroup !== 0) return fn();
    this.openGroup = ++this.groups;
    try {
      return fn();
    } finally {
      this.openGroup = 0;
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.holds > 0) return;
    const end = this.batchEnd();
    const batch = end === this.queue.length ? this.queue : this.queue.slice(0, end);
    this.queue = batch === this.queue ? [] : this.queue.slice(end);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    this.commit(batch);
  };

  /** How many queued ops the next transaction takes: up to the cap, and never part of a group. */
  private batchEnd(): number {
    const q = this.queue;
    let end = Math.min(q.length, this.opts.maxBatch);
    const last = q[end - 1];
    if (last && last.group !== 0) while (end < q.length && q[end]!.group === last.group) end++;
    return end;
  }

  private commit(batch: PendingOp[]): void {
    const started = performance.now();
    const results: unknown[] = new Array(batch.length);
    const rode: CommitRider[] = [];
    try {
      this.db.transaction(() => {
        for (let i = 0; i < batch.length; i++) results[i] = batch[i]!.run();
        for (const rider of this.riders) if (rider.collect()) rode.push(rider);
      })();
    } catch (err) {
      for (const rider of rode) rider.rolledBack();
      // A full disk is told as such (STORAGE_FULL), to the admin API and the CLI alike.
      const failure = storageFailure(err) ?? err;
      if (!this.failing) {
        this.failing = true;
        this.opts.onOutage?.(failure);
      }
      for (const op of batch) op.reject(failure);
      return;
    }
    if (this.failing) {
      this.failing = false;
      this.opts.onRecovery?.();
    }
    this.opts.onCommit?.(batch.length, performance.now() - started);
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]);
    for (const fn of this.observers) fn();
  }

  /** Commits what is queued now, synchronously, held or not; later enqueues are refused. */
  drainAndClose(): void {
    this.closed = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchEnd());
      this.commit(batch);
    }
  }
}
