import { useAction } from '@tessera/web-kit/action';
import { api } from '@tessera/web-kit/api';
import { downloadText } from '@tessera/web-kit/files';
import { useCallback, useState } from 'react';
import { LiveBadge } from '../components/LiveBadge.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { Pager } from '../components/Pager.js';
import { SeatFilters } from '../components/SeatFilters.js';
import { ReleaseSeatsDialog, SeatToolbar } from '../components/SeatRelease.js';
import { SeatsTable } from '../components/SeatsTable.js';
import { manyOf } from '../format.js';
import { useFeatureNames, useSeatSelection } from '../hooks/useSeatSelection.js';
import { useSeats } from '../hooks/useSeats.js';
import { useServerEvents } from '../live.js';
import { roleAtLeast } from '../routes.js';
import { exportUrl, pageCount, releasedText, type SeatsQuery, type SortKey, sortBy, withFilter } from '../seats.js';
import type { SeatHolderView, SeatsReleased, SessionView } from '../types.js';

/**
 * Every seat held on this server, across licenses and features: sorted, filtered and paged by the
 * server, live, with release of one or many (Manage) and a CSV export of what the filters match.
 */
export function SessionsPage({ session }: { session: SessionView }) {
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const seats = useSeats(setNotice);
  const { query, setQuery, data } = seats;
  const canRelease = roleAtLeast(session.role, 'manage');
  const { selected, select, drop, clear } = useSeatSelection();
  const [confirming, setConfirming] = useState<SeatHolderView[] | null>(null);
  const features = useFeatureNames();
  const { busy, run } = useAction((err, what) => {
    setConfirming(null);
    setNotice(errorNotice(err, what));
  });
  const live = useServerEvents((kinds) => {
    if (kinds.length === 0 || kinds.some((k) => k === 'leases' || k === 'licenses' || k === 'reconnect'))
      seats.refresh();
  });

  const changeFilter = useCallback(
    (change: Partial<Pick<SeatsQuery, 'feature' | 'user' | 'host' | 'search' | 'limit'>>) =>
      setQuery((q) => withFilter(q, change)),
    [setQuery],
  );
  // Stable, so the table (memo) renders again only when its rows, sort, selection or loading change.
  const sort = useCallback((key: SortKey) => setQuery((q) => sortBy(q, key)), [setQuery]);
  const releaseOne = useCallback((s: SeatHolderView) => setConfirming([s]), []);

  const release = async () => {
    if (!confirming) return;
    const ids = confirming.map((s) => s.leaseId);
    await run('Release', async () => {
      const r = await api.post<SeatsReleased>('/api/v1/seats/release', { leaseIds: ids });
      drop(ids);
      setConfirming(null);
      setNotice({ kind: 'ok', text: releasedText(r) });
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
                ? `${manyOf(data.total, 'lease')} ${data.total === 1 ? 'matches' : 'match'} the filters.`
                : `${manyOf(data.total, 'lease')} held on this server, across licenses and features.`}
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
        <SeatToolbar
          canRelease={canRelease}
          selectedCount={selected.size}
          busy={busy}
          canExport={(data?.total ?? 0) > 0}
          onReleaseSelected={() => setConfirming([...selected.values()])}
          onClearSelection={clear}
          onExport={exportCsv}
        />
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
              page={data.page}
              pages={pages}
              total={data.total}
              limit={data.limit}
              onPage={(page) => setQuery((q) => ({ ...q, page }))}
              onLimit={(limit) => changeFilter({ limit })}
            />
          </>
        )}
      </section>
      <ReleaseSeatsDialog
        seats={confirming}
        busy={busy}
        onConfirm={() => void release()}
        onCancel={() => setConfirming(null)}
      />
    </div>
  );
}
