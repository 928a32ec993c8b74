import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import type { SessionView } from '../types.js';
import { ChangePassword } from './ChangePassword.js';

export function AccountPage({ session }: { session: SessionView }) {
  return (
    <div className="page">
      <div className="page-head">
        <h1>Account</h1>
        <p className="sub">
          Signed in as <strong>{session.username}</strong> ({session.role} role).
          {session.expiresAt && (
            <>
              {' '}
              The session ends at <LocalTime at={session.expiresAt} /> unless you keep using it.
            </>
          )}
        </p>
      </div>
      <ChangePassword forced={false} username={session.username} onChanged={() => undefined} />
    </div>
  );
}
