import { useAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { localTime, plural } from '@tessera/web-kit/format';
import { useEffect, useState } from 'react';
import { api, at, query } from '../api.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { poolTotals } from '../format.js';
import type { EnrollmentView, EntitlementView, FlexibleServerView } from '../types.js';
import { Loading } from './Bits.js';
import { Enrollment } from './Enrollment.js';
import { FormDialog } from './FormDialog.js';
import { errorNotice, Notice, type NoticeData } from './Notice.js';

/** What a clone flag means, in words. */
const FLAG_TEXT: Record<string, string> = {
  SEQUENCE_REUSED: 'a report number was sent twice with different content',
  FINGERPRINT_CHANGED: 'the server reported from different hardware',
};

/**
 * Flexible License Servers and their seats: an enrollment code for a new server, the servers
 * with their allocation per feature (changed in a dialog, effective at each server's next sync)
 * and their last sync. `customerId` null: vendor staff looking at every customer.
 */
export function FlexibleAllocations({ customerId, onChanged }: { customerId: string | null; onChanged: () => void }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const servers = useLoad<FlexibleServerView[]>(`/api/v1/flexible/servers${query({ customerId })}`);
  const pools = useLoad<EntitlementView[]>(`/api/v1/entitlements${query({ customerId, type: 'flexible' })}`);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [editing, setEditing] = useState<FlexibleServerView | null>(null);
  const codes = useLoad<EnrollmentView[]>(`/api/v1/enrollments${query({ customerId })}`);
  const [nowMs] = useState(() => Date.now());
  const showCustomer = isVendor && customerId === null;
  const reload = () => Promise.all([servers.reload(), pools.reload(), codes.reload()]);

  const saved = async (text: string) => {
    setEditing(null);
    setNotice({ kind: 'ok', text });
    await reload();
    onChanged();
  };

  const list = servers.data ?? [];
  return (
    <>
      <Notice
        notice={
          notice ??
          (servers.error
            ? errorNotice(servers.error, 'Loading servers', servers.reload)
            : pools.error
              ? errorNotice(pools.error, 'Loading pools', pools.reload)
              : null)
        }
        onClose={() => setNotice(null)}
      />
      <Enrollment customerId={customerId} codes={codes} servers={servers.data} />
      <section className="card" aria-labelledby="flex-servers" data-testid="flexible-servers">
        <div className="card-head">
          <h2 id="flex-servers">
            Flexible License Servers
            {servers.data && <span className="muted"> ({list.length})</span>}
          </h2>
          <button type="button" className="ghost small" onClick={() => void reload()}>
            Refresh
          </button>
        </div>
        {!servers.data ? (
          <Loading what="servers" />
        ) : list.length === 0 ? (
          <p className="empty">
            No flexible License Server yet. Make an enrollment code above and start the server with it: it appears here
            after its first sync.
          </p>
        ) : (
          <TableScroll label="Flexible License Servers">
            <table className="table flex-table">
              <thead>
                <tr>
                  <th scope="col">Server</th>
                  {showCustomer && <th scope="col">Customer</th>}
                  <th scope="col">Seats allocated</th>
                  <th scope="col">Last sync (local time)</th>
                  <th scope="col" className="num">
                    Sync / report no.
                  </th>
                  <th scope="col">Flags</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <ServerRow
                    key={s.id}
                    s={s}
                    customerName={showCustomer ? nameOf(s.customerId) : undefined}
                    nowMs={nowMs}
                    onChange={() => setEditing(s)}
                  />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <p className="hint">
          A server receives a new allocation at its next sync; its Dashboard’s <em>Resync Info</em> (or{' '}
          <code>tessera resync</code>) fetches it at once. Seats taken from a server come back to the pool at once.
        </p>
      </section>
      <AllocateDialog
        server={editing}
        pools={pools.data ?? []}
        nowMs={nowMs}
        onCancel={() => setEditing(null)}
        onSaved={(text) => void saved(text)}
      />
    </>
  );
}

function ServerRow({
  s,
  customerName,
  nowMs,
  onChange,
}: {
  s: FlexibleServerView;
  customerName: string | undefined;
  nowMs: number;
  onChange: () => void;
}) {
  const pending = s.features.some((f) => f.count !== f.delivered);
  const lapsed = s.sync.validUntil !== null && Date.parse(s.sync.validUntil) < nowMs;
  return (
    <tr data-server={s.id}>
      <td>
        <div className="strong">{s.hostName}</div>
        <div className="mono small muted wrap-id">{s.id}</div>
        <div className="small muted">
          {s.enrolledAt ? 'enrolled ' : 'registered '}
          <LocalTime at={s.enrolledAt ?? s.registeredAt} />
        </div>
      </td>
      {customerName !== undefined && <td>{customerName}</td>}
      <td>
        {s.features.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="alloc-list">
            {s.features.map((f) => (
              <li key={f.feature} data-feature={f.feature}>
                <span className="mono">{f.feature}</span>{' '}
                <strong className="num" data-field="count">
                  {f.count}
                </strong>
                {f.count !== f.delivered && (
                  <span className="small muted" data-field="delivered">
                    {' '}
                    (has {f.delivered} until its next sync)
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {pending && <span className="chip chip-warn">at next sync</span>}
      </td>
      <td className="nowrap" data-field="last-sync">
        {s.sync.lastSyncAt ? (
          <>
            <LocalTime at={s.sync.lastSyncAt} />
            {s.sync.validUntil && (
              <div className={lapsed ? 'small hint-bad' : 'small muted'}>
                {lapsed ? 'lapsed' : 'valid until'} <LocalTime at={s.sync.validUntil} />
              </div>
            )}
          </>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td className="num" data-field="counters">
        <span title="Syncs the Cloud sent this server">{s.sync.syncCounter}</span>
        {' / '}
        <span title="Highest report number received">{s.sync.lastSequence}</span>
      </td>
      <td data-field="flags">
        {s.flags.length === 0 ? (
          <span className="chip chip-ok">none</span>
        ) : (
          s.flags.map((f) => (
            <div key={f.kind}>
              <span
                className="chip chip-bad"
                title={`Last ${localTime(f.lastAt)}: ${FLAG_TEXT[f.kind] ?? f.kind}`}
              >{`Possible clone ×${f.count}`}</span>
              <div className="small muted">{FLAG_TEXT[f.kind] ?? f.kind}</div>
            </div>
          ))
        )}
      </td>
      <td className="row-action">
        <button type="button" className="small" onClick={onChange} aria-label={`Change seats on ${s.hostName}`}>
          Change seats
        </button>
      </td>
    </tr>
  );
}

/**
 * Seats per feature on one server. The limit shown is what is free in the customer's
 * flexible pools plus what this server holds; the Cloud checks again under its locks and
 * refuses more, changing nothing, and the dialog shows its answer in words.
 */
function AllocateDialog({
  server,
  pools,
  nowMs,
  onCancel,
  onSaved,
}: {
  server: FlexibleServerView | null;
  pools: readonly EntitlementView[];
  nowMs: number;
  onCancel: () => void;
  onSaved: (text: string) => void;
}) {
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  useEffect(() => {
    setNotice(null);
    setInputs(Object.fromEntries((server?.features ?? []).map((f) => [f.feature, String(f.count)])));
  }, [server]);

  const rows = server ? allocationRows(server, pools, nowMs) : [];

  const submit = async () => {
    if (!server) return;
    const features: { feature: string; count: number }[] = [];
    for (const r of rows) {
      const raw = (inputs[r.feature] ?? '').trim();
      const n = raw === '' ? 0 : Number(raw);
      if (!Number.isSafeInteger(n) || n < 0) {
        setNotice({ kind: 'error', text: `Seats of ${r.feature} must be a whole number, 0 or more.` });
        return;
      }
      features.push({ feature: r.feature, count: n });
    }
    await run('Change seats', async () => {
      await api.put(at('/api/v1/servers', server.id, '/allocations'), { features });
      const text = features
        .filter((f) => f.count > 0)
        .map((f) => `${f.feature} ${f.count}`)
        .join(', ');
      onSaved(
        `Saved: ${server.hostName} gets ${text || 'no seats'} at its next sync (Resync Info on its Dashboard fetches it now).`,
      );
    });
  };

  return (
    <FormDialog
      open={server !== null}
      title={server ? `Seats on ${server.hostName}` : 'Seats'}
      submitLabel="Save seats"
      busy={busy}
      notice={notice}
      onDismissNotice={() => setNotice(null)}
      onSubmit={() => void submit()}
      onCancel={onCancel}
    >
      {server && (
        <>
          <p className="muted small mono">{server.id}</p>
          {rows.length === 0 ? (
            <p className="empty">The customer holds no flexible entitlement: add one on the Entitlements page.</p>
          ) : (
            <AllocationTable rows={rows} inputs={inputs} onChange={setInputs} />
          )}
          <p className="hint">
            Features left at 0 are taken off this server. Most possible: seats free in the customer’s flexible pool plus
            those this server holds.
          </p>
        </>
      )}
    </FormDialog>
  );
}

/** One feature in the allocation dialog: seats here now, the most this server may have, and its pool. */
interface AllocationRow {
  feature: string;
  here: number;
  /** Free in the customer's flexible pool plus what this server holds. */
  free: number;
  /** The pool's seats. */
  count: number;
}

/** Every feature of the customer's flexible pools, and any the server holds outside them. */
function allocationRows(server: FlexibleServerView, pools: readonly EntitlementView[], nowMs: number): AllocationRow[] {
  const totals = poolTotals(
    pools.filter((e) => e.customerId === server.customerId),
    nowMs,
  );
  return [
    ...totals.map((t) => t.feature),
    ...server.features.map((f) => f.feature).filter((f) => !totals.some((t) => t.feature === f)),
  ].map((feature) => {
    const here = server.features.find((f) => f.feature === feature)?.count ?? 0;
    const pool = totals.find((t) => t.feature === feature);
    return { feature, here, free: (pool?.available ?? 0) + here, count: pool?.count ?? 0 };
  });
}

/** The seats per feature as inputs, each warning when it asks for more than is free. */
function AllocationTable({
  rows,
  inputs,
  onChange,
}: {
  rows: AllocationRow[];
  inputs: Record<string, string>;
  onChange: (inputs: Record<string, string>) => void;
}) {
  return (
    <TableScroll label="Seats per server">
      <table className="table seats-table">
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col" className="num">
              Here now
            </th>
            <th scope="col" className="num">
              Most possible
            </th>
            <th scope="col">Seats</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const raw = inputs[r.feature] ?? '';
            const over = raw.trim() !== '' && Number(raw) > r.free;
            const hintId = `alloc-hint-${r.feature}`;
            return (
              <tr key={r.feature} data-feature={r.feature}>
                <th scope="row" className="mono strong">
                  {r.feature}
                </th>
                <td className="num">{r.here}</td>
                <td className="num" title={`${r.count} in the customer's flexible pool`}>
                  {r.free}
                </td>
                <td>
                  <input
                    className="count-input"
                    type="number"
                    min={0}
                    step={1}
                    inputMode="numeric"
                    aria-label={`Seats of ${r.feature}`}
                    aria-describedby={over ? hintId : undefined}
                    placeholder="0"
                    value={raw}
                    onChange={(e) => onChange({ ...inputs, [r.feature]: e.target.value })}
                  />
                  {over && (
                    <div id={hintId} className="hint hint-bad">
                      Only {plural(r.free, 'seat')} free for this server: the Cloud will refuse more.
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}
