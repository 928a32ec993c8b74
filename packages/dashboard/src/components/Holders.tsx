import { useAction } from '@tessera/web-kit/action';
import { api } from '@tessera/web-kit/api';
import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { plural } from '@tessera/web-kit/format';
import { useEffect, useState } from 'react';
import { duration } from '../format.js';
import type { LeaseView } from '../types.js';
import { errorNotice, type NoticeData } from './Notice.js';

const PAGE = 100;

export interface HoldersProps {
  licenseId: string;
  feature: string;
  canRelease: boolean;
  /** Changes when the server reports a change, to fetch again. */
  version: number;
  nowMs: number;
  onNotice: (n: NoticeData) => void;
}

/** Who holds seats of one feature of one license, with a Release button for Manage and Admin. */
export function Holders(p: HoldersProps) {
  const [leases, setLeases] = useState<LeaseView[] | null>(null);
  const [shown, setShown] = useState(PAGE);
  const [releasing, setReleasing] = useState<LeaseView | null>(null);
  const [reload, setReload] = useState(0);
  const { busy, run } = useAction((err, what) => {
    setReleasing(null);
    p.onNotice(errorNotice(err, what));
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: version and reload are refetch triggers
  useEffect(() => {
    let current = true;
    api.get<{ leases: LeaseView[] }>(`/api/v1/leases?feature=${encodeURIComponent(p.feature)}`).then(
      (r) => {
        if (current) setLeases(r.leases.filter((l) => l.licenseId === p.licenseId));
      },
      (err) => {
        if (current) p.onNotice(errorNotice(err, 'Loading the seat holders', () => setReload((n) => n + 1)));
      },
    );
    return () => {
      current = false;
    };
  }, [p.licenseId, p.feature, p.version, reload]);

  const release = async () => {
    if (!releasing) return;
    await run('Release', async () => {
      await api.del(`/api/v1/leases/${encodeURIComponent(releasing.leaseId)}`);
      p.onNotice({
        kind: 'ok',
        text: `Released the seat held by ${releasing.clientId}${releasing.host ? ` on ${releasing.host}` : ''}. The application hears so at its next heartbeat.`,
      });
      setReleasing(null);
      setReload((n) => n + 1);
    });
  };

  const headingId = `holders-${p.licenseId}-${p.feature}`;
  return (
    <section className="card holders" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Who holds <span className="mono">{p.feature}</span>
        <span className="sub"> from {p.licenseId}</span>
      </h2>
      {leases === null ? (
        <p className="muted">Loading…</p>
      ) : leases.length === 0 ? (
        <p className="muted">No seat of this feature is in use.</p>
      ) : (
        <>
          <p className="sub">
            {plural(
              leases.reduce((n, l) => n + l.count, 0),
              'seat',
            )}{' '}
            held by {plural(leases.length, 'lease')}.
          </p>
          <div className="table-scroll">
            <TableScroll label="Seat holders">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Client id</th>
                    <th scope="col">Host</th>
                    <th scope="col">Application</th>
                    <th scope="col">Since</th>
                    <th scope="col" className="num">
                      Seats
                    </th>
                    {p.canRelease && (
                      <th scope="col">
                        <span className="visually-hidden">Action</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {leases.slice(0, shown).map((l) => (
                    <HolderRow
                      key={l.leaseId}
                      lease={l}
                      nowMs={p.nowMs}
                      onRelease={p.canRelease ? () => setReleasing(l) : undefined}
                    />
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </div>
          {leases.length > shown && (
            <button type="button" className="ghost" onClick={() => setShown((n) => n + PAGE * 10)}>
              Show more ({leases.length - shown} not shown)
            </button>
          )}
        </>
      )}
      <ConfirmDialog
        open={releasing !== null}
        title="Release this seat?"
        confirmLabel="Release seat"
        busy={busy}
        onConfirm={() => void release()}
        onCancel={() => setReleasing(null)}
      >
        {releasing && (
          <p>
            The seat held by <strong>{releasing.clientId}</strong>
            {releasing.host && <> on {releasing.host}</>}
            {releasing.app && <> ({releasing.app})</>} goes back to the pool. The application loses it at its next
            heartbeat and may check out again.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}

/** One lease: who holds it, since when, how many seats; a Release button when the user may release it. */
function HolderRow({
  lease: l,
  nowMs,
  onRelease,
}: {
  lease: LeaseView;
  nowMs: number;
  onRelease?: (() => void) | undefined;
}) {
  return (
    <tr>
      <td className="mono">{l.clientId}</td>
      <td>{l.host ?? <span className="muted">—</span>}</td>
      <td>
        {l.app ?? <span className="muted">—</span>}
        {l.version && <span className="muted"> {l.version}</span>}
      </td>
      <td>
        <LocalTime at={l.since} /> <span className="muted">({duration(nowMs - Date.parse(l.since))})</span>
      </td>
      <td className="num">{l.count}</td>
      {onRelease && (
        <td className="row-action">
          <button
            type="button"
            className="small"
            aria-label={`Release the seat held by ${l.clientId}${l.host ? ` on ${l.host}` : ''}`}
            onClick={onRelease}
          >
            Release
          </button>
        </td>
      )}
    </tr>
  );
}
