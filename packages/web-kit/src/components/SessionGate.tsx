import { type ComponentType, useCallback, useEffect, useState } from 'react';
import { type ApiError, api, getOnce, rememberSession, setSessionLostHandler } from '../api.js';
import type { ChangePasswordProps } from './ChangePassword.js';

/** What the gate needs of a session (GET /api/v1/session of either server). */
export interface GateSession {
  username: string;
  mustChange: boolean;
  csrfToken: string | null;
}

type State<S> =
  | { phase: 'loading' }
  | { phase: 'signed-out'; reason?: string }
  /** `typed`: the password the user just signed in with (absent after a reload). */
  | { phase: 'must-change'; session: S; typed?: string }
  | { phase: 'ready'; session: S };

export interface SessionGateProps<S extends GateSession> {
  /** The server's name in "… could not be reached", e.g. "The server". */
  serverName: string;
  /** The app's name on the loading screen, as index.html shows it before the bundle runs. */
  appName: string;
  SignIn: ComponentType<{ reason?: string | undefined; onSignedIn: (s: S, password: string) => void }>;
  ChangePassword: ComponentType<ChangePasswordProps>;
  Shell: ComponentType<{ session: S; onSignOut: () => void }>;
}

/**
 * The session's life in a UI: asks the server for the session, shows sign-in without one, the
 * forced password change while one is pending, and the app's shell otherwise. A request that
 * finds the session over (401) signs out; one that finds the password change pending asks again.
 */
export function SessionGate<S extends GateSession>({
  serverName,
  appName,
  SignIn,
  ChangePassword,
  Shell,
}: SessionGateProps<S>) {
  const [state, setState] = useState<State<S>>({ phase: 'loading' });

  const adopt = useCallback((session: S | null, reason?: string, typed?: string) => {
    rememberSession(session);
    if (!session) setState(reason ? { phase: 'signed-out', reason } : { phase: 'signed-out' });
    else if (!session.mustChange) setState({ phase: 'ready', session });
    else setState(typed === undefined ? { phase: 'must-change', session } : { phase: 'must-change', session, typed });
  }, []);

  const refresh = useCallback(async () => {
    try {
      adopt(await getOnce<S>('/api/v1/session', true));
    } catch (err) {
      const e = err as ApiError;
      adopt(null, e.code === 'UNAUTHORIZED' ? undefined : `${serverName} could not be reached: ${e.message}`);
    }
  }, [adopt, serverName]);

  useEffect(() => {
    setSessionLostHandler((e) => {
      if (e.code === 'PASSWORD_CHANGE_REQUIRED') void refresh();
      else adopt(null, 'Your session has ended. Sign in again to continue.');
    });
    void refresh();
  }, [adopt, refresh]);

  const signOut = async () => {
    try {
      await api.del('/api/v1/session');
    } catch {
      // Signed out either way: the session is gone or will lapse.
    }
    adopt(null, 'You are signed out.');
  };

  if (state.phase === 'loading') {
    return (
      <div className="boot" aria-busy="true">
        <div className="boot-bar">{appName}</div>
        <p className="boot-text">Loading…</p>
      </div>
    );
  }
  if (state.phase === 'signed-out')
    return <SignIn reason={state.reason} onSignedIn={(s, typed) => adopt(s, undefined, typed)} />;
  if (state.phase === 'must-change') {
    return (
      <ChangePassword
        forced
        username={state.session.username}
        {...(state.typed === undefined ? {} : { knownCurrent: state.typed })}
        onChanged={() => void refresh()}
        onSignOut={() => void signOut()}
      />
    );
  }
  return <Shell session={state.session} onSignOut={() => void signOut()} />;
}
