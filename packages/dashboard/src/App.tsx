import { useCallback, useEffect, useState } from 'react';
import { type ApiError, api, getOnce, rememberSession, setSessionLostHandler } from './api.js';
import { navigate, usePath } from './browser.js';
import { AccountPage } from './pages/Account.js';
import { AuditPage } from './pages/Audit.js';
import { ChangePassword } from './pages/ChangePassword.js';
import { LicensesPage } from './pages/Licenses.js';
import { SettingsPage } from './pages/Settings.js';
import { SignIn } from './pages/SignIn.js';
import { UsagePage } from './pages/Usage.js';
import { UsersPage } from './pages/Users.js';
import { HOME, PAGES, pageFor, roleAtLeast } from './routes.js';
import type { Role, ServerInfo, SessionView } from './types.js';

const ROLE_NAMES: Record<Role, string> = { view: 'View', manage: 'Manage', admin: 'Admin' };

type State =
  | { phase: 'loading' }
  | { phase: 'signed-out'; reason?: string }
  | { phase: 'must-change'; session: SessionView }
  | { phase: 'ready'; session: SessionView };

export function App() {
  const [state, setState] = useState<State>({ phase: 'loading' });

  const adopt = useCallback((session: SessionView | null, reason?: string) => {
    rememberSession(session);
    if (!session) setState(reason ? { phase: 'signed-out', reason } : { phase: 'signed-out' });
    else setState(session.mustChange ? { phase: 'must-change', session } : { phase: 'ready', session });
  }, []);

  const refresh = useCallback(async () => {
    try {
      adopt(await getOnce<SessionView>('/api/v1/session', true));
    } catch (err) {
      const e = err as ApiError;
      adopt(null, e.code === 'UNAUTHORIZED' ? undefined : `The server could not be reached: ${e.message}`);
    }
  }, [adopt]);

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

  if (state.phase === 'loading') return <div className="boot" aria-busy="true" />;
  if (state.phase === 'signed-out') return <SignIn reason={state.reason} onSignedIn={(s) => adopt(s)} />;
  if (state.phase === 'must-change') {
    return (
      <ChangePassword
        forced
        username={state.session.username}
        onChanged={() => void refresh()}
        onSignOut={() => void signOut()}
      />
    );
  }
  return <Shell session={state.session} onSignOut={() => void signOut()} />;
}

function Shell({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const path = usePath();
  const [server, setServer] = useState<ServerInfo | null>(null);
  // Read again on each page change: the Settings page may have switched the mode.
  useEffect(() => {
    if (path === '') return;
    getOnce<ServerInfo>('/api/v1/server').then(setServer, () => undefined);
  }, [path]);
  useEffect(() => {
    if (path === '/') history.replaceState(null, '', HOME);
  }, [path]);
  const page = pageFor(path);
  const allowed = roleAtLeast(session.role, page.role);
  useEffect(() => {
    document.title = `${page.title} · Tessera License Server`;
  }, [page.title]);

  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
            <rect width="32" height="32" rx="6" fill="#1f4e79" />
            <path d="M7 7h8v8H7zM17 7h8v8h-8zM7 17h8v8H7z" fill="#fff" />
            <path d="M17 17h8v8h-8z" fill="#7fb3e6" />
          </svg>
          <span className="brand-name">Tessera</span>
          <span className="brand-sub">License Server</span>
        </div>
        <nav aria-label="Pages" className="nav">
          {PAGES.filter((p) => p.path !== '/account' && roleAtLeast(session.role, p.role)).map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={p.path === page.path ? 'page' : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(p.path);
              }}
            >
              {p.title}
            </a>
          ))}
        </nav>
        <div className="whoami">
          <a
            href="/account"
            className="user-link"
            aria-current={page.path === '/account' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/account');
            }}
          >
            <span className="user-name">{session.username}</span>
            <span className={`role role-${session.role}`}>{ROLE_NAMES[session.role]}</span>
          </a>
          <button type="button" className="ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="main" id="main">
        {!allowed ? (
          <p className="empty">
            The {page.title} page needs the {ROLE_NAMES[page.role]} role.
          </p>
        ) : page.path === '/licenses' ? (
          <LicensesPage session={session} server={server} />
        ) : page.path === '/usage' ? (
          <UsagePage />
        ) : page.path === '/audit' ? (
          <AuditPage />
        ) : page.path === '/users' ? (
          <UsersPage />
        ) : page.path === '/settings' ? (
          <SettingsPage />
        ) : (
          <AccountPage session={session} />
        )}
      </main>
    </div>
  );
}
