import { plural } from '@tessera/web-kit/format';
import { useState } from 'react';
import { Link } from '../browser.js';
import { Meter, PageHead, TypeChip } from '../components/Bits.js';
import { errorNotice, Notice } from '../components/Notice.js';
import { RecentActivity } from '../components/RecentActivity.js';
import { type Loaded, useLoad, usePortal } from '../data.js';
import { poolTotals, TYPE_NAMES } from '../format.js';
import { pathOf } from '../routes.js';
import type {
  AccountView,
  DeploymentView,
  EntitlementType,
  EntitlementView,
  FeatureView,
  ServerView,
  UserView,
} from '../types.js';

/**
 * `/`, where a License Server's "Go To Website" lands: what this user has, and the next step
 * of each way to license.
 */
export function OverviewPage() {
  const { isVendor } = usePortal();
  return isVendor ? <VendorOverview /> : <CustomerOverview />;
}

/** The first of the overview's loads that failed, as a notice whose Retry loads that one again. */
function FirstFailure({ loads }: { loads: [what: string, load: Loaded<unknown>][] }) {
  const failed = loads.find(([, l]) => l.error !== undefined);
  return (
    <Notice
      notice={failed ? errorNotice(failed[1].error, `Loading ${failed[0]}`, failed[1].reload) : null}
      onClose={() => undefined}
    />
  );
}

function Tile({ n, label, href }: { n: number | undefined; label: string; href: string }) {
  return (
    <Link className="tile" href={href}>
      <span className="tile-n">{n ?? '…'}</span>
      <span className="tile-label">{label}</span>
    </Link>
  );
}

function CustomerOverview() {
  const { session, customers } = usePortal();
  const me = customers?.find((c) => c.id === session.customerId);
  const entitlements = useLoad<EntitlementView[]>('/api/v1/entitlements');
  const servers = useLoad<ServerView[]>('/api/v1/servers');
  const deployments = useLoad<DeploymentView[]>('/api/v1/deployments');
  const accounts = useLoad<AccountView[]>('/api/v1/accounts');
  const [nowMs] = useState(() => Date.now());
  const active = deployments.data?.filter((d) => d.status === 'active');
  const byType = (t: EntitlementType) => (entitlements.data ?? []).filter((e) => e.type === t);

  return (
    <div className="page">
      <PageHead
        title={me ? `Welcome, ${me.name}` : 'Welcome'}
        sub="Your licenses at a glance. Pick up where your License Server sent you."
      />
      <FirstFailure
        loads={[
          ['entitlements', entitlements],
          ['License Servers', servers],
          ['deployments', deployments],
          ['subscription credentials', accounts],
        ]}
      />
      <div className="tiles">
        <Tile n={entitlements.data?.length} label="entitlements" href={pathOf('entitlements')} />
        <Tile n={servers.data?.length} label="License Servers" href={pathOf('servers')} />
        <Tile n={active?.length} label="active deployments" href={pathOf('deployments')} />
        <Tile
          n={accounts.data?.filter((a) => a.disabledAt === null).length}
          label="subscription credentials"
          href={pathOf('subscriptions')}
        />
      </div>
      <div className="steps-grid">
        <section className="card step-card" aria-labelledby="ov-perpetual">
          <h2 id="ov-perpetual">
            <TypeChip type="perpetual" /> License a server
          </h2>
          <ol className="steps">
            <li className={servers.data && servers.data.length > 0 ? 'done' : ''}>
              On the License Server’s Dashboard press <em>Make Server ID File</em>, then{' '}
              <Link href={pathOf('servers')}>upload info.bts</Link>.
            </li>
            <li className={active && active.length > 0 ? 'done' : ''}>
              <Link href={pathOf('deployments')}>Create a deployment</Link> with the seats it should hold.
            </li>
            <li>
              Download the license file and press <em>Install License</em> on the Dashboard.
            </li>
          </ol>
          <p className="hint">
            Renewed file after a maintenance extension? It is the newest revision of the deployment: use{' '}
            <em>Renew License</em>. Moving a license? Upload its uninstall certificate under{' '}
            <Link href={pathOf('deployments')}>Deployments</Link>.
          </p>
        </section>
        <section className="card step-card" aria-labelledby="ov-subscription">
          <h2 id="ov-subscription">
            <TypeChip type="subscription" /> Use subscription seats
          </h2>
          <ol className="steps">
            <li className={accounts.data && accounts.data.length > 0 ? 'done' : ''}>
              <Link href={pathOf('subscriptions')}>Create credentials</Link>: you get a ready{' '}
              <code>client_property.conf</code>.
            </li>
            <li>Put it beside your application. No License Server to run.</li>
            <li>
              Watch the <Link href={pathOf('subscriptions')}>seats in use</Link>.
            </li>
          </ol>
        </section>
      </div>
      <section className="card" aria-labelledby="ov-pools">
        <h2 id="ov-pools">Your seat pools</h2>
        {entitlements.data && entitlements.data.length === 0 && (
          <p className="empty">No entitlement yet: your vendor adds what you buy.</p>
        )}
        {(['perpetual', 'subscription', 'flexible'] as const)
          .filter((t) => byType(t).length > 0)
          .map((t) => (
            <div key={t} className="pool-group">
              <h3>{TYPE_NAMES[t]}</h3>
              <div className="pool-grid">
                {poolTotals(byType(t), nowMs).map((p) => (
                  <div key={p.feature} className="pool" data-pool={`${t}:${p.feature}`}>
                    <div className="pool-name mono">{p.feature}</div>
                    <Meter used={p.used} count={p.count} label={`${TYPE_NAMES[t]} ${p.feature} seats`} />
                  </div>
                ))}
              </div>
            </div>
          ))}
        <p className="hint">
          <Link href={pathOf('entitlements')}>All entitlements</Link>, with their maintenance and expiry dates.
        </p>
      </section>
      <RecentActivity />
    </div>
  );
}

