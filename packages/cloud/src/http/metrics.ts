import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SeatService } from '../domain/seat-service.js';

/** The node's Prometheus metrics, in a registry of its own (several nodes may share a process in tests). */
export class CloudMetrics {
  readonly registry = new Registry();
  readonly checkouts: Counter<'result'>;
  readonly heartbeats: Counter<'result'>;
  readonly releases: Counter<'result'>;
  readonly requestSeconds: Histogram<'route'>;

  constructor(seats: SeatService) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_cloud_' });
    this.checkouts = new Counter({
      name: 'tessera_cloud_checkouts_total',
      help: 'Subscription checkouts by result (granted or the denial code)',
      labelNames: ['result'],
      registers,
    });
    this.heartbeats = new Counter({
      name: 'tessera_cloud_heartbeats_total',
      help: 'Heartbeats by result (ok, gone, unavailable)',
      labelNames: ['result'],
      registers,
    });
    this.releases = new Counter({
      name: 'tessera_cloud_releases_total',
      help: 'Releases by result',
      labelNames: ['result'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'tessera_cloud_client_request_seconds',
      help: 'Client protocol request time',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    });
    new Gauge({
      name: 'tessera_cloud_database_up',
      help: '1 while this node reaches its database',
      registers,
      collect() {
        this.set(seats.databaseUp ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tessera_cloud_seat_batches_total',
      help: 'Checkout/release batches committed',
      registers,
      collect() {
        this.set(seats.stats.batches);
      },
    });
    new Gauge({
      name: 'tessera_cloud_seat_batch_operations_total',
      help: 'Checkouts and releases in committed batches',
      registers,
      collect() {
        this.set(seats.stats.batchOps);
      },
    });
    new Gauge({
      name: 'tessera_cloud_heartbeat_batches_total',
      help: 'Heartbeat batches written',
      registers,
      collect() {
        this.set(seats.stats.heartbeatBatches);
      },
    });
    new Gauge({
      name: 'tessera_cloud_leases_in_memory',
      help: 'Leases this node can answer heartbeats for without the database',
      registers,
      collect() {
        this.set(seats.leasesInMemory);
      },
    });
  }
}
