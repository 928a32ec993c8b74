import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { memo, useEffect, useRef } from 'react';
import { duration } from '../format.js';
import type { SeatsQuery, SortKey } from '../seats.js';
import type { SeatHolderView } from '../types.js';

export interface SeatsTableProps {
  seats: SeatHolderView[];
  query: SeatsQuery;
  onSort: (key: SortKey) => void;
  /** Null: the user may not release, so no selection column. */
  selected: ReadonlyMap<string, SeatHolderView> | null;
  onSelect: (seats: SeatHolderView[], on: boolean) => void;
  onRelease: ((seat: SeatHolderView) => void) | null;
  nowMs: number;
  busy: boolean;
}

const COLUMNS: { key: SortKey | null; label: string; num?: boolean }[] = [
  { key: 'feature', label: 'Feature' },
  { key: 'count', label: 'Seats', num: true },
  { key: 'user', label: 'User' },
  { key: 'host', label: 'Host' },
  { key: 'app', label: 'Application' },
  { key: 'version', label: 'Version' },
  { key: 'license', label: 'License' },
  { key: 'since', label: 'Since' },
  // Expiry moves with each heartbeat, in memory only: the server does not sort by it.
  { key: null, label: 'Expires' },
];

const dash = <span className="muted">—</span>;

/** Who holds the seat, for labels: "alice on ws-1 (asr)". */
export function holderName(s: SeatHolderView): string {
  return `${s.clientId}${s.host ? ` on ${s.host}` : ''} (${s.feature})`;
}

/** A page of seat holders: headings that sort, a checkbox per row for Manage, a Release button per row. */
export const SeatsTable = memo(function SeatsTable(p: SeatsTableProps) {
  const { sort, dir } = p.query;
  const selectedHere = p.selected ? p.seats.filter((s) => p.selected?.has(s.leaseId)).length : 0;
  const all = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (all.current) all.current.indeterminate = selectedHere > 0 && selectedHere < p.seats.length;
  }, [selectedHere, p.seats.length]);

  return (
    <TableScroll label="Seat holders">
      <table className="table seats-table" aria-busy={p.busy}>
        <thead>
          <tr>
            {p.selected && (
              <th scope="col" className="select-cell">
                <input
                  ref={all}
                  type="checkbox"
                  aria-label="Select every lease on this page"
                  checked={p.seats.length > 0 && selectedHere === p.seats.length}
                  onChange={(e) => p.onSelect(p.seats, e.target.checked)}
                />
              </th>
            )}
            {COLUMNS.map((c) => (
              <th
                key={c.label}
                scope="col"
                className={c.num ? 'num' : undefined}
                aria-sort={c.key === sort ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                {c.key ? (
                  <button type="button" className="sort-button" onClick={() => c.key && p.onSort(c.key)}>
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {c.key === sort ? (dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
            {p.onRelease && (
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {p.seats.map((s) => (
            <tr key={s.leaseId} className={p.selected?.has(s.leaseId) ? 'selected' : undefined}>
              {p.selected && (
                <td className="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select the lease of ${holderName(s)}`}
                    checked={p.selected.has(s.leaseId)}
                    onChange={(e) => p.onSelect([s], e.target.checked)}
                  />
                </td>
              )}
              <td className="mono">{s.feature}</td>
              <td className="num">{s.count}</td>
              <td className="mono">{s.clientId}</td>
              <td>{s.host ?? dash}</td>
              <td>{s.app ?? dash}</td>
              <td>{s.version ?? dash}</td>
              <td className="mono">
                {/* Cut short on screen: the whole id is its tooltip, in the CSV, and found by Search. */}
                <span className="license-id" title={s.licenseId}>
                  {s.licenseId}
                </span>
              </td>
              <td className="nowrap">
                <LocalTime at={s.since} /> <span className="muted">({duration(p.nowMs - Date.parse(s.since))})</span>
              </td>
              <td className="nowrap">{s.expiresAt ? <LocalTime at={s.expiresAt} /> : dash}</td>
              {p.onRelease && (
                <td className="row-action">
                  <button
                    type="button"
                    className="small"
                    aria-label={`Release the seat of ${holderName(s)}`}
                    onClick={() => p.onRelease?.(s)}
                  >
                    Release
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
});
