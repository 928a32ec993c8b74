import { downloadText } from '@tessera/web-kit/files';
import { isoDay, localTime } from '@tessera/web-kit/format';
import { type FormEvent, useState } from 'react';
import { api, at, query } from '../api.js';
import { Link, useLocation } from '../browser.js';
import { DateText, Loading, PageHead } from '../components/Bits.js';
import { ChangeEntitlement, changeSummary } from '../components/Entitlements.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { type SeatInputs, SeatsTable, seatRequests } from '../components/SeatsForm.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { featureChoices, linesText } from '../deploy.js';
import { pathOf } from '../routes.js';
import type {
  DeploymentView,
  DeploymentWithFile,
  EntitlementChangeResult,
  EntitlementView,
  ServerView,
} from '../types.js';

const REASONS: Record<string, string> = {
  deployed: 'created',
  'licenses added': 'licenses added',
  'entitlement changed': 'entitlement dates changed',
  renewed: 'renewed with current dates',
};

/** One deployment: its license file and revisions, add licenses, renew; vendor staff extend maintenance. */
export function DeploymentPage({ id }: { id: string }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const { search } = useLocation();
  const deployment = useLoad<DeploymentView>(at('/api/v1/deployments', id));
  const d = deployment.data;
  const server = useLoad<ServerView>(d ? at('/api/v1/servers', d.serverId) : null);
  const entitlements = useLoad<EntitlementView[]>(
    d ? `/api/v1/entitlements${query({ customerId: d.customerId, type: 'perpetual' })}` : null,
  );
  const [notice, setNotice] = useState<NoticeData | null>(() =>
    search.get('created') === '1'
      ? {
          kind: 'ok',
          text: `Created deployment ${id}. Download its license file and install it on the server with Install License.`,
        }
      : null,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [adding, setAdding] = useState<SeatInputs>({});
  const [changing, setChanging] = useState<EntitlementView | null>(null);
  const [nowMs] = useState(() => Date.now());

  if (!d) {
    return (
      <div className="page">
        <p className="crumbs">
          <Link href={pathOf('deployments')}>Deployments</Link> / {id}
        </p>
        <PageHead title="Deployment" />
        {deployment.error ? (
          <Notice notice={errorNotice(deployment.error, 'Loading the deployment')} onClose={() => undefined} />
        ) : (
          <Loading what="the deployment" />
        )}
      </div>
    );
  }

  const run = async (what: string, key: string, fn: () => Promise<void>) => {
    setBusy(key);
    try {
      await fn();
    } catch (err) {
      setNotice(errorNotice(err, what));
    } finally {
      setBusy(null);
    }
  };

  const download = (revision: number) =>
    run('Download license file', `dl-${revision}`, async () => {
      const text = await api.text(`${at('/api/v1/deployments', d.id, '/file')}${query({ revision })}`);
      downloadText(`${d.id}-rev${revision}.lic`, text);
      setNotice({
        kind: 'ok',
        text:
          revision === 1
            ? `Saved ${d.id}-rev1.lic. Install it on ${server.data?.hostName ?? 'the server'} with Install License.`
            : `Saved ${d.id}-rev${revision}.lic. Install it on ${server.data?.hostName ?? 'the server'} with Renew License.`,
      });
    });

  const choices = entitlements.data ? featureChoices(entitlements.data, isoDay(nowMs), d.lines) : [];
  const addLicenses = (e: FormEvent) => {
    e.preventDefault();
    const { requests, problem } = seatRequests(choices, adding);
    if (problem) {
      setNotice({ kind: 'error', text: problem, action: 'Add licenses' });
      return;
    }
    void run('Add licenses', 'add', async () => {
      const next = await api.post<DeploymentWithFile>(at('/api/v1/deployments', d.id, '/licenses'), {
        features: requests,
      });
      setAdding({});
      await Promise.all([deployment.reload(), entitlements.reload()]);
      setNotice({
        kind: 'ok',
        text: `Added ${linesText(requests.map((r) => ({ feature: r.name, count: r.count })))}: revision ${next.revision} of ${d.id} is ready. Download it and install it with Renew License.`,
      });
    });
  };

  const renew = () =>
    run('Renew', 'renew', async () => {
      const r = await api.post<DeploymentWithFile & { changed: boolean }>(at('/api/v1/deployments', d.id, '/renew'));
      await deployment.reload();
      setNotice({
        kind: 'ok',
        text: r.changed
          ? `Renewed: revision ${r.revision} carries the entitlements’ current dates. Download it and install it with Renew License.`
          : `Nothing to renew: revision ${r.revision} already carries the entitlements’ current dates.`,
      });
    });

  const returned = d.status === 'returned';
  const revisions = [...d.revisions].sort((a, b) => b.revision - a.revision);
  return (
    <div className="page">
      <p className="crumbs">
        <Link href={pathOf('deployments')}>Deployments</Link> / <span className="mono">{d.id}</span>
      </p>
      <PageHead
        title={`License ${d.id}`}
        sub={
          <>
            On <strong>{server.data?.hostName ?? '…'}</strong> <span className="mono small">{d.serverId}</span>
            {isVendor && <> · {nameOf(d.customerId)}</>} · created {localTime(d.createdAt)}
          </>
        }
      >
        <span className={returned ? 'chip chip-bad big' : 'chip chip-ok big'}>{returned ? 'returned' : 'active'}</span>
      </PageHead>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {returned && (
        <div className="banner" role="note">
          Returned {d.returnedAt ? localTime(d.returnedAt) : ''} with its uninstall certificate: its seats went back to
          the pool. This license can no longer change or be installed again.
        </div>
      )}
      <div className="two-col">
        <div>
          <section className="card file-card" aria-labelledby="file-title">
            <h2 id="file-title">License file</h2>
            <div className="file-row">
              <div className="file-icon" aria-hidden="true">
                .lic
              </div>
              <div className="file-meta">
                <div className="mono strong">
                  {d.id}-rev{d.revision}.lic
                </div>
                <div className="muted small">
                  Revision <span data-testid="current-revision">{d.revision}</span> · issued{' '}
                  {localTime(revisions[0]?.issuedAt ?? d.updatedAt)}
                </div>
              </div>
              <button
                type="button"
                className="primary"
                disabled={busy !== null}
                onClick={() => void download(d.revision)}
              >
                {busy === `dl-${d.revision}` ? 'Downloading…' : `Download license file (revision ${d.revision})`}
              </button>
            </div>
            <p className="hint">
              {d.revision === 1
                ? 'On the License Server’s Dashboard: Install License, then choose this file.'
                : 'A newer revision of an installed license: on the Dashboard, Renew License with this file.'}
            </p>
          </section>
          <section className="card" aria-labelledby="lines-title">
            <h2 id="lines-title">Licenses in this file</h2>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col" className="num">
                    Seats
                  </th>
                  <th scope="col">Maintenance until</th>
                  <th scope="col">Expires</th>
                  {isVendor && !returned && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {d.lines.map((l) => (
                  <tr key={l.feature} data-line={l.feature}>
                    <td className="mono strong">{l.feature}</td>
                    <td className="num">{l.count}</td>
                    <td>
                      <DateText date={l.maintenanceUntil} nowMs={nowMs} none="no limit" />
                    </td>
                    <td>
                      <DateText date={l.expires} nowMs={nowMs} none="never" />
                    </td>
                    {isVendor && !returned && (
                      <td className="row-action">
                        <button
                          type="button"
                          className="small"
                          onClick={() => setChanging(entitlements.data?.find((e) => e.id === l.entitlementId) ?? null)}
                        >
                          Extend maintenance…
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            {!isVendor && !returned && (
              <p className="hint">
                Maintenance is extended by your vendor; the renewed license file then appears here as a new revision.
              </p>
            )}
          </section>
          {!returned && (
            <form className="card" onSubmit={addLicenses} aria-labelledby="add-title">
              <h2 id="add-title">Add licenses</h2>
              <p className="muted">
                More seats in this license file: the next revision, installed with Renew License. A feature already in
                the file draws from the same entitlement.
              </p>
              {!entitlements.data ? (
                <Loading what="entitlements" />
              ) : choices.length === 0 ? (
                <p className="empty">No live perpetual entitlement has seats to add.</p>
              ) : (
                <SeatsTable choices={choices} inputs={adding} onChange={setAdding} verb="Seats to add" />
              )}
              <div className="form-buttons">
                <button type="submit" className="primary" disabled={busy !== null || choices.length === 0}>
                  {busy === 'add' ? 'Adding…' : 'Add licenses'}
                </button>
                <button type="button" onClick={() => void renew()} disabled={busy !== null}>
                  {busy === 'renew' ? 'Renewing…' : 'Renew with current dates'}
                </button>
              </div>
            </form>
          )}
        </div>
        <section className="card" aria-labelledby="rev-title">
          <h2 id="rev-title">Revisions</h2>
          <ol className="revisions" reversed>
            {revisions.map((r) => (
              <li key={r.revision} data-revision={r.revision}>
                <div>
                  <strong>Revision {r.revision}</strong>
                  {r.revision === d.revision && <span className="chip chip-ok">current</span>}
                  <div className="muted small">
                    {localTime(r.issuedAt)} · {REASONS[r.reason] ?? r.reason}
                  </div>
                </div>
                <button
                  type="button"
                  className="small"
                  disabled={busy !== null}
                  aria-label={`Download revision ${r.revision}`}
                  onClick={() => void download(r.revision)}
                >
                  Download
                </button>
              </li>
            ))}
          </ol>
        </section>
      </div>
      {isVendor && (
        <ChangeEntitlement
          entitlement={changing}
          onClose={() => setChanging(null)}
          onChanged={async (r: EntitlementChangeResult) => {
            setChanging(null);
            await Promise.all([deployment.reload(), entitlements.reload()]);
            setNotice({ kind: 'ok', text: changeSummary(r) });
          }}
        />
      )}
    </div>
  );
}
