import { useState } from 'react';
import { setQueryParam, useLocation } from '../browser.js';
import { PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { EntitlementsPanel } from '../components/Entitlements.js';
import { usePortal } from '../data.js';
import { scopeOf } from '../scope.js';

export function EntitlementsPage() {
  const { session, isVendor } = usePortal();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  const [nowMs] = useState(() => Date.now());
  return (
    <div className="page">
      <PageHead
        title="Entitlements"
        sub={
          isVendor
            ? 'What each customer bought: seats of a feature, with maintenance and expiry dates.'
            : 'What your company bought, as seat pools: how many seats are used and how many are still available.'
        }
      >
        <CustomerPicker value={isVendor ? customerId : null} onChange={(id) => setQueryParam('customer', id)} />
      </PageHead>
      <EntitlementsPanel key={customerId ?? 'all'} customerId={customerId} nowMs={nowMs} />
    </div>
  );
}
