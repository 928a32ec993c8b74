import { useAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { isoDay, plural } from '@tessera/web-kit/format';
import { type FormEvent, useState } from 'react';
import { api, query } from '../api.js';
import { Link, navigate, setQueryParam, useLocation } from '../browser.js';
import { Empty, Loading, Meter, PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { FileButton } from '../components/FileButton.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { type SeatInputs, SeatsTable, seatRequests } from '../components/SeatsForm.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { featureChoices, linesText } from '../deploy.js';
import { poolTotals } from '../format.js';
import { pathOf } from '../routes.js';
import { scopeOf } from '../scope.js';
import type { DeploymentView, DeploymentWithFile, EntitlementView, ReturnView, ServerView } from '../types.js';

/**
 * Deployments: license files for License Servers. Create one from perpetual entitlements,
 * and return one's seats to the pool with its uninstall certificate.
 */
export function DeploymentsPage() {
  const { session, isVendor } = usePortal();
  const nameOf = useCustomerName();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  const preselected = search.get('server');
  const scope = query({ customerId });
  const deployments = useLoad<DeploymentView[]>(`/api/v1/deployments${scope}`);
  const servers = useLoad<ServerView[]>(`/api/v1/servers${scope}`);
  const returns = useLoad<ReturnView[]>(`/api/v1/returns${scope}`);
  const perpetual = useLoad<EntitlementView[]>(
    customerId ? `/api/v1/entitlements${query({ customerId, type: 'perpetual' })}` : null,
  );
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [creating, setCreating] = useState(preselected !== null);
  const { busy: returning, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [nowMs] = useState(() => Date.now());

  const hostOf = (id: string) => servers.data?.find((s) => s.id === id)?.hostName ?? id;

  const returnCertificate = (certificate: string) =>
    run('Upload uninstall certificate', async () => {
      const r = await api.post<ReturnView>('/api/v1/returns', { certificate });
      const seats = r.seats.reduce((n, s) => n + s.count, 0);
      setNotice({
        kind: 'ok',
        text: `Returned license ${r.licenseId}: ${plural(seats, 'seat')} (${linesText(r.seats)}) went back to the pool, ready for another deployment.`,
      });
      await Promise.all([deployments.reload(), returns.reload(), perpetual.reload()]);
    });

  const active = deployments.data?.filter((d) => d.status === 'active') ?? [];
  const pools = perpetual.data ? poolTotals(perpetual.data, nowMs) : [];
  return (
    <div className="page">
      <PageHead
        title="Deployments"
        sub="A deployment is one license file for one License Server, drawn from perpetual entitlements."
      >
        <CustomerPicker value={isVendor ? customerId : null} onChange={(id) => setQueryParam('customer', id)} />
      </PageHead>
      <Notice
        notice={
          notice ??
          (deployments.error ? errorNotice(deployments.error, 'Loading deployments', deployments.reload) : null)
        }
        onClose={() => setNotice(null)}
      />
      <div className="action-grid">
        <section className="card action-card" aria-labelledby="new-dep-title">
          <div>
            <h2 id="new-dep-title">New deployment</h2>
            <p className="muted">Choose a registered server and the seats to put in its license file.</p>
          </div>
          <button
            type="button"
            className="primary"
            aria-expanded={creating}
            aria-controls="new-deployment"
            onClick={() => setCreating((v) => !v)}
          >
            {creating ? 'Close the form' : 'New deployment'}
          </button>
        </section>
        <section className="card action-card" aria-labelledby="return-title">
          <div>
            <h2 id="return-title">Return seats</h2>
            <p className="muted">
              Uninstalled a license with the Dashboard’s <em>Uninstall License</em>? Upload its certificate (
              <code>.uninstall</code>): the seats come back to the pool, once.
            </p>
          </div>
          <FileButton
            label="Upload uninstall certificate"
            className="secondary"
            accept=".uninstall"
            busy={returning}
            onText={(text) => returnCertificate(text)}
            onError={(err) => setNotice(errorNotice(err, 'Upload uninstall certificate'))}
          />
        </section>
      </div>
      {creating && (
        <NewDeployment
          servers={servers.data}
          preselected={preselected}
          onCreated={(d) => navigate(`${pathOf('deployment', d.id)}?created=1`)}
        />
      )}
      {customerId && pools.length > 0 && (
        <section className="card" aria-labelledby="pools-title">
          <h2 id="pools-title">Perpetual seats{isVendor ? ` of ${nameOf(customerId)}` : ''}</h2>
          <div className="pool-grid">
            {pools.map((p) => (
              <div key={p.feature} className="pool" data-pool={p.feature}>
                <div className="pool-name mono">{p.feature}</div>
                <Meter used={p.used} count={p.count} label={`Perpetual ${p.feature} seats`} />
              </div>
            ))}
          </div>
        </section>
      )}
      {!deployments.data ? (
        <Loading what="deployments" />
      ) : active.length === 0 ? (
        <Empty>
          <strong>No active deployment.</strong> Register a License Server with its Server ID file under{' '}
          <Link href={pathOf('servers')}>License Servers</Link>, then create a deployment for it here.
        </Empty>
      ) : (
        <ActiveDeployments
          active={active}
          hostOf={hostOf}
          customerOf={isVendor && customerId === null ? nameOf : null}
        />
      )}
      {returns.data && returns.data.length > 0 && <ReturnedDeployments returns={returns.data} hostOf={hostOf} />}
    </div>
  );
}

function NewDeployment({
  servers,
  preselected,
  onCreated,
}: {
  servers: ServerView[] | undefined;
  preselected: string | null;
  onCreated: (d: DeploymentWithFile) => void;
}) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const [serverId, setServerId] = useState(preselected ?? '');
  const server = servers?.find((s) => s.id === serverId);
  const entitlements = useLoad<EntitlementView[]>(
    server ? `/api/v1/entitlements${query({ customerId: server.customerId, type: 'perpetual' })}` : null,
  );
  const [inputs, setInputs] = useState<SeatInputs>({});
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const choices = entitlements.data ? featureChoices(entitlements.data, isoDay(Date.now())) : [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { requests, problem } = seatRequests(choices, inputs);
    if (!server || problem) {
      setNotice({ kind: 'error', text: server ? (problem as string) : 'Choose a server first.' });
      return;
    }
    await run('Create deployment', async () => {
      onCreated(await api.post<DeploymentWithFile>('/api/v1/deployments', { serverId: server.id, features: requests }));
    });
  };

  return (
    <form id="new-deployment" className="card" onSubmit={submit} aria-labelledby="new-dep-form-title">
      <h2 id="new-dep-form-title">Create a deployment</h2>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {servers && servers.length === 0 ? (
        <p className="empty">
          No License Server is registered yet: <Link href={pathOf('servers')}>upload its Server ID file</Link> first.
        </p>
      ) : (
        <>
          <label className="field">
            <span>License Server</span>
            <select
              name="depServer"
              required
              value={serverId}
              onChange={(e) => {
                setServerId(e.target.value);
                setInputs({});
              }}
            >
              <option value="">Choose a server…</option>
              {(servers ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.hostName} ({s.id.slice(0, 14)}…){isVendor ? ` · ${nameOf(s.customerId)}` : ''}
                </option>
              ))}
            </select>
          </label>
          {server &&
            (!entitlements.data ? (
              <Loading what="entitlements" />
            ) : choices.length === 0 ? (
              <p className="empty">
                {isVendor ? nameOf(server.customerId) : 'Your company'} holds no live perpetual entitlement to deploy.
              </p>
            ) : (
              <SeatsTable choices={choices} inputs={inputs} onChange={setInputs} verb="Seats to deploy" />
            ))}
          <div className="form-buttons">
            <button type="submit" className="primary" disabled={busy || !server || choices.length === 0}>
              {busy ? 'Creating…' : 'Create deployment'}
            </button>
            <span className="hint">
              The license file is bound to this server’s hardware; install it with <em>Install License</em>.
            </span>
          </div>
        </>
      )}
    </form>
  );
}

