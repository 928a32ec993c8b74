/**
 * The soak's clients besides the load generator, all in the bench process on node:http:
 *  - holders keep one lease each for the whole run and heartbeat it (across restarts: a lease
 *    acknowledged before a kill -9 must still answer 200 after it);
 *  - lapsers check out now and then and never heartbeat, so their leases lapse;
 *  - contenders share a small pool (more clients than seats): checkout, hold a moment, release;
 *    409 NO_SEATS is a denial, not an error;
 *  - slow clients send their checkout body in two parts a second apart.
 * Everything stops for a restart (`pause`) and goes on against the new URL (`resume`).
 */
import { Agent, request } from 'node:http';

export interface SoakClientOptions {
  /** The big pool (the load generator's feature) and the small contended one. */
  feature: string;
  contendedFeature: string;
  holders: number;
  heartbeatMs: number;
  /** Lapsers: this many checkouts every `lapseEveryMs`. */
  lapsers: number;
  lapseEveryMs: number;
  contenders: number;
  /** Slow clients: one checkout with a slow body every `slowEveryMs`. */
  slowEveryMs: number;
  slowGapMs: number;
}

interface Reply {
  status: number;
  body: string;
}

export class SoakClients {
  private url!: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** Lapsers, contenders and slow clients run while this is set; holders while `holding` is. */
  private running = false;
  private holding = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly held = new Map<number, string>();
  private holderLoops: Promise<void>[] = [];
  private contenderLoops: Promise<void>[] = [];
  /** Counters over the whole run. */
  readonly counts = {
    heartbeats: 0,
    holderCheckouts: 0,
    lapsers: 0,
    contendedGrants: 0,
    contendedDenials: 0,
    slowCheckouts: 0,
    errors: 0,
  };
  readonly errorSamples: string[] = [];

  constructor(private readonly o: SoakClientOptions) {}

  /** Starts (first time) or goes on after a restart against `clientUrl`. */
  resume(clientUrl: string): void {
    this.url = new URL(clientUrl);
    this.running = true;
    this.holding = true;
    this.holderLoops = Array.from({ length: this.o.holders }, (_, i) => this.holder(i));
    this.contenderLoops = Array.from({ length: this.o.contenders }, (_, i) => this.contender(i));
    this.timers.push(
      setInterval(() => {
        for (let i = 0; i < this.o.lapsers; i++) this.track(this.lapse());
      }, this.o.lapseEveryMs),
      setInterval(() => this.track(this.slow()), this.o.slowEveryMs),
    );
  }

  /** Stops sending and waits for every request in flight; with `keepHolders`, holders go on heartbeating. */
  async pause(o: { keepHolders?: boolean } = {}): Promise<void> {
    this.running = false;
    if (!o.keepHolders) this.holding = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.all([...(o.keepHolders ? [] : this.holderLoops), ...this.contenderLoops, ...this.inFlight]);
  }

  /** Releases the holders' leases (at the end). */
  async releaseHeld(): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (id) => {
        const r = await this.call('DELETE', `/v1/leases/${encodeURIComponent(id)}`).catch(() => undefined);
        if (r?.status !== 204) this.error(`release of held ${id}: ${r?.status ?? 'no answer'}`);
      }),
    );
    this.held.clear();
  }

  get heldCount(): number {
    return this.held.size;
  }

  close(): void {
    this.agent.destroy();
  }

  private async holder(i: number): Promise<void> {
    while (this.holding) {
      const id = this.held.get(i);
      if (id === undefined) {
        const r = await this.checkout(this.o.feature, `soak-holder-${i}`);
        if (r?.status === 201) {
          this.held.set(i, (JSON.parse(r.body) as { leaseId: string }).leaseId);
          this.counts.holderCheckouts++;
        } else this.error(`holder checkout: ${r?.status ?? 'no answer'} ${r?.body.slice(0, 120) ?? ''}`);
      } else {
        const r = await this.call('POST', `/v1/leases/${encodeURIComponent(id)}/heartbeat`).catch(() => undefined);
        if (r?.status === 200) this.counts.heartbeats++;
        else {
          // A held lease the server no longer knows is a lost lease: an error, and the holder takes a new one.
          this.error(`heartbeat of held ${id}: ${r?.status ?? 'no answer'} ${r?.body.slice(0, 120) ?? ''}`);
          this.held.delete(i);
        }
      }
      await this.sleepWhileHolding(this.o.heartbeatMs);
    }
  }

  private async lapse(): Promise<void> {
    const r = await this.checkout(this.o.feature, `soak-lapser-${this.counts.lapsers % 1000}`);
    if (r?.status === 201) this.counts.lapsers++;
    else this.error(`lapser checkout: ${r?.status ?? 'no answer'}`);
  }

  private async contender(i: number): Promise<void> {
    while (this.running) {
      const r = await this.checkout(this.o.contendedFeature, `soak-contender-${i}`);
      if (r?.status === 201) {
        this.counts.contendedGrants++;
        await sleep(20 + ((i * 37) % 180));
        const id = (JSON.parse(r.body) as { leaseId: string }).leaseId;
        const gone = await this.call('DELETE', `/v1/leases/${encodeURIComponent(id)}`).catch(() => undefined);
        if (gone?.status !== 204) this.error(`contended release: ${gone?.status ?? 'no answer'}`);
      } else if (r?.status === 409) {
        this.counts.contendedDenials++;
        await sleep(50);
      } else {
        this.error(`contended checkout: ${r?.status ?? 'no answer'} ${r?.body.slice(0, 120) ?? ''}`);
        await sleep(100);
      }
    }
  }

  private async slow(): Promise<void> {
    const body = JSON.stringify({ feature: this.o.feature, client: { id: 'soak-slow' } });
    const r = await this.call('POST', '/v1/leases', body, this.o.slowGapMs).catch(() => undefined);
    if (r?.status !== 201) {
      this.error(`slow checkout: ${r?.status ?? 'no answer'} ${r?.body.slice(0, 120) ?? ''}`);
      return;
    }
    this.counts.slowCheckouts++;
    const id = (JSON.parse(r.body) as { leaseId: string }).leaseId;
    const gone = await this.call('DELETE', `/v1/leases/${encodeURIComponent(id)}`).catch(() => undefined);
    if (gone?.status !== 204) this.error(`slow release: ${gone?.status ?? 'no answer'}`);
  }

  private checkout(feature: string, clientId: string): Promise<Reply | undefined> {
    return this.call('POST', '/v1/leases', JSON.stringify({ feature, client: { id: clientId } })).catch(
      () => undefined,
    );
  }

  /** One request; with `gapMs`, the body goes in two halves that far apart (a slow client). */
  private call(method: string, path: string, body?: string, gapMs = 0): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request(
        { agent: this.agent, host: this.url.hostname, port: Number(this.url.port), method, path, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (gapMs <= 0) req.end(body);
      else {
        const half = Math.floor(body.length / 2);
        req.write(body.slice(0, half));
        setTimeout(() => req.end(body.slice(half)), gapMs);
      }
    });
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private error(what: string): void {
    this.counts.errors++;
    if (this.errorSamples.length < 10) this.errorSamples.push(what);
  }

  private async sleepWhileHolding(msToWait: number): Promise<void> {
    const until = performance.now() + msToWait;
    while (this.holding && performance.now() < until) await sleep(Math.min(100, until - performance.now()));
  }
}

function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}
