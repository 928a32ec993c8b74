import { Logo } from '@tessera/web-kit/components/Logo';
import { ServerDownBanner } from '@tessera/web-kit/components/ServerDown';
import { SessionGate } from '@tessera/web-kit/components/SessionGate';
import { useServerDown } from '@tessera/web-kit/reachability';
import { useEffect, useMemo } from 'react';
import { Link, navigate, useLocation } from './browser.js';
import { Portal, type PortalContext, useLoad } from './data.js';
import { AccountPage } from './pages/Account.js';
import { AuditPage } from './pages/Audit.js';
import { CatalogPage } from './pages/Catalog.js';
import { ChangePassword } from './pages/ChangePassword.js';
import { CustomerPage } from './pages/Customer.js';
import { CustomersPage } from './pages/Customers.js';
import { DeploymentPage } from './pages/Deployment.js';
import { DeploymentsPage } from './pages/Deployments.js';
import { EntitlementsPage } from './pages/Entitlements.js';
import { FlexiblePage } from './pages/Flexible.js';
import { OverviewPage } from './pages/Overview.js';
import { ServersPage } from './pages/Servers.js';
import { SignIn } from './pages/SignIn.js';
import { SubscriptionsPage } from './pages/Subscriptions.js';
import { UsersPage } from './pages/Users.js';
import { type Match, matchPath, mayOpen, navFor } from './routes.js';
import type { CustomerView, SessionView } from './types.js';

/** The UI: sign-in, the forced password change, or the shell with the page of the address. */
export function App() {
  return (
    <SessionGate
      serverName="The Cloud"
      appName="Tessera licensing portal"
      SignIn={SignIn}
      ChangePassword={ChangePassword}
      Shell={Shell}
    />
  );
}

function Shell({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const { path } = useLocation();
  const down = useServerDown();
  const customers = useLoad<CustomerView[]>('/api/v1/customers');
  const ctx: PortalContext = useMemo(
    () => ({
      session,
      isVendor: session.role === 'vendor',
      customers: customers.data,
      reloadCustomers: customers.reload,
    }),
    [session, customers.data, customers.reload],
  );
  const match = matchPath(path);
  const allowed = match !== undefined && mayOpen(match.page, session.role);
  const own = customers.data?.find((c) => c.id === session.customerId);
  const title = match?.page.title ?? 'Not found';
  useEffect(() => {
    document.title = `${title} · Tessera licensing portal`;
  }, [title]);

  return (
    <Portal.Provider value={ctx}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <header className="topbar">
          <Link href="/" className="brand">
            <Logo />
            <span className="brand-name">Tessera</span>
            <span className="brand-sub">Licensing portal</span>
          </Link>
          <div className="topbar-fill" />
          <div className="whoami">
            <Link
              href="/account"
              className="user-link"
              aria-current={match?.page.id === 'account' ? 'page' : undefined}
            >
              <span className="user-name">{session.username}</span>
              <span className={`role role-${session.role}`}>
                {session.role === 'vendor' ? 'Vendor staff' : (own?.name ?? 'Customer')}
              </span>
            </Link>
            <button type="button" className="ghost" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </header>
        <nav aria-label="Pages" className="sidenav">
          {navFor(session.role).map((g) => (
            <div key={g.group || 'top'} className="nav-group">
              {g.group && <div className="nav-group-title">{g.group}</div>}
              {g.pages.map((p) => {
                const current =
                  match?.page.id === p.id ||
                  (match?.page.id === 'customer' && p.id === 'customers') ||
                  (match?.page.id === 'deployment' && p.id === 'deployments');
                return (
                  <Link key={p.id} href={p.pattern} aria-current={current ? 'page' : undefined}>
                    {p.title}
                  </Link>
                );
              })}
            </div>
          ))}
        </nav>
        <main className={down ? 'main stale' : 'main'} id="main" tabIndex={-1} data-path={path}>
          <ServerDownBanner serverName="The Cloud" />
          {!allowed ? <NotHere match={match} /> : <PageFor match={match} />}
        </main>
      </div>
    </Portal.Provider>
  );
}

function NotHere({ match }: { match: Match | undefined }) {
  return (
    <div className="page">
      <h1>{match ? match.page.title : 'Page not found'}</h1>
      <p className="empty">
        {match ? 'This page is for vendor staff.' : 'The portal has no such page.'}{' '}
        <button type="button" className="linklike" onClick={() => navigate('/')}>
          Go to the overview
        </button>
      </p>
    </div>
  );
}

function PageFor({ match }: { match: Match }) {
  switch (match.page.id) {
    case 'overview':
      return <OverviewPage />;
    case 'customers':
      return <CustomersPage />;
    case 'customer':
      return <CustomerPage id={match.id ?? ''} />;
    case 'catalog':
      return <CatalogPage />;
    case 'entitlements':
      return <EntitlementsPage />;
    case 'servers':
      return <ServersPage />;
    case 'deployments':
      return <DeploymentsPage />;
    case 'deployment':
      return <DeploymentPage id={match.id ?? ''} />;
    case 'subscriptions':
      return <SubscriptionsPage />;
    case 'flexible':
      return <FlexiblePage />;
    case 'users':
      return <UsersPage />;
    case 'audit':
      return <AuditPage />;
    case 'account':
      return <AccountPage />;
  }
}
