import { type FormEvent, type ReactNode, useState } from 'react';
import { useAction } from '../action.js';
import type { NoticeData } from '../errors.js';
import { Notice } from './Notice.js';

/** core's MIN_PASSWORD_LENGTH: both servers refuse shorter ones. */
const MIN_LENGTH = 12;

export interface ChangePasswordProps {
  /** The first sign-in: nothing else is open until the password is changed. */
  forced: boolean;
  username: string;
  /**
   * The password the user signed in with a moment ago, at a forced change: not asked again.
   * Absent (after a reload) the form asks for it.
   */
  knownCurrent?: string;
  onChanged: () => void;
  onSignOut?: () => void;
}

/** What a UI binds: its API call, its words and its error wording. */
export interface PasswordChangeBinding {
  /** Asks the server to change the password (rejects with the server's error). */
  change: (current: string, next: string) => Promise<unknown>;
  /** Said once the password is changed. */
  changedText: string;
  /** Above the form at the first sign-in, after "Signed in as NAME with …". */
  forcedLead: ReactNode;
  errorNotice: (err: unknown, action?: string) => NoticeData;
}

/**
 * A UI's password page bound to its API and words: the first sign-in's page of its own
 * (`forced`), or a card on the Account page.
 * @example
 * export const ChangePassword = passwordPage({ change, changedText, forcedLead, errorNotice });
 */
export function passwordPage(binding: PasswordChangeBinding): (props: ChangePasswordProps) => ReactNode {
  return (props) => <ChangePasswordForm {...props} {...binding} />;
}

function ChangePasswordForm({
  forced,
  username,
  knownCurrent,
  onChanged,
  onSignOut,
  change,
  changedText,
  forcedLead,
  errorNotice,
}: ChangePasswordProps & PasswordChangeBinding) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
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
    await run('Password change', async () => {
      await change(knownCurrent ?? current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      setNotice({ kind: 'ok', text: changedText });
      onChanged();
    });
  };

  const form = (
    <form className={forced ? 'auth-card' : 'card narrow'} onSubmit={submit} aria-labelledby="pw-title">
      {forced ? <h1 id="pw-title">Choose a new password</h1> : <h2 id="pw-title">Change your password</h2>}
      {forced && (
        <p className="lead">
          Signed in as <strong>{username}</strong> {forcedLead}
        </p>
      )}
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {knownCurrent === undefined && (
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
      )}
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
