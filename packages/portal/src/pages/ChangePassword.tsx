import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';

/** core's MIN_PASSWORD_LENGTH: the Cloud refuses shorter ones. */
const MIN_LENGTH = 12;

export interface ChangePasswordProps {
  /** The first sign-in: nothing else is open until the password is changed. */
  forced: boolean;
  username: string;
  onChanged: () => void;
  onSignOut?: () => void;
}

export function ChangePassword({ forced, username, onChanged, onSignOut }: ChangePasswordProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<NoticeData | null>(null);

  const problem =
    next.length > 0 && next.length < MIN_LENGTH
      ? `At least ${MIN_LENGTH} characters (${next.length} so far).`
      : again.length > 0 && again !== next
        ? 'The two new passwords differ.'
        : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem || next.length < MIN_LENGTH || next !== again) {
      setNotice({ kind: 'error', text: problem ?? 'Type the new password twice, the same both times.' });
      return;
    }
    setBusy(true);
    try {
      await api.post('/api/v1/me/password', { current, next });
      setCurrent('');
      setNext('');
      setAgain('');
      setNotice({ kind: 'ok', text: 'Your password is changed. Your other sessions were signed out.' });
      onChanged();
    } catch (err) {
      setNotice(errorNotice(err, 'Password change'));
    } finally {
      setBusy(false);
    }
  };

  const form = (
    <form className={forced ? 'auth-card' : 'card narrow'} onSubmit={submit} aria-labelledby="pw-title">
      {forced ? <h1 id="pw-title">Choose a new password</h1> : <h2 id="pw-title">Change your password</h2>}
      {forced && (
        <p className="lead">
          Signed in as <strong>{username}</strong> with a first password. Choose your own password to continue.
        </p>
      )}
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <label className="field">
        <span>{forced ? 'Initial password' : 'Current password'}</span>
        <input
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label className="field">
        <span>New password</span>
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_LENGTH}
          aria-describedby="pw-rule"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <label className="field">
        <span>New password again</span>
        <input
          name="newPasswordAgain"
          type="password"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
        />
      </label>
      <p id="pw-rule" className={problem ? 'hint hint-bad' : 'hint'}>
        {problem ?? `At least ${MIN_LENGTH} characters. A few unrelated words make a good one.`}
      </p>
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
        {forced && onSignOut && (
          <button type="button" className="ghost" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </div>
    </form>
  );
  return forced ? <div className="auth-page">{form}</div> : form;
}
