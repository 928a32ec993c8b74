import { Logo } from '@tessera/web-kit/components/Logo';
import { SignInForm, type SignInProps } from '@tessera/web-kit/components/SignInForm';
import { errorNotice } from '../components/Notice.js';
import type { SessionView } from '../types.js';

/**
 * The first screen of a visitor: sign-in, beside what the portal is for. A License Server's
 * "Go To Website" button lands here, so the page says what to do with the file it made.
 */
export function SignIn(props: SignInProps<SessionView>) {
  return (
    <div className="auth-page">
      <div className="auth-layout">
        <section className="auth-intro" aria-labelledby="intro-title">
          <div className="auth-brand">
            <Logo size={40} />
            <span className="brand-name big">Tessera</span>
          </div>
          <h1 id="intro-title">Licensing portal</h1>
          <p className="lead">Your licenses, your servers and your subscription credentials, in one place.</p>
          <ul className="intro-list">
            <li>
              <strong>Perpetual licenses.</strong> Upload the Server ID file (<code>info.bts</code>) your License Server
              made, create a deployment, and download the license file for its <em>Install License</em> button.
            </li>
            <li>
              <strong>Renewals.</strong> When maintenance is extended or licenses are added, download the renewed file
              for <em>Renew License</em>.
            </li>
            <li>
              <strong>Moving licenses.</strong> Upload the uninstall certificate of a removed license and its seats come
              back to your pool, ready for another server.
            </li>
            <li>
              <strong>Subscriptions.</strong> Make credentials and a ready <code>client_property.conf</code> for your
              applications, and see the seats in use.
            </li>
          </ul>
        </section>
        <SignInForm
          {...props}
          endpoint="/api/v1/session"
          title="Sign in"
          titleLevel="h2"
          hint={
            <>
              Your vendor gives you a user name and a first password; you choose your own at the first sign-in. Vendor
              staff setting up a new Cloud: sign in as <code>admin</code> with the password in{' '}
              <code>initial-admin-password</code> in the Cloud’s data directory.
            </>
          }
          errorNotice={errorNotice}
        />
      </div>
    </div>
  );
}