/** The active deployments, newest change first as the API lists them. */
function ActiveDeployments({
  active,
  hostOf,
  customerOf,
}: {
  active: DeploymentView[];
  hostOf: (serverId: string) => string;
  /** Names the customer in a column of its own; null when one customer is shown. */
  customerOf: ((customerId: string) => string) | null;
}) {
  return (
    <section className="card" aria-labelledby="active-title">
      <h2 id="active-title">Active ({active.length})</h2>
      <TableScroll label="Deployments">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">License</th>
              <th scope="col">Server</th>
              {customerOf && <th scope="col">Customer</th>}
              <th scope="col">Licenses</th>
              <th scope="col" className="num">
                Revision
              </th>
              <th scope="col">Last change</th>
            </tr>
          </thead>
          <tbody>
            {active.map((d) => (
              <tr key={d.id} data-deployment={d.id}>
                <td>
                  <Link className="mono strong" href={pathOf('deployment', d.id)}>
                    {d.id}
                  </Link>
                </td>
                <td>{hostOf(d.serverId)}</td>
                {customerOf && <td>{customerOf(d.customerId)}</td>}
                <td>{linesText(d.lines)}</td>
                <td className="num">{d.revision}</td>
                <td className="nowrap">
                  <LocalTime at={d.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

/** Deployments whose seats came back with their uninstall certificates. */
function ReturnedDeployments({ returns, hostOf }: { returns: ReturnView[]; hostOf: (serverId: string) => string }) {
  return (
    <section className="card" aria-labelledby="returned-title">
      <h2 id="returned-title">Returned ({returns.length})</h2>
      <TableScroll label="Deployments">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">License</th>
              <th scope="col">Server</th>
              <th scope="col">Seats back</th>
              <th scope="col">Uninstalled</th>
              <th scope="col">Returned</th>
            </tr>
          </thead>
          <tbody>
            {returns.map((r) => (
              <tr key={r.id} data-return={r.licenseId}>
                <td>
                  <Link className="mono" href={pathOf('deployment', r.licenseId)}>
                    {r.licenseId}
                  </Link>{' '}
                  <span className="muted small">rev {r.revision}</span>
                </td>
                <td>{hostOf(r.serverId)}</td>
                <td>{linesText(r.seats)}</td>
                <td className="nowrap">
                  <LocalTime at={r.uninstalledAt} />
                </td>
                <td className="nowrap">
                  <LocalTime at={r.returnedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
