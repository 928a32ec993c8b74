import { type FormEvent, type ReactNode, useState } from 'react';
import { useAction } from '../action.js';
import { request } from '../api.js';
import type { NoticeData } from '../errors.js';
import { Notice } from './Notice.js';

/** What a session gate gives a UI's sign-in page. */
export interface SignInProps<S> {
  /** Said above the form on arrival, e.g. why the last session ended. */
  reason?: string | undefined;
  /**
   * Called with the new session and the password just typed: a forced password change then
   * need not ask for it again.
   */
  onSignedIn: (session: S, password: string) => void;
}

export interface SignInFormProps<S> extends SignInProps<S> {
  /** Where the user name and password are POSTed; the answer is the new session. */
  endpoint: string;
  /** The form's heading, which names the form. */
  title: string;
  /** `h1` where the form is the whole page, `h2` below the page's own heading. */
  titleLevel: 'h1' | 'h2';
  /** Above the heading, e.g. the logo. */
  brand?: ReactNode;
  /** Below the button: who signs in, with which password. */
  hint: ReactNode;
  errorNotice: (err: unknown) => NoticeData;
}

/**
 * A UI's sign-in card: user name, password and the button, with its notice. A refusal empties
 * the password and says why; the page around it (and its wording) is the UI's own.
 * @example
 * <SignInForm endpoint="/api/v1/session" title="Sign in" titleLevel="h2" hint={…} errorNotice={errorNotice} {...props} />
 */
export function SignInForm<S>({
  endpoint,
  reason,
  onSignedIn,
  title,
  titleLevel: Title,
  brand,
  hint,
  errorNotice,
}: SignInFormProps<S>) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<NoticeData | null>(reason ? { kind: 'ok', text: reason } : null);
  const { busy, run } = useAction((err) => {
    // A refused password is said as that alone: not "your session has ended", no server detail.
    const refused = (err as { code?: string }).code === 'UNAUTHORIZED';
    setNotice(refused ? { kind: 'error', text: 'Wrong user name or password.' } : errorNotice(err));
    setPassword('');
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run('Sign in', async () => {
      onSignedIn(await request<S>('POST', endpoint, { username, password }, { quiet401: true }), password);
    });
  };

  return (
    <form className="auth-card" onSubmit={submit} aria-labelledby="signin-title">
      {brand}
      <Title id="signin-title">{title}</Title>
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
      <p className="hint">{hint}</p>
    </form>
  );
}
