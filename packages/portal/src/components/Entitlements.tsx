import { useAction } from '@tessera/web-kit/action';

/**
 * A customer's entitlements as seat pools (used / available per entitlement, by type), and
 * for vendor staff the forms that add one or change its count and dates.
 */

import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { plural } from '@tessera/web-kit/format';
import { type FormEvent, useId, useState } from 'react';
import { api, at, query } from '../api.js';
import { Link } from '../browser.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { shortId, TYPE_NAMES } from '../format.js';
import { pathOf } from '../routes.js';
import type { EntitlementChangeResult, EntitlementType, EntitlementView, FeatureView } from '../types.js';
import { DateText, Empty, Loading, Meter } from './Bits.js';
import { CustomerField } from './CustomerPicker.js';
import { FormDialog } from './FormDialog.js';
import { errorNotice, Notice, type NoticeData } from './Notice.js';

const TYPE_TEXT: Record<EntitlementType, string> = {
  perpetual: 'Deployed as license files to License Servers. Seats come back with an uninstall certificate.',
  subscription: 'Served by the Cloud’s licensing nodes to applications with subscription credentials.',
  flexible: 'Allocated to flexible License Servers, which sync with the Cloud.',
};
const TYPES: EntitlementType[] = ['perpetual', 'subscription', 'flexible'];

export function EntitlementsPanel({ customerId, nowMs }: { customerId: string | null; nowMs: number }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const list = useLoad<EntitlementView[]>(`/api/v1/entitlements${query({ customerId })}`);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [changing, setChanging] = useState<EntitlementView | null>(null);
  const showCustomer = isVendor && customerId === null;

  return (
    <div className="entitlements">
      <Notice
        notice={notice ?? (list.error ? errorNotice(list.error, 'Loading entitlements', list.reload) : null)}
        onClose={() => setNotice(null)}
      />
      <div className={isVendor ? 'with-form' : ''}>
        <div>
          {!list.data ? (
            <Loading what="entitlements" />
          ) : list.data.length === 0 ? (
            <Empty>
              <strong>No entitlement yet.</strong>{' '}
              {isVendor
                ? 'Add what the customer bought: a feature, a number of seats, and its dates.'
                : 'When you buy licenses, your vendor adds them here.'}
            </Empty>
          ) : (
            TYPES.filter((t) => list.data?.some((e) => e.type === t)).map((t) => (
              <EntitlementPool
                key={t}
                type={t}
                entitlements={(list.data ?? []).filter((e) => e.type === t)}
                nowMs={nowMs}
                customerOf={showCustomer ? nameOf : null}
                onChange={isVendor ? setChanging : null}
              />
            ))
          )}
        </div>
        {isVendor && (
          <AddEntitlement
            customerId={customerId}
            onAdded={async (e) => {
              setNotice({
                kind: 'ok',
                text: `Added ${plural(e.count, 'seat')} of ${e.feature} (${e.type}) for ${nameOf(e.customerId)}.`,
              });
              await list.reload();
            }}
          />
        )}
      </div>
      {isVendor && (
        <ChangeEntitlement
          entitlement={changing}
          onClose={() => setChanging(null)}
          onChanged={async (r) => {
            setChanging(null);
            setNotice({ kind: 'ok', text: changeSummary(r) });
            await list.reload();
          }}
        />
      )}
    </div>
  );
}

