import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LeaseEngine } from '../domain/leases/lease-engine.js';
import type { WalCheckpointer } from '../store/wal-checkpointer.js';

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process in tests). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly checkouts: Counter<'result'>;
  readonly releases: Counter;
  readonly heartbeats: Counter<'result'>;
  readonly commitOps: Histogram;
  readonly commitSeconds: Histogram;

  constructor(engine: LeaseEngine) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
    this.checkouts = new Counter({
      name: 'tessera_checkouts_total',
      help: 'Checkout requests by result (granted or the denial code)',
      labelNames: ['result'],
      registers,
    });
    this.releases = new Counter({ name: 'tessera_releases_total', help: 'Lease releases', registers });
    this.heartbeats = new Counter({
      name: 'tessera_heartbeats_total',
      help: 'Heartbeats by result',
      labelNames: ['result'],
      registers,
    });
    this.commitOps = new Histogram({
      name: 'tessera_commit_batch_operations',
      help: 'Operations per group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'tessera_commit_seconds',
      help: 'Time to run and fsync one group commit',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    });
    new Gauge({
      name: 'tessera_leases_held',
      help: 'Leases held now',
      registers,
      collect() {
        this.set(engine.leaseCount);
      },
    });
    new Gauge({
      name: 'tessera_seats_in_use',
      help: 'Seats held by leases now',
      registers,
      collect() {
        this.set(engine.seatsInUse);
      },
    });
    new Gauge({
      name: 'tessera_clock_tampered',
      help: '1 while the clock is behind time already seen',
      registers,
      collect() {
        this.set(engine.clockTampered ? 1 : 0);
      },
    });
  }

  /** WAL checkpoints (store/wal-checkpointer.ts): how many, how long, the WAL's length, commits held. */
  observeCheckpoints(checkpointer: WalCheckpointer): void {
    const registers = [this.registry];
    const checkpoints = new Counter({
      name: 'tessera_wal_checkpoints_total',
      help: 'WAL checkpoints run by the checkpoint worker (off the event loop)',
      registers,
    });
    const seconds = new Histogram({
      name: 'tessera_wal_checkpoint_seconds',
      help: 'Time of one WAL checkpoint in the worker (copy and fsync)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    });
    const frames = new Gauge({
      name: 'tessera_wal_frames',
      help: 'Frames in the WAL at the last checkpoint',
      registers,
    });
    const holds = new Histogram({
      name: 'tessera_wal_restart_hold_seconds',
      help: 'Time commits were held for the last checkpoint before a WAL restart',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
      registers,
    });
    const failures = new Counter({
      name: 'tessera_wal_checkpoint_worker_failures_total',
      help: 'The checkpoint worker failed and SQLite checkpoints in the commits again',
      registers,
    });
    checkpointer.observe({
      onCheckpoint: (r) => {
        checkpoints.inc();
        seconds.observe(r.ms / 1000);
        frames.set(r.log);
      },
      onHold: (ms) => holds.observe(ms / 1000),
      onFailure: () => failures.inc(),
    });
  }
}
