import { setQueryParam, useLocation } from '../browser.js';
import { PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { UsersPanel } from '../components/Users.js';
import { usePortal } from '../data.js';
import { scopeOf } from '../scope.js';

export function UsersPage() {
  const { session, isVendor } = usePortal();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  return (
    <div className="page">
      <PageHead
        title="Users"
        sub={
          isVendor
            ? 'Vendor staff and the administrators of each customer.'
            : 'Who in your company may sign in to this portal.'
        }
      >
        <CustomerPicker value={isVendor ? customerId : null} onChange={(id) => setQueryParam('customer', id)} />
      </PageHead>
      <UsersPanel key={customerId ?? 'all'} customerId={customerId} />
    </div>
  );
}
