import { useAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { Link } from '../browser.js';
import { Loading, PageHead } from '../components/Bits.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { useLoad, usePortal } from '../data.js';
import { shortId } from '../format.js';
import { pathOf } from '../routes.js';
import type { CustomerView, DeploymentView, EntitlementView, ServerView, UserView } from '../types.js';

/** Vendor staff: every customer, with what each holds; add a customer. */
export function CustomersPage() {
  const { customers, reloadCustomers } = usePortal();
  const entitlements = useLoad<EntitlementView[]>('/api/v1/entitlements');
  const servers = useLoad<ServerView[]>('/api/v1/servers');
  const deployments = useLoad<DeploymentView[]>('/api/v1/deployments');
  const users = useLoad<UserView[]>('/api/v1/users');
  const [notice, setNotice] = useState<(NoticeData & { customer?: CustomerView }) | null>(null);
  const [name, setName] = useState('');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));

  const count = <T extends { customerId: string | null }>(
    rows: T[] | undefined,
    id: string,
    keep?: (r: T) => boolean,
  ) => (rows ? rows.filter((r) => r.customerId === id && (!keep || keep(r))).length : '…');

  const add = async (e: FormEvent) => {
    e.preventDefault();
    await run('Add customer', async () => {
      const c = await api.post<CustomerView>('/api/v1/customers', { name: name.trim() });
      setNotice({ kind: 'ok', text: `Added customer ${c.name}.`, customer: c });
      setName('');
      await reloadCustomers();
    });
  };

  return (
    <div className="page">
      <PageHead title="Customers" sub="Companies that buy your licenses. Open one to give it entitlements and users." />
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {notice?.customer && (
        <p className="next-step">
          Next:{' '}
          <Link href={pathOf('customer', notice.customer.id)}>
            set up {notice.customer.name}: entitlements and a customer admin →
          </Link>
        </p>
      )}
      <div className="with-form">
        <section className="card" aria-labelledby="customers-title">
          <h2 id="customers-title">Customers</h2>
          {!customers ? (
            <Loading what="customers" />
          ) : customers.length === 0 ? (
            <p className="empty">No customer yet. Add the first one here.</p>
          ) : (
            <TableScroll label="Customers">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col" className="num">
                      Entitlements
                    </th>
                    <th scope="col" className="num">
                      Servers
                    </th>
                    <th scope="col" className="num" title="Active deployments">
                      Deployments
                    </th>
                    <th scope="col" className="num">
                      Users
                    </th>
                    <th scope="col">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {customers.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Link href={pathOf('customer', c.id)} className="strong">
                          {c.name}
                        </Link>
                        <div className="mono muted small" title={c.id}>
                          {shortId(c.id, 14)}
                        </div>
                      </td>
                      <td className="num">{count(entitlements.data, c.id)}</td>
                      <td className="num">{count(servers.data, c.id)}</td>
                      <td className="num">{count(deployments.data, c.id, (d) => d.status === 'active')}</td>
                      <td className="num">{count(users.data, c.id)}</td>
                      <td className="nowrap">
                        <LocalTime at={c.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </section>
        <form className="card" onSubmit={add} aria-labelledby="add-customer-title">
          <h2 id="add-customer-title">Add a customer</h2>
          <label className="field">
            <span>Company name</span>
            <input
              name="customerName"
              required
              maxLength={200}
              autoComplete="organization"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add customer'}
          </button>
          <p className="hint">
            Then give it entitlements (what it bought) and a customer admin, who signs in here to manage its servers,
            deployments and subscription credentials.
          </p>
        </form>
      </div>
    </div>
  );
}
