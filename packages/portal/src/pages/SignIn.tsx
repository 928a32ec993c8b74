import { Logo } from '@tessera/web-kit/components/Logo';
import { type FormEvent, useState } from 'react';
import { request } from '../api.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { SessionView } from '../types.js';

/**
 * The first screen of a visitor: sign-in, beside what the portal is for. A License Server's
 * "Go To Website" button lands here, so the page says what to do with the file it made.
 */
export function SignIn({ reason, onSignedIn }: { reason?: string | undefined; onSignedIn: (s: SessionView) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<NoticeData | null>(reason ? { kind: 'ok', text: reason } : null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSignedIn(await request<SessionView>('POST', '/api/v1/session', { username, password }, { quiet401: true }));
    } catch (err) {
      setNotice(errorNotice(err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

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
        <form className="auth-card" onSubmit={submit} aria-labelledby="signin-title">
          <h2 id="signin-title">Sign in</h2>
          <Notice notice={notice} onClose={() => setNotice(null)} />
          <label className="field">
            <span>User name</span>
            <input
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p className="hint">
            Your vendor gives you a user name and a first password; you choose your own at the first sign-in. Vendor
            staff setting up a new Cloud: sign in as <code>admin</code> with the password in{' '}
            <code>initial-admin-password</code> in the Cloud’s data directory.
          </p>
        </form>
      </div>
    </div>
  );
}
