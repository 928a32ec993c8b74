import { type FormEvent, useState } from 'react';
import { request } from '../api.js';
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
      onSignedIn(await request<SessionView>('POST', '/api/v1/session', { username, password }, true));
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
          <svg viewBox="0 0 32 32" width="36" height="36" aria-hidden="true">
            <rect width="32" height="32" rx="6" fill="#1f4e79" />
            <path d="M7 7h8v8H7zM17 7h8v8h-8zM7 17h8v8H7z" fill="#fff" />
            <path d="M17 17h8v8h-8z" fill="#7fb3e6" />
          </svg>
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
