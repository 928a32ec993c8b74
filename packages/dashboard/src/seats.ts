/** The Sessions page's query (sort, filters, page) and the admin API addresses it makes: pure, no React. */
import { manyOf } from './format.js';
import type { SeatsReleased } from './types.js';

export const SORT_KEYS = ['feature', 'count', 'user', 'host', 'app', 'version', 'license', 'since'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';

export const PAGE_SIZES = [50, 100, 200] as const;

export interface SeatsQuery {
  sort: SortKey;
  dir: SortDirection;
  /** 1-based. */
  page: number;
  limit: number;
  /** Empty: any. */
  feature: string;
  user: string;
  host: string;
  search: string;
}

export const FIRST_QUERY: SeatsQuery = {
  sort: 'since',
  dir: 'desc',
  page: 1,
  limit: 50,
  feature: '',
  user: '',
  host: '',
  search: '',
};

function filterParams(q: SeatsQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.feature) p.set('feature', q.feature);
  if (q.user.trim()) p.set('user', q.user.trim());
  if (q.host.trim()) p.set('host', q.host.trim());
  if (q.search.trim()) p.set('q', q.search.trim());
  return p;
}

/** `GET /api/v1/seats` for one page of `q`. */
export function seatsUrl(q: SeatsQuery): string {
  const p = filterParams(q);
  p.set('sort', q.sort);
  p.set('dir', q.dir);
  p.set('page', String(q.page));
  p.set('limit', String(q.limit));
  return `/api/v1/seats?${p}`;
}

/** `GET /api/v1/seats/export`: every lease the filters of `q` match, as CSV. */
export function exportUrl(q: SeatsQuery): string {
  const p = filterParams(q).toString();
  return `/api/v1/seats/export${p ? `?${p}` : ''}`;
}

/** How many pages `total` leases fill (at least one, so an empty list is page 1 of 1). */
export function pageCount(total: number, limit: number): number {
  return Math.max(1, Math.ceil(total / limit));
}

/** A click on a column heading: the same column flips its direction; another starts ascending (dates newest first). */
export function sortBy(q: SeatsQuery, key: SortKey): SeatsQuery {
  const dir: SortDirection = q.sort === key ? (q.dir === 'asc' ? 'desc' : 'asc') : key === 'since' ? 'desc' : 'asc';
  return { ...q, sort: key, dir, page: 1 };
}

/** Whether a change of the query other than its page should go back to page 1. */
export function withFilter(
  q: SeatsQuery,
  change: Partial<Pick<SeatsQuery, 'feature' | 'user' | 'host' | 'search' | 'limit'>>,
): SeatsQuery {
  return { ...q, ...change, page: 1 };
}

/** What a release did, in words: how many, and how many had already ended. */
export function releasedText(r: SeatsReleased): string {
  const hear = r.released === 1 ? 'its application hears' : 'their applications hear';
  const gone = r.notFound.length > 0 ? ` ${manyOf(r.notFound.length, 'lease')} had already ended.` : '';
  return `Released ${manyOf(r.released, 'seat')}; ${hear} so at the next heartbeat.${gone}`;
}
