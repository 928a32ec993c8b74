import { Logo } from '@tessera/web-kit/components/Logo';
import { SignInForm, type SignInProps } from '@tessera/web-kit/components/SignInForm';
import { errorNotice } from '../components/Notice.js';
import type { SessionView } from '../types.js';

/** Who signs in first, with which password. */
const HINT = (
  <>
    First time? Sign in as <code>admin</code> with the password in the file <code>initial-admin-password</code> in the
    server’s data directory. You will choose a new password next.
  </>
);

export function SignIn(props: SignInProps<SessionView>) {
  return (
    <div className="auth-page">
      <SignInForm
        {...props}
        endpoint="/api/v1/session"
        brand={
          <div className="auth-brand" aria-hidden="true">
            <Logo size={36} />
          </div>
        }
        title="Sign in to the License Server"
        titleLevel="h1"
        hint={HINT}
        errorNotice={errorNotice}
      />
    </div>
  );
}
