import { useState } from 'react';
import { query } from '../api.js';
import { setQueryParam, useLocation } from '../browser.js';
import { Empty, Loading, Meter, PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { poolTotals } from '../format.js';
import { scopeOf } from '../scope.js';
import type { EntitlementView } from '../types.js';

/**
 * Flexible licensing. The pools are shown now; moving seats between servers is the next
 * piece of work (allocations per server, enrollment codes, sync), and has its place here.
 */
export function FlexiblePage() {
  const { session, isVendor } = usePortal();
  const nameOf = useCustomerName();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  const pools = useLoad<EntitlementView[]>(`/api/v1/entitlements${query({ customerId, type: 'flexible' })}`);
  const [nowMs] = useState(() => Date.now());
  const totals = pools.data ? poolTotals(pools.data, nowMs) : [];
  return (
    <div className="page">
      <PageHead
        title="Flexible"
        sub="Seats a flexible License Server receives at each sync with the Cloud: no files to carry, changes with one click."
      >
        <CustomerPicker value={isVendor ? customerId : null} onChange={(id) => setQueryParam('customer', id)} />
      </PageHead>
      <section className="card" aria-labelledby="flex-pools">
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
              <div key={p.feature} className="pool">
                <div className="pool-name mono">{p.feature}</div>
                <Meter used={p.used} count={p.count} label={`Flexible ${p.feature} seats allocated`} />
              </div>
            ))}
          </div>
        )}
      </section>
      {/* FLEXIBLE ALLOCATIONS (next issue): per-server allocation table with one-click moves, enrollment codes for
          new flexible servers, and each server's last sync. The API routes land with the Cloud's flexible work. */}
      <section className="card coming" aria-labelledby="flex-alloc" data-testid="flexible-allocations">
        <h2 id="flex-alloc">
          Allocations per server <span className="chip chip-warn">coming next</span>
        </h2>
        <Empty>
          <p>
            Here you will enroll a flexible License Server with a one-time code, and move seats between your servers
            with one click: a server receives its new allocation at its next sync (or at once, with the Dashboard’s{' '}
            <em>Resync Info</em>).
          </p>
          <p className="muted">Not available yet on this Cloud. Perpetual and subscription licensing work today.</p>
        </Empty>
      </section>
    </div>
  );
}