/** The entitlements of one type, with seats used; vendor staff may change each. */
function EntitlementPool({
  type,
  entitlements,
  nowMs,
  customerOf,
  onChange,
}: {
  type: EntitlementType;
  entitlements: EntitlementView[];
  nowMs: number;
  /** Names the customer in a column of its own; null when one customer is shown. */
  customerOf: ((customerId: string) => string) | null;
  /** Opens the change dialog; null for a customer's users, who cannot change entitlements. */
  onChange: ((e: EntitlementView) => void) | null;
}) {
  return (
    <section className="card pool-card" aria-labelledby={`pool-${type}`}>
      <h2 id={`pool-${type}`}>
        {TYPE_NAMES[type]} <span className="sub">{TYPE_TEXT[type]}</span>
      </h2>
      <TableScroll label="Entitlements">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              {customerOf && <th scope="col">Customer</th>}
              <th scope="col">Seats</th>
              <th scope="col">Maintenance until</th>
              <th scope="col">Expires</th>
              {onChange && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {entitlements.map((e) => (
              <tr key={e.id} data-entitlement={e.id}>
                <td>
                  <div className="mono strong">{e.feature}</div>
                  <div className="mono muted small" title={e.id}>
                    {shortId(e.id)}
                  </div>
                </td>
                {customerOf && (
                  <td>
                    <Link href={pathOf('customer', e.customerId)}>{customerOf(e.customerId)}</Link>
                  </td>
                )}
                <td className="meter-cell">
                  <Meter
                    used={e.used}
                    count={e.count}
                    label={`${e.feature} seats of ${e.id}`}
                    testId={`pool-${e.id}`}
                  />
                </td>
                <td>
                  <DateText date={e.maintenanceUntil} nowMs={nowMs} none="no limit" />
                </td>
                <td>
                  <DateText date={e.expires} nowMs={nowMs} none="never" />
                </td>
                {onChange && (
                  <td className="row-action">
                    <button
                      type="button"
                      className="small"
                      aria-label={`Change ${e.feature} entitlement ${e.id}`}
                      onClick={() => onChange(e)}
                    >
                      Change
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

export function changeSummary(r: EntitlementChangeResult): string {
  const parts = [
    `Changed ${r.feature} entitlement ${r.id}: ${r.count} seats, maintenance until ${r.maintenanceUntil ?? 'no limit'}, expires ${r.expires ?? 'never'}.`,
  ];
  if (r.reissued.length > 0) {
    parts.push(
      `Re-issued ${r.reissued.map((x) => `${x.licenseId} as revision ${x.revision}`).join(', ')}: the renewed license file is ready to download under Deployments.`,
    );
  }
  if (r.revokedLeases > 0) parts.push(`${plural(r.revokedLeases, 'subscription lease')} lost their seats.`);
  return parts.join(' ');
}

function AddEntitlement({
  customerId,
  onAdded,
}: {
  customerId: string | null;
  onAdded: (e: EntitlementView) => Promise<void>;
}) {
  const features = useLoad<FeatureView[]>('/api/v1/features');
  const [customer, setCustomer] = useState('');
  const [type, setType] = useState<EntitlementType>('perpetual');
  const [feature, setFeature] = useState('');
  const [count, setCount] = useState('');
  const [maintenance, setMaintenance] = useState('');
  const [expires, setExpires] = useState('');
  const [termDays, setTermDays] = useState('');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const ids = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run('Add entitlement', async () => {
      const body = {
        customerId: customerId ?? customer,
        type,
        feature,
        count: Number(count),
        ...(maintenance ? { maintenanceUntil: maintenance } : {}),
        ...(expires ? { expires } : {}),
        ...(termDays ? { termDays: Number(termDays) } : {}),
      };
      const added = await api.post<EntitlementView>('/api/v1/entitlements', body);
      setNotice(null);
      setCount('');
      setMaintenance('');
      setExpires('');
      setTermDays('');
      await onAdded(added);
    });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Add an entitlement</h2>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {customerId === null && <CustomerField name="entCustomer" value={customer} onChange={setCustomer} />}
      <fieldset className="field">
        <legend>Type</legend>
        <div className="segmented">
          {TYPES.map((t) => (
            <label key={t} className={type === t ? 'seg on' : 'seg'}>
              <input type="radio" name="entType" value={t} checked={type === t} onChange={() => setType(t)} />
              {TYPE_NAMES[t]}
            </label>
          ))}
        </div>
      </fieldset>
      <FeatureSeatsFields
        features={features.data}
        feature={feature}
        onFeature={setFeature}
        count={count}
        onCount={setCount}
      />
      <label className="field">
        <span>Maintenance until</span>
        <input
          name="entMaintenance"
          type="date"
          value={maintenance}
          aria-describedby={`${ids}-maint`}
          onChange={(e) => setMaintenance(e.target.value)}
        />
        <small id={`${ids}-maint`} className="hint">
          Software released after this day is not covered. Empty: no limit.
        </small>
      </label>
      <div className="field-row">
        <label className="field grow">
          <span>Expires on</span>
          <input name="entExpires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
        <span className="or">or</span>
        <label className="field grow">
          <span>Term (days)</span>
          <input
            name="entTerm"
            type="number"
            min={1}
            max={36600}
            step={1}
            inputMode="numeric"
            value={termDays}
            onChange={(e) => setTermDays(e.target.value)}
          />
        </label>
      </div>
      <p className="hint">The last valid day, or a term counted from today. Both empty: the seats never expire.</p>
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add entitlement'}
        </button>
      </div>
    </form>
  );
}

/** The feature, from the catalog, and its seat count; an empty catalog says where to add features. */
function FeatureSeatsFields({
  features,
  feature,
  onFeature,
  count,
  onCount,
}: {
  /** The catalog; undefined while loading. */
  features: FeatureView[] | undefined;
  feature: string;
  onFeature: (name: string) => void;
  count: string;
  onCount: (count: string) => void;
}) {
  const noFeatures = features !== undefined && features.length === 0;
  return (
    <>
      <div className="field-row">
        <label className="field grow">
          <span>Feature</span>
          <select name="entFeature" required value={feature} onChange={(e) => onFeature(e.target.value)}>
            <option value="">Choose a feature…</option>
            {(features ?? []).map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
                {f.description ? ` — ${f.description}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field narrow-field">
          <span>Seats</span>
          <input
            name="entCount"
            type="number"
            required
            min={1}
            step={1}
            inputMode="numeric"
            value={count}
            onChange={(e) => onCount(e.target.value)}
          />
        </label>
      </div>
      {noFeatures && (
        <p className="hint hint-bad">
          The catalog is empty: <Link href={pathOf('catalog')}>add a feature</Link> first.
        </p>
      )}
    </>
  );
}

/** Vendor staff: count and dates of an entitlement. New dates re-issue the deployments drawing on it. */
export function ChangeEntitlement({
  entitlement,
  onClose,
  onChanged,
}: {
  entitlement: EntitlementView | null;
  onClose: () => void;
  onChanged: (r: EntitlementChangeResult) => Promise<void>;
}) {
  const [form, setForm] = useState<{ id: string; count: string; maintenance: string; expires: string } | null>(null);
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const e = entitlement;
  if (e && form?.id !== e.id) {
    setForm({ id: e.id, count: String(e.count), maintenance: e.maintenanceUntil ?? '', expires: e.expires ?? '' });
    setNotice(null);
  }
  const submit = async () => {
    if (!e || !form) return;
    const change: Record<string, unknown> = {};
    if (Number(form.count) !== e.count) change.count = Number(form.count);
    if ((form.maintenance || null) !== e.maintenanceUntil) change.maintenanceUntil = form.maintenance || null;
    if ((form.expires || null) !== e.expires) change.expires = form.expires || null;
    if (Object.keys(change).length === 0) {
      setNotice({ kind: 'error', text: 'Nothing changed: edit the count or a date first.' });
      return;
    }
    await run('Change entitlement', async () => {
      const r = await api.patch<EntitlementChangeResult>(at('/api/v1/entitlements', e.id), change);
      setForm(null);
      await onChanged(r);
    });
  };
  return (
    <FormDialog
      open={e !== null}
      title={e ? `Change ${e.feature} (${e.type})` : 'Change entitlement'}
      submitLabel="Save changes"
      busy={busy}
      notice={notice}
      onDismissNotice={() => setNotice(null)}
      onSubmit={() => void submit()}
      onCancel={() => {
        setForm(null);
        onClose();
      }}
    >
      {e && form && (
        <>
          <p className="muted small mono">{e.id}</p>
          <label className="field">
            <span>Seats</span>
            <input
              name="changeCount"
              type="number"
              min={1}
              step={1}
              required
              value={form.count}
              onChange={(ev) => setForm({ ...form, count: ev.target.value })}
            />
          </label>
          <label className="field">
            <span>Maintenance until</span>
            <input
              name="changeMaintenance"
              type="date"
              value={form.maintenance}
              onChange={(ev) => setForm({ ...form, maintenance: ev.target.value })}
            />
          </label>
          <label className="field">
            <span>Expires on</span>
            <input
              name="changeExpires"
              type="date"
              value={form.expires}
              onChange={(ev) => setForm({ ...form, expires: ev.target.value })}
            />
          </label>
          {e.type === 'perpetual' && (
            <p className="hint">
              New dates re-issue every active deployment drawing on this entitlement as its next revision, for the
              License Server’s Renew License.
            </p>
          )}
          {e.type === 'subscription' && (
            <p className="hint">A new count applies to the next checkout on every licensing node.</p>
          )}
        </>
      )}
    </FormDialog>
  );
}