function VendorOverview() {
  const { customers } = usePortal();
  const features = useLoad<FeatureView[]>('/api/v1/features');
  const entitlements = useLoad<EntitlementView[]>('/api/v1/entitlements');
  const deployments = useLoad<DeploymentView[]>('/api/v1/deployments');
  const users = useLoad<UserView[]>('/api/v1/users');
  const hasAdmin = users.data?.some((u) => u.role === 'customer');
  const steps = [
    {
      done: (features.data?.length ?? 0) > 0,
      el: (
        <>
          Put your products’ features in the <Link href={pathOf('catalog')}>feature catalog</Link>.
        </>
      ),
    },
    {
      done: (customers?.length ?? 0) > 0,
      el: (
        <>
          <Link href={pathOf('customers')}>Add a customer</Link>.
        </>
      ),
    },
    {
      done: (entitlements.data?.length ?? 0) > 0,
      el: <>Give it entitlements: perpetual, subscription or flexible seats, with maintenance and term.</>,
    },
    {
      done: hasAdmin === true,
      el: <>Add a customer admin: they register servers, make deployments and subscription credentials.</>,
    },
  ];
  return (
    <div className="page">
      <PageHead title="Overview" sub="Your licensing business on this Cloud." />
      <FirstFailure
        loads={[
          ['features', features],
          ['entitlements', entitlements],
          ['deployments', deployments],
          ['users', users],
        ]}
      />
      <div className="tiles">
        <Tile n={customers?.length} label="customers" href={pathOf('customers')} />
        <Tile n={features.data?.length} label="features" href={pathOf('catalog')} />
        <Tile n={entitlements.data?.length} label="entitlements" href={pathOf('entitlements')} />
        <Tile
          n={deployments.data?.filter((d) => d.status === 'active').length}
          label="active deployments"
          href={pathOf('deployments')}
        />
      </div>
      <div className="steps-grid">
        <section className="card step-card" aria-labelledby="ov-setup">
          <h2 id="ov-setup">Setting up a customer</h2>
          <ol className="steps">
            {steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list
              <li key={i} className={s.done ? 'done' : ''}>
                {s.el}
                {s.done && <span className="visually-hidden"> (done)</span>}
              </li>
            ))}
          </ol>
        </section>
        <section className="card step-card" aria-labelledby="ov-customers">
          <h2 id="ov-customers">Customers</h2>
          {customers && customers.length > 0 ? (
            <ul className="plain-list">
              {customers.slice(0, 8).map((c) => {
                const mine = entitlements.data?.filter((e) => e.customerId === c.id) ?? [];
                return (
                  <li key={c.id} className="customer-line">
                    <Link href={pathOf('customer', c.id)} className="strong">
                      {c.name}
                    </Link>
                    <span className="muted small">
                      {plural(mine.length, 'entitlement')} ·{' '}
                      {plural(
                        deployments.data?.filter((d) => d.customerId === c.id && d.status === 'active').length ?? 0,
                        'deployment',
                      )}
                    </span>
                  </li>
                );
              })}
            </ul>
          ) : (
            <p className="empty">
              No customer yet. <Link href={pathOf('customers')}>Add one</Link>.
            </p>
          )}
          <p className="hint">
            Each customer’s subscription seats and credentials:{' '}
            <Link href={pathOf('subscriptions')}>Subscriptions</Link>.
          </p>
        </section>
      </div>
      <RecentActivity />
    </div>
  );
}
