import { useAction } from '@tessera/web-kit/action';
import { api } from '@tessera/web-kit/api';
import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { downloadText } from '@tessera/web-kit/files';
import { useCallback, useEffect, useState } from 'react';
import { LiveBadge } from '../components/LiveBadge.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { Pager } from '../components/Pager.js';
import { SeatFilters } from '../components/SeatFilters.js';
import { holderName, SeatsTable } from '../components/SeatsTable.js';
import { useSeats } from '../hooks/useSeats.js';
import { useServerEvents } from '../live.js';
import { roleAtLeast } from '../routes.js';
import { exportUrl, pageCount, type SeatsQuery, type SortKey, sortBy, withFilter } from '../seats.js';
import type { LicenseTree, SeatHolderView, SeatsReleased, SessionView } from '../types.js';

/** How many holders the release confirmation names before "and N more". */
const NAMED_IN_CONFIRM = 5;

/** "100,000 leases": a count with thousands separated, for counts that grow that large. */
function many(n: number, one: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : `${one}s`}`;
}

/**
 * Every seat held on this server, across licenses and features: sorted, filtered and paged by the
 * server, live, with release of one or many (Manage) and a CSV export of what the filters match.
 */
export function SessionsPage({ session }: { session: SessionView }) {
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const seats = useSeats(setNotice);
  const { query, setQuery, data } = seats;
  const canRelease = roleAtLeast(session.role, 'manage');
  /** Kept across pages and live reloads; a lease that ended meanwhile is reported at release. */
  const [selected, setSelected] = useState<Map<string, SeatHolderView>>(() => new Map());
  const [confirming, setConfirming] = useState<SeatHolderView[] | null>(null);
  const [features, setFeatures] = useState<string[]>([]);
  const { busy, run } = useAction((err, what) => {
    setConfirming(null);
    setNotice(errorNotice(err, what));
  });
  const live = useServerEvents((kinds) => {
    if (kinds.length === 0 || kinds.some((k) => k === 'leases' || k === 'licenses' || k === 'reconnect'))
      seats.refresh();
  });

  useEffect(() => {
    api.get<LicenseTree>('/api/v1/licenses').then(
      (t) => setFeatures([...new Set(t.licenses.flatMap((l) => l.features.map((f) => f.name)))].sort()),
      () => undefined, // the filter then offers no feature names; the list itself still loads
    );
  }, []);

  const changeFilter = useCallback(
    (change: Partial<Pick<SeatsQuery, 'feature' | 'user' | 'host' | 'search' | 'limit'>>) =>
      setQuery((q) => withFilter(q, change)),
    [setQuery],
  );
  // Stable, so the table (memo) renders again only when its rows, sort, selection or loading change.
  const select = useCallback(
    (list: SeatHolderView[], on: boolean) =>
      setSelected((m) => {
        const next = new Map(m);
        for (const s of list) on ? next.set(s.leaseId, s) : next.delete(s.leaseId);
        return next;
      }),
    [],
  );
  const sort = useCallback((key: SortKey) => setQuery((q) => sortBy(q, key)), [setQuery]);
  const releaseOne = useCallback((s: SeatHolderView) => setConfirming([s]), []);

  const release = async () => {
    if (!confirming) return;
    const ids = confirming.map((s) => s.leaseId);
    await run('Release', async () => {
      const r = await api.post<SeatsReleased>('/api/v1/seats/release', { leaseIds: ids });
      setSelected((m) => {
        const next = new Map(m);
        for (const id of ids) next.delete(id);
        return next;
      });
      setConfirming(null);
      setNotice({
        kind: 'ok',
        text: `Released ${many(r.released, 'seat')}; ${r.released === 1 ? 'its application hears' : 'their applications hear'} so at the next heartbeat.${
          r.notFound.length > 0 ? ` ${many(r.notFound.length, 'lease')} had already ended.` : ''
        }`,
      });
      await seats.load();
    });
  };

  const exportCsv = () =>
    run('Export', async () => {
      downloadText('seats.csv', await api.text(exportUrl(query)));
    });

  const filtered = query.feature !== '' || query.user !== '' || query.host !== '' || query.search !== '';
  const pages = data ? pageCount(data.total, data.limit) : 1;
  return (
    <div className="page sessions-page">
      <div className="page-head">
        <div>
          <h1>Sessions</h1>
          <p className="sub">
            {data === null
              ? 'Every seat held on this server, across licenses and features.'
              : filtered
                ? `${many(data.total, 'lease')} ${data.total === 1 ? 'matches' : 'match'} the filters.`
                : `${many(data.total, 'lease')} held on this server, across licenses and features.`}
          </p>
        </div>
        <LiveBadge state={live} />
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <section className="card" aria-labelledby="seats-title">
        <h2 id="seats-title" className="visually-hidden">
          Seat holders
        </h2>
        <SeatFilters query={query} features={features} onChange={changeFilter} />
        <div className="seat-toolbar">
          {canRelease && (
            <>
              <span className="muted" aria-live="polite">
                {selected.size === 0 ? 'None selected' : `${selected.size.toLocaleString('en')} selected`}
              </span>
              <button
                type="button"
                className="danger"
                disabled={selected.size === 0 || busy}
                onClick={() => setConfirming([...selected.values()])}
              >
                Release selected
              </button>
              {selected.size > 0 && (
                <button type="button" className="ghost" onClick={() => setSelected(new Map())}>
                  Clear selection
                </button>
              )}
            </>
          )}
          <button type="button" className="ghost export" disabled={busy || !data?.total} onClick={exportCsv}>
            Export CSV
          </button>
        </div>
        {data === null ? (
          <p className="muted">{seats.failed ? 'The seat holders could not be loaded.' : 'Loading…'}</p>
        ) : data.total === 0 ? (
          <p className="empty">
            {filtered
              ? 'No lease matches these filters.'
              : 'No seat is in use. When an application checks out a seat, it shows here.'}
          </p>
        ) : (
          <>
            <SeatsTable
              seats={data.seats}
              query={query}
              onSort={sort}
              selected={canRelease ? selected : null}
              onSelect={select}
              onRelease={canRelease ? releaseOne : null}
              nowMs={seats.nowMs}
              busy={seats.loading}
            />
            <Pager
              page={query.page}
              pages={pages}
              total={data.total}
              limit={query.limit}
              onPage={(page) => setQuery((q) => ({ ...q, page }))}
              onLimit={(limit) => changeFilter({ limit })}
            />
          </>
        )}
      </section>
      <ConfirmDialog
        open={confirming !== null}
        title={confirming?.length === 1 ? 'Release this seat?' : `Release ${many(confirming?.length ?? 0, 'seat')}?`}
        confirmLabel={confirming?.length === 1 ? 'Release seat' : `Release ${many(confirming?.length ?? 0, 'seat')}`}
        danger
        busy={busy}
        onConfirm={() => void release()}
        onCancel={() => setConfirming(null)}
      >
        {confirming && <ReleaseSummary seats={confirming} />}
      </ConfirmDialog>
    </div>
  );
}

/** Whose seats a release takes, named up to a few. */
function ReleaseSummary({ seats }: { seats: SeatHolderView[] }) {
  const named = seats.slice(0, NAMED_IN_CONFIRM);
  return (
    <>
      <p>
        {seats.length === 1 ? 'This seat goes' : 'These seats go'} back to the pool. Each application loses its seat at
        its next heartbeat and may check out again.
      </p>
      <ul className="plain-list">
        {named.map((s) => (
          <li key={s.leaseId}>{holderName(s)}</li>
        ))}
        {seats.length > named.length && (
          <li className="muted">and {(seats.length - named.length).toLocaleString('en')} more</li>
        )}
      </ul>
    </>
  );
}
