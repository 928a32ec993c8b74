import { Agent, request } from 'node:http';

/** Rows apart between two releases in a row: more than a table page holds, so each release dirties a page of its own. */
const STRIDE = 20;
const TICK_MS = 10;

/**
 * Releases held leases (`DELETE /v1/leases/{id}`, expect 204) at a steady rate, in an order
 * that spreads them over the whole leases table: ids sorted, then every STRIDE-th, then the
 * next offset. What SQLite writes for them is then many different pages, as when the leases
 * of a large server end here and there, not the few hot pages of a short checkout+release.
 */
export class SpreadReleases {
  private readonly order: string[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private readonly inFlight = new Set<Promise<void>>();
  done = 0;
  errors = 0;
  errorSample: string | undefined;

  constructor(
    private readonly clientUrl: string,
    ids: readonly string[],
  ) {
    const sorted = [...ids].sort();
    this.order = [];
    for (let offset = 0; offset < STRIDE; offset++) {
      for (let i = offset; i < sorted.length; i += STRIDE) this.order.push(sorted[i]!);
    }
  }

  get left(): number {
    return this.order.length - this.next;
  }

  /** Starts (or goes on) releasing `perSecond` leases a second, until `pause` or the ids run out. */
  start(perSecond: number): void {
    this.pause();
    const t0 = performance.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) * perSecond) / 1000);
      while (sent < due && this.next < this.order.length) {
        sent++;
        this.send(this.order[this.next++]!);
      }
    }, TICK_MS);
  }

  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.all(this.inFlight);
    this.agent.destroy();
  }

  private send(leaseId: string): void {
    const u = new URL(this.clientUrl);
    const p = new Promise<void>((resolve) => {
      const fail = (what: string) => {
        this.errors++;
        this.errorSample ??= what;
        resolve();
      };
      const req = request(
        {
          agent: this.agent,
          host: u.hostname,
          port: Number(u.port),
          method: 'DELETE',
          path: `/v1/leases/${encodeURIComponent(leaseId)}`,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 204) {
              this.done++;
              resolve();
            } else fail(`release ${leaseId}: ${res.statusCode}`);
          });
          res.on('error', (err) => fail(String(err)));
        },
      );
      req.on('error', (err) => fail(String(err)));
      req.end();
    });
    this.inFlight.add(p);
    void p.then(() => this.inFlight.delete(p));
  }
}
