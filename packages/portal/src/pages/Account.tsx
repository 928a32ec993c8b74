import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { PageHead } from '../components/Bits.js';
import { usePortal } from '../data.js';
import { ChangePassword } from './ChangePassword.js';

export function AccountPage() {
  const { session, customers, isVendor } = usePortal();
  const customer = customers?.find((c) => c.id === session.customerId);
  return (
    <div className="page">
      <PageHead
        title="Account"
        sub={
          <>
            Signed in as <strong>{session.username}</strong>,{' '}
            {isVendor ? 'vendor staff' : `an administrator of ${customer?.name ?? 'your company'}`}.
            {session.expiresAt && (
              <>
                {' '}
                The session ends at <LocalTime at={session.expiresAt} /> at the latest.
              </>
            )}
          </>
        }
      />
      <ChangePassword forced={false} username={session.username} onChanged={() => undefined} />
    </div>
  );
}
