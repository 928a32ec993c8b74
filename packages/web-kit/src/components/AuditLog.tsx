import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import type { AuditFilter } from '../audit-filter.js';
import { csvText } from '../csv.js';
import type { NoticeData } from '../errors.js';
import { downloadText } from '../files.js';
import { localTime } from '../format.js';
import { LocalTime } from './LocalTime.js';
import { TableScroll } from './TableScroll.js';

/** What an audit entry holds on either server (the Cloud's add their customer). */
export interface AuditEntryBase {
  id: string | number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  /** `ok`, or `refused:CODE`. */
  outcome: string;
  detail: unknown;
}

export type { AuditFilter } from '../audit-filter.js';

/** Entries asked for at once; a full page means there may be older ones. */
export const AUDIT_PAGE_SIZE = 100;

/**
 * One page of a server's audit log, newest first, narrowed by `filter`: the newest `limit`, or
 * the `limit` before the entry `before`.
 */
export type AuditPageSource<E extends AuditEntryBase> = (
  limit: number,
  before: E['id'] | undefined,
  filter: AuditFilter,
) => Promise<E[]>;

/** The members of a filter as query parameters (the caller adds its own, e.g. paging). */
export function auditFilterParams(f: AuditFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== ''));
}

/** Most entries one CSV export holds; an export that reaches it says so. */
export const AUDIT_EXPORT_MAX = 100_000;
/** Entries asked for at once while exporting: the longest page both servers serve (the License Server's 500). */
const EXPORT_PAGE = 500;

/** The audit log as loaded so far: the newest page, then older pages as asked for. */
export interface AuditLog<E extends AuditEntryBase> {
  /** `null` until the first page is in. */
  entries: E[] | null;
  /** The last page was full: older entries may follow. */
  more: boolean;
  /** Why a page could not be loaded. */
  notice: NoticeData | null;
  clearNotice: () => void;
  /** Loads the newest page again (and forgets the older ones). */
  refresh: () => void;
  /** Adds the page before the oldest entry shown. */
  older: () => void;
  filter: AuditFilter;
  /** Narrows the log (loads the newest page of what matches). */
  setFilter: (f: AuditFilter) => void;
  /** Every entry that matches the filter (to {@link AUDIT_EXPORT_MAX}), newest first, page by page. */
  all: () => Promise<{ entries: E[]; truncated: boolean }>;
}

/**
 * Loads a server's audit log a page at a time.
 * @param source a function defined once (outside the component), since a new one reloads the log
 * @param errorNotice the UI's error words (also defined once)
 * @example
 * const log = useAuditLog((limit, before) => api.get<AuditEntry[]>(`/api/v1/audit${query({ limit, before })}`), errorNotice);
 */
export function useAuditLog<E extends AuditEntryBase>(
  source: AuditPageSource<E>,
  errorNotice: (err: unknown, action?: string, retry?: () => void) => NoticeData,
): AuditLog<E> {
  const [entries, setEntries] = useState<E[] | null>(null);
  const [more, setMore] = useState(false);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [filter, setFilter] = useState<AuditFilter>({});

  // The Retry of a failed page calls the current load (a ref: load cannot name itself as a dependency).
  const again = useRef<(before?: E['id']) => Promise<void>>(async () => undefined);
  const load = useCallback(
    async (before?: E['id']) => {
      try {
        const page = await source(AUDIT_PAGE_SIZE, before, filter);
        setEntries((old) => (before === undefined ? page : [...(old ?? []), ...page]));
        setMore(page.length === AUDIT_PAGE_SIZE);
      } catch (err) {
        setNotice(errorNotice(err, 'Loading the audit log', () => void again.current(before)));
      }
    },
    [source, errorNotice, filter],
  );
  again.current = load;
  useEffect(() => {
    void load();
  }, [load]);

  return {
    entries,
    more,
    notice,
    clearNotice: () => setNotice(null),
    refresh: () => void load(),
    older: () => void load(entries?.at(-1)?.id),
    filter,
    setFilter: (f) => {
      setEntries(null);
      setFilter(f);
    },
    all: async () => {
      const out: E[] = [];
      let before: E['id'] | undefined;
      for (;;) {
        const page = await source(EXPORT_PAGE, before, filter);
        out.push(...page);
        if (page.length < EXPORT_PAGE) return { entries: out, truncated: false };
        if (out.length >= AUDIT_EXPORT_MAX) return { entries: out.slice(0, AUDIT_EXPORT_MAX), truncated: true };
        before = page.at(-1)!.id;
      }
    },
  };
}

