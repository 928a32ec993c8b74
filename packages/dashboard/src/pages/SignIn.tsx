import { request } from '@tessera/web-kit/api';
import { Logo } from '@tessera/web-kit/components/Logo';
import { type FormEvent, useState } from 'react';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { SessionView } from '../types.js';

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
      <form className="auth-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="auth-brand" aria-hidden="true">
          <Logo size={36} />
        </div>
        <h1 id="signin-title">Sign in to the License Server</h1>
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
          First time? Sign in as <code>admin</code> with the password in the file <code>initial-admin-password</code> in
          the server’s data directory. You will choose a new password next.
        </p>
      </form>
    </div>
  );
}
