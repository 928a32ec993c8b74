/**
 * The demo's sample client applications (the SDK): each checks seats out of the License Server or the Cloud,
 * holds them, releases them, and sometimes is refused. Quiet by default (a summary line every few seconds, see
 * client-tally.ts); verbose prints one line per event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LicenseClient, type LicenseClientConfig } from '@tessera/client';
import { utcDate } from '@tessera/core';
import { ClientTally, type TallyEvent } from './client-tally.js';

const DAY_MS = 86_400_000;

export interface SampleClient {
  name: string;
  /** Who serves it: the License Server (perpetual licenses) or the Cloud (subscription seats). */
  from: 'server' | 'cloud';
  app: string;
  version: string;
  /** Days from today of the app's release date (what the server checks against maintenance). */
  releasedDaysAgo: number;
  feature: string;
  count: number;
  /** How long a seat is held, ms (a random point in this range). */
  holdMs: [number, number];
  /** The pause after a release or a refusal, ms. */
  pauseMs: [number, number];
}

/** The sample applications: steady users, a burst that meets NO_SEATS, an old and a too-new release. */
const SAMPLE_CLIENTS: readonly SampleClient[] = [
  {
    name: 'transcriber-1',
    from: 'server',
    app: 'Transcriber',
    version: '5.2.0',
    releasedDaysAgo: 30,
    feature: 'asr',
    count: 3,
    holdMs: [3000, 6000],
    pauseMs: [1000, 3000],
  },
  {
    name: 'transcriber-2',
    from: 'server',
    app: 'Transcriber',
    version: '5.2.0',
    releasedDaysAgo: 30,
    feature: 'asr',
    count: 4,
    holdMs: [2000, 5000],
    pauseMs: [1000, 3000],
  },
  // tts has 4 seats: these two together want 5, so one of them is now and then refused NO_SEATS.
  {
    name: 'voice-studio',
    from: 'server',
    app: 'Voice Studio',
    version: '2.1.0',
    releasedDaysAgo: 90,
    feature: 'tts',
    count: 2,
    holdMs: [2000, 4000],
    pauseMs: [2000, 5000],
  },
  {
    name: 'voice-batch',
    from: 'server',
    app: 'Voice Batch',
    version: '2.1.0',
    releasedDaysAgo: 90,
    feature: 'tts',
    count: 3,
    holdMs: [2000, 4000],
    pauseMs: [1000, 4000],
  },
  // Released before the old contract's maintenance ended: served by that license (the best fit).
  {
    name: 'legacy-dictation',
    from: 'server',
    app: 'Dictation',
    version: '1.4.2',
    releasedDaysAgo: 4 * 365,
    feature: 'asr',
    count: 1,
    holdMs: [4000, 8000],
    pauseMs: [1000, 3000],
  },
  // Released after every asr license's maintenance date: refused MAINTENANCE_EXPIRED.
  {
    name: 'transcriber-next',
    from: 'server',
    app: 'Transcriber',
    version: '7.0.0',
    releasedDaysAgo: -2 * 365,
    feature: 'asr',
    count: 1,
    holdMs: [2000, 4000],
    pauseMs: [8000, 12000],
  },
  // Subscription seats from the Cloud: 2 + 3 wanted of 4, so one of them is now and then refused NO_SEATS.
  {
    name: 'cloud-captions',
    from: 'cloud',
    app: 'Live Captions',
    version: '3.0.1',
    releasedDaysAgo: 14,
    feature: 'asr',
    count: 2,
    holdMs: [3000, 6000],
    pauseMs: [1000, 3000],
  },
  {
    name: 'cloud-callcenter',
    from: 'cloud',
    app: 'Call Center',
    version: '3.0.1',
    releasedDaysAgo: 14,
    feature: 'asr',
    count: 3,
    holdMs: [2000, 5000],
    pauseMs: [1000, 4000],
  },
];

/** The sample applications, each a loop: check out, hold, release, pause. */
export class SampleClients {
  private readonly abort = new AbortController();
  private readonly clients: { spec: SampleClient; client: LicenseClient }[];
  private loops: Promise<void>[] = [];
  private readonly tally = new ClientTally();
  private summaryTimer: NodeJS.Timeout | undefined;
  /** Seats the sample clients hold now. */
  private seatsHeld = 0;

