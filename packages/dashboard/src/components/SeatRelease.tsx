import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { manyOf } from '../format.js';
import type { SeatHolderView } from '../types.js';
import { holderName } from './SeatsTable.js';

/** How many holders the release confirmation names before "and N more". */
const NAMED_IN_CONFIRM = 5;

export interface SeatToolbarProps {
  /** Manage or Admin: the selection and its Release button show. */
  canRelease: boolean;
  selectedCount: number;
  busy: boolean;
  /** Something to export: the filters match at least one lease. */
  canExport: boolean;
  onReleaseSelected: () => void;
  onClearSelection: () => void;
  onExport: () => void;
}

/** Above the table: how many are selected, Release selected, Clear selection, Export CSV. */
export function SeatToolbar(p: SeatToolbarProps) {
  return (
    <div className="seat-toolbar">
      {p.canRelease && (
        <>
          <span className="muted" aria-live="polite">
            {p.selectedCount === 0 ? 'None selected' : `${p.selectedCount.toLocaleString('en')} selected`}
          </span>
          <button
            type="button"
            className="danger"
            disabled={p.selectedCount === 0 || p.busy}
            onClick={p.onReleaseSelected}
          >
            Release selected
          </button>
          {p.selectedCount > 0 && (
            <button type="button" className="ghost" onClick={p.onClearSelection}>
              Clear selection
            </button>
          )}
        </>
      )}
      <button type="button" className="ghost export" disabled={p.busy || !p.canExport} onClick={p.onExport}>
        Export CSV
      </button>
    </div>
  );
}

/** Asks before releasing: one seat, or many, naming whose. */
export function ReleaseSeatsDialog(p: {
  seats: SeatHolderView[] | null;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const n = p.seats?.length ?? 0;
  return (
    <ConfirmDialog
      open={p.seats !== null}
      title={n === 1 ? 'Release this seat?' : `Release ${manyOf(n, 'seat')}?`}
      confirmLabel={n === 1 ? 'Release seat' : `Release ${manyOf(n, 'seat')}`}
      danger
      busy={p.busy}
      onConfirm={p.onConfirm}
      onCancel={p.onCancel}
    >
      {p.seats && <ReleaseSummary seats={p.seats} />}
    </ConfirmDialog>
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
