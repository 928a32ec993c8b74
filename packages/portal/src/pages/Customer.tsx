import { useState } from 'react';
import { at, query } from '../api.js';
import { Link } from '../browser.js';
import { Loading, PageHead } from '../components/Bits.js';
import { EntitlementsPanel } from '../components/Entitlements.js';
import { errorNotice, Notice } from '../components/Notice.js';
import { UsersPanel } from '../components/Users.js';
import { useLoad } from '../data.js';
import { pathOf } from '../routes.js';
import type { CustomerView } from '../types.js';

/** Vendor staff: one customer, set up in one place: entitlements, users, and links to the rest. */
export function CustomerPage({ id }: { id: string }) {
  const customer = useLoad<CustomerView>(at('/api/v1/customers', id));
  const [nowMs] = useState(() => Date.now());
  const c = customer.data;
  if (!c) {
    return (
      <div className="page">
        <PageHead title="Customer" />
        {customer.error ? (
          <Notice
            notice={errorNotice(customer.error, 'Loading the customer', customer.reload)}
            onClose={() => undefined}
          />
        ) : (
          <Loading what="the customer" />
        )}
      </div>
    );
  }
  const scoped = (page: 'servers' | 'deployments' | 'subscriptions' | 'flexible') =>
    `${pathOf(page)}${query({ customer: c.id })}`;
  return (
    <div className="page">
      <p className="crumbs">
        <Link href={pathOf('customers')}>Customers</Link> / {c.name}
      </p>
      <PageHead
        title={c.name}
        sub={
          <>
            <span className="mono">{c.id}</span> · subscription pool <span className="mono">{c.poolId}</span>
          </>
        }
      />
      <nav className="tabs-inline" aria-label={`${c.name}’s licensing`}>
        <Link href={scoped('servers')}>License Servers</Link>
        <Link href={scoped('deployments')}>Deployments</Link>
        <Link href={scoped('subscriptions')}>Subscriptions</Link>
        <Link href={scoped('flexible')}>Flexible</Link>
      </nav>
      <section aria-labelledby="cust-ent">
        <h2 id="cust-ent" className="section-title">
          Entitlements
        </h2>
        <EntitlementsPanel customerId={c.id} nowMs={nowMs} />
      </section>
      <section aria-labelledby="cust-users">
        <h2 id="cust-users" className="section-title">
          Users of {c.name}
        </h2>
        <UsersPanel customerId={c.id} />
      </section>
    </div>
  );
}
