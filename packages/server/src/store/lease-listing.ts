import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { LeaseRow } from './leases.js';

/** The columns a listing of held leases may be ordered by, and the SQL column of each. */
export const LEASE_SORT_COLUMNS = {
  feature: 'feature',
  count: 'count',
  user: 'client_id',
  host: 'host',
  app: 'app',
  version: 'version',
  license: 'license_id',
  // Lease ids begin with their creation time: primary-key order is creation order.
  since: 'lease_id',
} as const;

export type LeaseSortKey = keyof typeof LEASE_SORT_COLUMNS;
export type SortDirection = 'asc' | 'desc';

/** Which held leases a listing shows: exact feature, user (client id) and host; `search` is a substring. */
export interface LeaseFilter {
  feature?: string;
  user?: string;
  host?: string;
  /** Found in any of feature, client id, host, app, version, license id, lease id (ASCII case ignored). */
  search?: string;
}

const COLS = `lease_id AS leaseId, license_id AS licenseId, feature, count, client_id AS clientId, host, app,
  version, release_date AS releaseDate, created_at AS createdAt`;
const SEARCHED = ['feature', 'client_id', 'host', 'app', 'version', 'license_id', 'lease_id'];

/** `%` and `_` in what the user typed are themselves, not LIKE's wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Listings of the leases table for the Sessions page: filtered, ordered, a page at a time, and
 * the whole filtered set in chunks for an export.
 *
 * Only the primary key is indexed (it orders by creation time). Every other order or filter
 * is a scan: at 100,000 leases a sorted first page takes ~16 ms and a free-text search ~40 ms,
 * where an index per column would add ~5 µs of B-tree work to every checkout and release, the
 * License Server's hot path, for a page an operator opens now and then.
 */
export class LeaseListing {
  /** Statements by SQL text: at most (sort keys × directions × filter combinations) of them. */
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {}

  /** One page in `sort` order (lease id breaks ties), from `offset`. */
  page(filter: LeaseFilter, sort: LeaseSortKey, dir: SortDirection, offset: number, limit: number): LeaseRow[] {
    const { where, params } = this.where(filter);
    const column = LEASE_SORT_COLUMNS[sort];
    const order = column === 'lease_id' ? `lease_id ${dir}` : `${column} ${dir}, lease_id ${dir}`;
    const sql = `SELECT ${COLS} FROM leases ${where} ORDER BY ${order} LIMIT ? OFFSET ?`;
    return this.statement(sql).all(...params, limit, offset) as LeaseRow[];
  }

  /** How many leases the filter matches. */
  count(filter: LeaseFilter): number {
    const { where, params } = this.where(filter);
    const row = this.statement(`SELECT count(*) AS n FROM leases ${where}`).get(...params) as { n: number };
    return row.n;
  }

  /**
   * The next `limit` matching leases after lease id `after` (from the first when undefined), in
   * creation order: an export reads the set chunk by chunk, and a lease taken or ended between
   * two chunks neither repeats nor shifts the rest.
   */
  chunkAfter(filter: LeaseFilter, after: string | undefined, limit: number): LeaseRow[] {
    const f = this.where(filter, after === undefined ? [] : [['lease_id > ?', after]]);
    const sql = `SELECT ${COLS} FROM leases ${f.where} ORDER BY lease_id LIMIT ?`;
    return this.statement(sql).all(...f.params, limit) as LeaseRow[];
  }

  private where(filter: LeaseFilter, extra: [string, string][] = []): { where: string; params: string[] } {
    const terms: [string, string][] = [...extra];
    if (filter.feature !== undefined) terms.push(['feature = ?', filter.feature]);
    if (filter.user !== undefined) terms.push(['client_id = ?', filter.user]);
    if (filter.host !== undefined) terms.push(['host = ?', filter.host]);
    const params = terms.map(([, v]) => v);
    const clauses = terms.map(([c]) => c);
    if (filter.search !== undefined && filter.search !== '') {
      clauses.push(`(${SEARCHED.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`);
      const pattern = likePattern(filter.search);
      for (const _ of SEARCHED) params.push(pattern);
    }
    return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
  }

  private statement(sql: string): Statement<unknown[]> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
