/**
 * What the soak samples from the License Server while it runs: from /proc (resident memory,
 * open file descriptors: the kernel's own figures), from its /metrics (V8 heap in use, the
 * event loop's delay), and from the database file itself (seats held on disk per feature,
 * read by a read-only SQLite connection of the bench), so over-allocation is seen where it
 * would matter: in what a restart would load.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import { metricValue, readMetrics } from './metrics.js';

export interface ServerSample {
  /** ms since the soak began. */
  atMs: number;
  pid: number;
  rssBytes: number;
  /** Open file descriptors, and how many of them are sockets (client connections come and go with the load). */
  fds: number;
  sockets: number;
  heapUsedBytes: number;
  /** p99 of the event loop's delay since the previous sample (prom-client's monitor, 10 ms resolution, minus that). */
  eventLoopP99Ms: number;
}

/** prom-client's event-loop monitor samples every 10 ms; what it reports includes that interval. */
const EVENT_LOOP_RESOLUTION_MS = 10;

export function rssBytesOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function fdsOf(pid: number): { fds: number; sockets: number } {
  try {
    const links = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    return { fds: links.length, sockets: links.filter((l) => l.startsWith('socket:')).length };
  } catch {
    return { fds: Number.NaN, sockets: Number.NaN };
  }
}

export async function sampleServer(
  pid: number,
  adminUrl: string,
  dataDir: string,
  atMs: number,
): Promise<ServerSample> {
  const text = (await readMetrics(adminUrl, dataDir)) ?? '';
  const lag = metricValue(text, 'tessera_nodejs_eventloop_lag_p99_seconds') * 1000;
  return {
    atMs,
    pid,
    rssBytes: rssBytesOf(pid),
    ...fdsOf(pid),
    heapUsedBytes: metricValue(text, 'tessera_nodejs_heap_size_used_bytes'),
    eventLoopP99Ms: Math.max(0, lag - EVENT_LOOP_RESOLUTION_MS),
  };
}

/**
 * Reads, every `everyMs`, the seats held per feature in the database file and in the server's
 * own view (`GET /v1/features`), and keeps the largest of each against the feature's seats.
 */
export class AllocationWatch {
  private readonly db: Database.Database;
  private readonly onDisk: Database.Statement;
  private timer: NodeJS.Timeout | undefined;
  clientUrl = '';
  readonly max = { onDisk: 0, inUse: 0 };
  over = { onDisk: 0, inUse: 0 };
  reads = { onDisk: 0, inUse: 0 };

  constructor(
    dbFile: string,
    private readonly feature: string,
    private readonly seats: number,
  ) {
    this.db = new Database(dbFile, { readonly: true, fileMustExist: true });
    this.onDisk = this.db.prepare('SELECT coalesce(sum(count), 0) FROM leases WHERE feature = ?').pluck();
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.read(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.db.close();
  }

  /** Seats held on disk per feature now. */
  heldOnDisk(feature: string): number {
    return Number(this.onDisk.get(feature));
  }

  private async read(): Promise<void> {
    try {
      const n = Number(this.onDisk.get(this.feature));
      this.reads.onDisk++;
      this.max.onDisk = Math.max(this.max.onDisk, n);
      if (n > this.seats) this.over.onDisk++;
    } catch {
      // The file is being recovered by a restarting server: read again next time.
    }
    if (!this.clientUrl) return;
    try {
      const res = await fetch(`${this.clientUrl}/v1/features`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { features: { feature: string; inUse: number }[] };
      const f = body.features.find((x) => x.feature === this.feature);
      if (!f) return;
      this.reads.inUse++;
      this.max.inUse = Math.max(this.max.inUse, f.inUse);
      if (f.inUse > this.seats) this.over.inUse++;
    } catch {
      // Down for a restart.
    }
  }
}