  constructor(
    configs: Record<SampleClient['from'], LicenseClientConfig>,
    /** What served a seat (a license of the server, the Cloud subscription), by license id, for the log lines. */
    private readonly licenseNames: ReadonlyMap<string, string>,
    private readonly print: (line: string) => void,
    /** Every event on its own line; otherwise a summary every `summarySeconds`. */
    private readonly output: { verbose: boolean; summarySeconds: number } = { verbose: false, summarySeconds: 5 },
  ) {
    const now = Date.now();
    this.clients = SAMPLE_CLIENTS.map((spec) => ({
      spec,
      client: new LicenseClient(configs[spec.from], {
        clientId: spec.name,
        host: 'demo',
        app: spec.app,
        version: spec.version,
        releaseDate: utcDate(now - spec.releasedDaysAgo * DAY_MS),
      }),
    }));
  }

  start(): void {
    this.loops = this.clients.map(({ spec, client }, i) => this.loop(spec, client, i * 400));
    if (!this.output.verbose) {
      const every = this.output.summarySeconds;
      this.summaryTimer = setInterval(() => {
        const line = this.tally.summary(every, this.seatsHeld);
        if (line !== undefined) this.print(`${clock()}  sample clients, ${line}`);
      }, every * 1000);
      this.summaryTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.summaryTimer);
    this.abort.abort();
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.clients.map(({ client }) => client.close()));
  }

  private licenseName(licenseId: string): string {
    const name = this.licenseNames.get(licenseId);
    return name ? `${short(licenseId)} (${name})` : short(licenseId);
  }

  /** Something out of the ordinary (a lost lease, a failure): a line of its own even when quiet. */
  private log(spec: SampleClient, message: string): void {
    this.print(`${clock()}  ${spec.name.padEnd(16)} ${message}`);
  }

  /** An ordinary event: its own line when verbose, else counted for the next summary. */
  private event(spec: SampleClient, event: TallyEvent, message: string, code?: string): void {
    if (this.output.verbose) this.log(spec, message);
    else this.tally.count(spec.from, event, code);
  }

  private async loop(spec: SampleClient, client: LicenseClient, startDelayMs: number): Promise<void> {
    const signal = this.abort.signal;
    const what = `${spec.feature} x${spec.count}`;
    const wait = (ms: number) =>
      sleep(ms, undefined, { signal }).then(
        () => true,
        () => false,
      );
    if (!(await wait(startDelayMs))) return;
    while (!signal.aborted) {
      let result: Awaited<ReturnType<LicenseClient['checkout']>>;
      try {
        result = await client.checkout(spec.feature, { count: spec.count });
      } catch (err) {
        if (!signal.aborted) this.log(spec, `checkout ${what} failed: ${(err as Error).message}`);
        return;
      }
      if (signal.aborted) {
        if (result.ok) await result.lease.release();
        return;
      }
      if (!result.ok) {
        this.event(spec, 'denied', `${what} denied ${result.code}: ${result.message}`, result.code);
        if (!(await wait(between(...spec.pauseMs)))) return;
        continue;
      }
      const lease = result.lease;
      lease.on('lost', (e) => this.log(spec, `${what} lost (${e.reason}); re-checkout refused: ${e.code}`));
      lease.on('renewed', (e) => this.log(spec, `${what} moved to lease ${short(e.leaseId)} (${e.reason})`));
      const hold = between(...spec.holdMs);
      this.event(
        spec,
        'granted',
        `${what} granted by ${this.licenseName(lease.licenseId)}, holding ${(hold / 1000).toFixed(1)} s`,
      );
      this.seatsHeld += spec.count;
      const held = await wait(hold);
      await lease.release();
      this.seatsHeld -= spec.count;
      if (!held) return;
      this.event(spec, 'released', `${what} released`);
      if (!(await wait(between(...spec.pauseMs)))) return;
    }
  }
}

/** HH:MM:SS in local time, for the demo's lines. */
function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function between(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}

/** `lease_…7w0xj1`: the random end of an id, enough to tell ids apart in a log line. */
function short(id: string): string {
  const underscore = id.indexOf('_');
  return id.length > 16 ? `${id.slice(0, underscore + 1)}…${id.slice(-6)}` : id;
}
