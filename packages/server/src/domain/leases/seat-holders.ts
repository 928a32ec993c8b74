import type { LeaseFilter, LeaseRow, LeaseSortKey, SortDirection, Store } from '../../store/store.js';
import type { Actor, AuditLog } from '../audit.js';
import { csvLine } from './csv.js';
import type { LeaseEngine } from './lease-engine.js';

/** One held lease as the Sessions page lists it. */
export interface SeatHolderView extends Omit<LeaseRow, 'createdAt'> {
  /** When it was taken (ISO). */
  since: string;
  /** When it lapses unless its holder heartbeats (ISO); null if it ended while being listed. */
  expiresAt: string | null;
}

/** One page of the listing, with how many leases match in all. */
export interface SeatsPage {
  total: number;
  page: number;
  limit: number;
  seats: SeatHolderView[];
}

/** What a release of several leases did: how many it released, and the ids no lease holds. */
export interface SeatsReleased {
  released: number;
  notFound: string[];
}

export interface SeatsQuery {
  filter: LeaseFilter;
  sort: LeaseSortKey;
  dir: SortDirection;
  /** 1-based. */
  page: number;
  limit: number;
}

const CSV_HEADER = ['lease id', 'feature', 'count', 'user', 'host', 'app', 'version', 'license', 'since', 'expires'];
/** Rows read per chunk of an export; the event loop runs other work between chunks. */
const EXPORT_CHUNK = 2000;

/**
 * Every seat holder of the server, across licenses and features: the listing the Sessions page
 * pages through, its CSV export, and releasing several at once.
 *
 * The listing reads the leases table (what is committed) and adds each lease's expiry from the
 * lease engine, where it lives: a heartbeat moves it in memory only, never on disk.
 */
export class SeatHolders {
  constructor(
    private readonly store: Store,
    private readonly engine: LeaseEngine,
    private readonly audit: AuditLog,
  ) {}

  page(q: SeatsQuery): SeatsPage {
    const listing = this.store.leaseListing;
    const rows = listing.page(q.filter, q.sort, q.dir, (q.page - 1) * q.limit, q.limit);
    return { total: listing.count(q.filter), page: q.page, limit: q.limit, seats: rows.map((r) => this.view(r)) };
  }

  /** The whole filtered set as CSV, in the order the leases were taken, a chunk of rows at a time. */
  async *csv(filter: LeaseFilter): AsyncGenerator<string> {
    yield csvLine(CSV_HEADER);
    let after: string | undefined;
    for (;;) {
      const rows = this.store.leaseListing.chunkAfter(filter, after, EXPORT_CHUNK);
      if (rows.length === 0) return;
      yield rows
        .map((r) => this.view(r))
        .map((v) =>
          csvLine([
            v.leaseId,
            v.feature,
            v.count,
            v.clientId,
            v.host,
            v.app,
            v.version,
            v.licenseId,
            v.since,
            v.expiresAt,
          ]),
        )
        .join('');
      if (rows.length < EXPORT_CHUNK) return;
      after = rows[rows.length - 1]!.leaseId;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Releases each lease (its holder hears REVOKED_BY_ADMIN at its next heartbeat), each with its
   * own audit entry committed with it. The releases are queued together, so they share commits.
   * Ids no lease holds are answered in `notFound` and audited as refused.
   */
  async release(actor: Actor, leaseIds: readonly string[]): Promise<SeatsReleased> {
    const ids = [...new Set(leaseIds)];
    const done = await Promise.all(
      ids.map((id) =>
        this.engine.revoke(id, this.audit.writer({ actor, action: 'lease.release', target: id, outcome: 'ok' })),
      ),
    );
    const notFound = ids.filter((_, i) => !done[i]);
    if (notFound.length > 0) {
      try {
        this.audit.recordAll(
          notFound.map((target) => ({ actor, action: 'lease.release', target, outcome: 'refused:NOT_FOUND' as const })),
        );
      } catch {
        // A refusal is answered as it is even when its entries cannot be written (a full disk).
      }
    }
    return { released: ids.length - notFound.length, notFound };
  }

  private view(r: LeaseRow): SeatHolderView {
    const { createdAt, ...rest } = r;
    return { ...rest, since: new Date(createdAt).toISOString(), expiresAt: this.engine.expiresAtOf(r.leaseId) ?? null };
  }
}
