import { useAction } from '@tessera/web-kit/action';
import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { CopyButton } from '@tessera/web-kit/components/CopyButton';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { downloadText } from '@tessera/web-kit/files';
import { type FormEvent, useState } from 'react';
import { api, at, query } from '../api.js';
import { setQueryParam, useLocation } from '../browser.js';
import { Empty, Loading, Meter, PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { type Loaded, useCustomerName, useLoad, usePortal } from '../data.js';
import { scopeOf } from '../scope.js';
import type { AccountView, NewAccountView, SubscriptionUsage } from '../types.js';

/**
 * Subscription licensing: seats served by the Cloud's licensing nodes. Credentials for client
 * applications (the secret and a ready client_property.conf, shown once), and seats in use.
 */
export function SubscriptionsPage() {
  const { session, isVendor } = usePortal();
  const nameOf = useCustomerName();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  return (
    <div className="page">
      <PageHead
        title="Subscriptions"
        sub="Seats served by the Cloud’s licensing nodes: applications check them out with subscription credentials, and no License Server is needed."
      >
        <CustomerPicker
          value={isVendor ? customerId : null}
          allowAll={false}
          onChange={(id) => setQueryParam('customer', id)}
        />
      </PageHead>
      {customerId === null ? (
        <Empty>Choose a customer (top right) to see its subscription seats and credentials.</Empty>
      ) : (
        <SubscriptionsOf key={customerId} customerId={customerId} customerName={nameOf(customerId)} />
      )}
    </div>
  );
}

function SubscriptionsOf({ customerId, customerName }: { customerId: string; customerName: string }) {
  const { isVendor } = usePortal();
  const usage = useLoad<SubscriptionUsage>(at('/api/v1/customers', customerId, '/subscription'));
  const accounts = useLoad<AccountView[]>(`/api/v1/accounts${query({ customerId })}`);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [label, setLabel] = useState('');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [created, setCreated] = useState<NewAccountView | null>(null);
  const [disabling, setDisabling] = useState<AccountView | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    await run('Create credentials', async () => {
      const a = await api.post<NewAccountView>('/api/v1/accounts', {
        ...(isVendor ? { customerId } : {}),
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      setCreated(a);
      setLabel('');
      setNotice(null);
      await accounts.reload();
    });
  };

  const disable = async () => {
    const a = disabling;
    if (!a) return;
    await run('Disable credentials', async () => {
      try {
        await api.del(at('/api/v1/accounts', a.id));
        setNotice({ kind: 'ok', text: `Disabled ${a.id}: applications using it can no longer check out seats.` });
        await accounts.reload();
      } finally {
        setDisabling(null);
      }
    });
  };

  const live = accounts.data?.filter((a) => a.disabledAt === null) ?? [];
  return (
    <>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {created && <NewCredentials created={created} onClose={() => setCreated(null)} />}
      <div className="two-col">
        <SeatsInUse usage={usage} holder={isVendor ? `${customerName} holds` : 'You hold'} />
        <section className="card" aria-labelledby="accounts-title">
          <h2 id="accounts-title">Credentials</h2>
          <form onSubmit={create} className="inline-form" aria-label="Create credentials">
            <label className="field grow">
              <span>Label (optional)</span>
              <input
                name="accountLabel"
                maxLength={100}
                placeholder="e.g. call-center production"
                value={label}
                onChange={(e) => setLabel(e.target.value)}
              />
            </label>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create credentials'}
            </button>
          </form>
          <AccountsTable accounts={accounts.data} onDisable={setDisabling} />
          <p className="hint">{live.length} in use. A secret is never shown again: make new credentials instead.</p>
        </section>
      </div>
      <ConfirmDialog
        open={disabling !== null}
        title="Disable these credentials?"
        confirmLabel="Disable"
        danger
        busy={busy}
        onConfirm={() => void disable()}
        onCancel={() => setDisabling(null)}
      >
        <p>
          Applications using <span className="mono">{disabling?.id}</span> can no longer check out seats. This cannot be
          undone; make new credentials for them instead.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** The credentials just made: the secret, shown this once, and the client_property.conf that carries it. */
function NewCredentials({ created, onClose }: { created: NewAccountView; onClose: () => void }) {
  return (
    <section className="card secret-card" aria-labelledby="created-title">
      <div className="secret-head">
        <h2 id="created-title">New credentials: {created.id}</h2>
        <button type="button" className="icon-button" aria-label="Close the new credentials" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="warning-line">
        The secret is shown <strong>only now</strong>: the Cloud keeps just its hash. Copy it or download the
        configuration before you leave this page.
      </p>
      <dl className="facts">
        <dt>User name (account id)</dt>
        <dd className="mono" data-testid="account-username">
          {created.username}
        </dd>
        <dt>Secret</dt>
        <dd className="secret-line">
          <code data-testid="account-secret">{created.password}</code>
          <CopyButton text={created.password} label="Copy the secret" />
        </dd>
      </dl>
      <div className="conf-head">
        <h3 id="conf-title">client_property.conf</h3>
        <div className="conf-buttons">
          <CopyButton text={created.clientConfig} label="Copy client_property.conf" />
          <button
            type="button"
            className="small"
            onClick={() => downloadText('client_property.conf', created.clientConfig)}
          >
            Download
          </button>
        </div>
      </div>
      <pre className="conf" data-testid="client-config">
        {created.clientConfig}
      </pre>
      <p className="hint">
        Put this file beside your application (or where it reads its configuration). It lists every licensing node, so
        the application fails over from one to the next by itself.
      </p>
    </section>
  );
}

/** The customer's subscription seats in use, per feature, and who holds them. */
function SeatsInUse({ usage, holder }: { usage: Loaded<SubscriptionUsage>; holder: string }) {
  return (
    <section className="card" aria-labelledby="seats-title">
      <div className="card-head">
        <h2 id="seats-title">Seats in use</h2>
        <button type="button" className="ghost small" onClick={() => void usage.reload()}>
          Refresh
        </button>
      </div>
      {usage.error && (
        <Notice notice={errorNotice(usage.error, 'Loading seats', usage.reload)} onClose={() => undefined} />
      )}
      {!usage.data ? (
        <Loading what="seats" />
      ) : usage.data.features.length === 0 ? (
        <p className="empty">{holder} no subscription entitlement yet.</p>
      ) : (
        <div className="pool-grid">
          {usage.data.features.map((f) => (
            <div key={f.feature} className="pool" data-subscription={f.feature}>
              <div className="pool-name mono">{f.feature}</div>
              <Meter used={f.inUse} count={f.total} label={`Subscription ${f.feature} seats in use`} />
            </div>
          ))}
        </div>
      )}
      {usage.data && usage.data.holders.length > 0 && (
        <>
          <h3>Who holds them</h3>
          <TableScroll label="Subscription seats">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col">Client</th>
                  <th scope="col">Host</th>
                  <th scope="col">Application</th>
                  <th scope="col" className="num">
                    Seats
                  </th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {usage.data.holders.map((h) => (
                  <tr key={`${h.accountId}:${h.clientId}:${h.since}:${h.feature}`}>
                    <td className="mono">{h.feature}</td>
                    <td>{h.clientId}</td>
                    <td>{h.host ?? '—'}</td>
                    <td>{[h.app, h.version].filter(Boolean).join(' ') || '—'}</td>
                    <td className="num">{h.count}</td>
                    <td className="nowrap">
                      <LocalTime at={h.since} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
      {usage.data && <p className="hint">Pool {usage.data.poolId}: every licensing node serves the same seats.</p>}
    </section>
  );
}

/** The customer's credentials; a live one can be disabled. */
function AccountsTable({
  accounts,
  onDisable,
}: {
  /** Undefined while loading. */
  accounts: AccountView[] | undefined;
  onDisable: (a: AccountView) => void;
}) {
  return !accounts ? (
    <Loading what="credentials" />
  ) : accounts.length === 0 ? (
    <p className="empty">No credentials yet. Create one per application or site.</p>
  ) : (
    <TableScroll label="Subscriptions">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Status</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.id} data-account={a.id}>
              <td>
                <div className="mono small wrap-id">{a.id}</div>
                {a.label && <div className="muted small">{a.label}</div>}
              </td>
              <td className="nowrap">
                <LocalTime at={a.createdAt} />
              </td>
              <td className="row-action">
                {a.disabledAt ? (
                  <span className="chip">disabled</span>
                ) : (
                  <button type="button" className="small" aria-label={`Disable ${a.id}`} onClick={() => onDisable(a)}>
                    Disable
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
