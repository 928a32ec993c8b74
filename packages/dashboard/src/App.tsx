import { getOnce } from '@tessera/web-kit/api';
import { Logo } from '@tessera/web-kit/components/Logo';
import { ServerDownBanner } from '@tessera/web-kit/components/ServerDown';
import { SessionGate } from '@tessera/web-kit/components/SessionGate';
import { useServerDown } from '@tessera/web-kit/reachability';
import { useEffect, useState } from 'react';
import { navigate, usePath } from './browser.js';
import { AccountPage } from './pages/Account.js';
import { AuditPage } from './pages/Audit.js';
import { ChangePassword } from './pages/ChangePassword.js';
import { LicensesPage } from './pages/Licenses.js';
import { SessionsPage } from './pages/Sessions.js';
import { SettingsPage } from './pages/Settings.js';
import { SignIn } from './pages/SignIn.js';
import { UsagePage } from './pages/Usage.js';
import { UsersPage } from './pages/Users.js';
import { HOME, PAGES, pageFor, roleAtLeast } from './routes.js';
import type { Role, ServerInfo, SessionView } from './types.js';

const ROLE_NAMES: Record<Role, string> = { view: 'View', manage: 'Manage', admin: 'Admin' };

/** The UI: sign-in, the forced password change, or the shell with the page of the address. */
export function App() {
  return (
    <SessionGate
      serverName="The server"
      appName="Tessera License Server"
      SignIn={SignIn}
      ChangePassword={ChangePassword}
      Shell={Shell}
    />
  );
}

function Shell({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const path = usePath();
  const down = useServerDown();
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
          <Logo />
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
      <main className={down ? 'main stale' : 'main'} id="main">
        <ServerDownBanner serverName="The License Server" />
        {!allowed ? (
          <p className="empty">
            The {page.title} page needs the {ROLE_NAMES[page.role]} role.
          </p>
        ) : page.path === '/licenses' ? (
          <LicensesPage session={session} server={server} />
        ) : page.path === '/sessions' ? (
          <SessionsPage session={session} />
        ) : page.path === '/usage' ? (
          <UsagePage />
        ) : page.path === '/audit' ? (
          <AuditPage />
        ) : page.path === '/users' ? (
          <UsersPage session={session} />
        ) : page.path === '/settings' ? (
          <SettingsPage />
        ) : (
          <AccountPage session={session} />
        )}
      </main>
    </div>
  );
}
