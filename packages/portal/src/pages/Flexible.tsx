import { useState } from 'react';
import { query } from '../api.js';
import { Link, setQueryParam, useLocation } from '../browser.js';
import { Loading, Meter, PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { FlexibleAllocations } from '../components/FlexibleServers.js';
import { FlexibleUsage } from '../components/FlexibleUsage.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { poolTotals } from '../format.js';
import { pathOf } from '../routes.js';
import { scopeOf } from '../scope.js';
import type { EntitlementView } from '../types.js';

type View = 'servers' | 'usage';

/**
 * Flexible licensing: the customer's flexible pools, its License Servers with their seats and
 * last sync (enrollment codes for new ones), and the usage they report. Two views of one page,
 * chosen in the address (`?view=usage`), so each can be linked to.
 */
export function FlexiblePage() {
  const { session, isVendor } = usePortal();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  const view: View = search.get('view') === 'usage' ? 'usage' : 'servers';
  const tab = (v: View) => {
    const q = new URLSearchParams(search);
    if (v === 'servers') q.delete('view');
    else q.set('view', v);
    q.delete('server');
    const s = q.toString();
    return `${pathOf('flexible')}${s ? `?${s}` : ''}`;
  };
  return (
    <div className="page">
      <PageHead
        title="Flexible"
        sub="Seats a flexible License Server receives at each sync with the Cloud: no files to carry, changes with one click."
      >
        <CustomerPicker
          value={isVendor ? customerId : null}
          onChange={(id) => {
            setQueryParam('server', null);
            setQueryParam('customer', id);
          }}
        />
      </PageHead>
      <nav className="tabs-inline" aria-label="Flexible licensing views">
        <Link href={tab('servers')} aria-current={view === 'servers' ? 'page' : undefined}>
          Servers and seats
        </Link>
        <Link href={tab('usage')} aria-current={view === 'usage' ? 'page' : undefined}>
          Usage
        </Link>
      </nav>
      {view === 'servers' ? (
        <ServersView key={customerId ?? 'all'} customerId={customerId} />
      ) : (
        <FlexibleUsage key={customerId ?? 'all'} customerId={customerId} />
      )}
    </div>
  );
}

function ServersView({ customerId }: { customerId: string | null }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const pools = useLoad<EntitlementView[]>(`/api/v1/entitlements${query({ customerId, type: 'flexible' })}`);
  const [nowMs] = useState(() => Date.now());
  const totals = pools.data ? poolTotals(pools.data, nowMs) : [];
  return (
    <>
      <section className="card" aria-labelledby="flex-pools" data-testid="flexible-pools">
        <h2 id="flex-pools">
          Flexible pools{isVendor && customerId ? ` of ${nameOf(customerId)}` : isVendor ? ' (all customers)' : ''}
        </h2>
        {!pools.data ? (
          <Loading what="pools" />
        ) : totals.length === 0 ? (
          <p className="empty">
            No flexible entitlement{isVendor ? '' : ' yet: ask your vendor about flexible licensing'}.
          </p>
        ) : (
          <div className="pool-grid">
            {totals.map((p) => (
              <div key={p.feature} className="pool" data-pool={p.feature}>
                <div className="pool-name mono">{p.feature}</div>
                <Meter used={p.used} count={p.count} label={`Flexible ${p.feature} seats allocated`} />
              </div>
            ))}
          </div>
        )}
      </section>
      <FlexibleAllocations customerId={customerId} onChanged={() => void pools.reload()} />
    </>
  );
}