/**
 * The audit entries as a CSV file's text: local time and the UTC instant, then who, the extra
 * columns' text, action, target, outcome and the detail as JSON.
 */
export function auditCsv<E extends AuditEntryBase>(
  entries: readonly E[],
  extra: { header: string; text: (e: E) => string }[] = [],
): string {
  return csvText([
    [
      'time_local',
      'time_utc',
      'actor',
      ...extra.map((c) => c.header.toLowerCase()),
      'action',
      'target',
      'outcome',
      'detail',
    ],
    ...entries.map((e) => [
      localTime(e.at),
      e.at,
      e.actor,
      ...extra.map((c) => c.text(e)),
      e.action,
      e.target,
      e.outcome,
      e.detail === null || e.detail === undefined ? '' : JSON.stringify(e.detail),
    ]),
  ]);
}

/** Saves the whole filtered log as CSV; returns how many entries, and whether the cap cut it. */
export async function exportAuditCsv<E extends AuditEntryBase>(
  log: AuditLog<E>,
  fileName: string,
  extra: { header: string; text: (e: E) => string }[] = [],
): Promise<{ count: number; truncated: boolean }> {
  const { entries, truncated } = await log.all();
  downloadText(fileName, auditCsv(entries, extra));
  return { count: entries.length, truncated };
}

/** A column a UI adds to the audit table. */
export interface AuditColumn<E> {
  header: string;
  cell: (entry: E) => ReactNode;
}

export interface AuditTableProps<E extends AuditEntryBase> {
  log: AuditLog<E>;
  /** Shown until the first page is in. */
  loading: ReactNode;
  /** The class of the cells that show names and codes (who, action, target). */
  codeClass: string;
  /** Columns after "Who", e.g. the customer. */
  extraColumns?: AuditColumn<E>[];
  /** Leaves the detail's empty values (null) out of its text. */
  omitEmptyDetail?: boolean;
}

/** The audit log as a table, newest first, with "Older entries" while there may be more. */
export function AuditTable<E extends AuditEntryBase>({
  log,
  loading,
  codeClass,
  extraColumns = [],
  omitEmptyDetail = false,
}: AuditTableProps<E>) {
  if (log.entries === null) return loading;
  return (
    <div className="card">
      <TableScroll label="Audit log entries">
        <table className="table audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              {extraColumns.map((c) => (
                <th key={c.header} scope="col">
                  {c.header}
                </th>
              ))}
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {log.entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">
                  <LocalTime at={e.at} />
                </td>
                <td className={codeClass}>{e.actor}</td>
                {extraColumns.map((c) => (
                  <td key={c.header}>{c.cell(e)}</td>
                ))}
                <td className={codeClass}>{e.action}</td>
                <td className={`${codeClass} target`}>{e.target ?? ''}</td>
                <td>
                  <span className={e.outcome === 'ok' ? 'chip chip-ok' : 'chip chip-bad'}>
                    {e.outcome === 'ok' ? 'done' : e.outcome.replace('refused:', 'refused: ')}
                  </span>
                </td>
                <td className="detail">{detailText(e.detail, omitEmptyDetail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {log.more && (
        <button type="button" className="ghost" onClick={log.older}>
          Older entries
        </button>
      )}
    </div>
  );
}

/** An entry's detail in words: its message, or its fields as `key: value; …`. */
function detailText(d: unknown, omitEmpty: boolean): string {
  if (d === null || d === undefined) return '';
  if (typeof d !== 'object') return String(d);
  const o = d as Record<string, unknown>;
  if (typeof o.message === 'string') return o.message;
  return Object.entries(o)
    .filter(([, v]) => !omitEmpty || (v !== null && v !== undefined))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}
