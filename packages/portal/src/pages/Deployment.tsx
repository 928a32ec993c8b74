import { useKeyedAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { downloadText } from '@tessera/web-kit/files';
import { isoDay } from '@tessera/web-kit/format';
import { type FormEvent, useState } from 'react';
import { api, at, query } from '../api.js';
import { Link, useLocation } from '../browser.js';
import { DateText, Loading, PageHead } from '../components/Bits.js';
import { ChangeEntitlement, changeSummary } from '../components/Entitlements.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { type SeatInputs, SeatsTable, seatRequests } from '../components/SeatsForm.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { type FeatureChoice, featureChoices, linesText } from '../deploy.js';
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
  const { busy, run } = useKeyedAction<string>((err, what) => setNotice(errorNotice(err, what)));
  const [adding, setAdding] = useState<SeatInputs>({});
  const [changing, setChanging] = useState<EntitlementView | null>(null);
  const [nowMs] = useState(() => Date.now());

  if (!d) return <DeploymentLoading id={id} error={deployment.error} retry={deployment.reload} />;

  const download = (revision: number) =>
    run('Download license file', `dl-${revision}`, async () => {
      const text = await api.text(`${at('/api/v1/deployments', d.id, '/file')}${query({ revision })}`);
      downloadText(`${d.id}-rev${revision}.lic`, text);
      setNotice({ kind: 'ok', text: savedText(d.id, revision, server.data?.hostName ?? 'the server') });
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
      setNotice({ kind: 'ok', text: renewedText(r) });
    });

  const returned = d.status === 'returned';
  const revisions = [...d.revisions].sort((a, b) => b.revision - a.revision);
  return (
    <div className="page">
      <p className="crumbs">
        <Link href={pathOf('deployments')}>Deployments</Link> / <span className="mono">{d.id}</span>
      </p>
      <DeploymentHead d={d} hostName={server.data?.hostName} customer={isVendor ? nameOf(d.customerId) : null} />
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {returned && (
        <div className="banner" role="note">
          Returned {d.returnedAt ? <LocalTime at={d.returnedAt} /> : ''} with its uninstall certificate: its seats went
          back to the pool. This license can no longer change or be installed again.
        </div>
      )}
      <div className="two-col">
        <div>
          <LicenseFileCard
            d={d}
            issuedAt={revisions[0]?.issuedAt ?? d.updatedAt}
            busy={busy}
            onDownload={() => void download(d.revision)}
          />
          <DeploymentLines
            d={d}
            nowMs={nowMs}
            isVendor={isVendor}
            onChange={(l) => setChanging(entitlements.data?.find((e) => e.id === l.entitlementId) ?? null)}
          />
          {!returned && (
            <AddLicensesForm
              loaded={entitlements.data !== undefined}
              choices={choices}
              inputs={adding}
              onChange={setAdding}
              busy={busy}
              onSubmit={addLicenses}
              onRenew={() => void renew()}
            />
          )}
        </div>
        <Revisions d={d} revisions={revisions} busy={busy} onDownload={(r) => void download(r)} />
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

/** The page before its deployment is in: the way back, and what is loading or why it failed. */
function DeploymentLoading({ id, error, retry }: { id: string; error: unknown; retry: () => void }) {
  return (
    <div className="page">
      <p className="crumbs">
        <Link href={pathOf('deployments')}>Deployments</Link> / {id}
      </p>
      <PageHead title="Deployment" />
      {error ? (
        <Notice notice={errorNotice(error, 'Loading the deployment', retry)} onClose={() => undefined} />
      ) : (
        <Loading what="the deployment" />
      )}
    </div>
  );
}

/** The current license file: its name and revision, and its download. */
function LicenseFileCard({
  d,
  issuedAt,
  busy,
  onDownload,
}: {
  d: DeploymentView;
  issuedAt: string;
  /** The key of the action under way, if any. */
  busy: string | null;
  onDownload: () => void;
}) {
  return (
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
            Revision <span data-testid="current-revision">{d.revision}</span> · issued <LocalTime at={issuedAt} />
          </div>
        </div>
        <button type="button" className="primary" disabled={busy !== null} onClick={onDownload}>
          {busy === `dl-${d.revision}` ? 'Downloading…' : `Download license file (revision ${d.revision})`}
        </button>
      </div>
      <p className="hint">
        {d.revision === 1
          ? 'On the License Server’s Dashboard: Install License, then choose this file.'
          : 'A newer revision of an installed license: on the Dashboard, Renew License with this file.'}
      </p>
    </section>
  );
}

/** The license lines of the file; vendor staff may extend the maintenance of the entitlement behind one. */
function DeploymentLines({
  d,
  nowMs,
  isVendor,
  onChange,
}: {
  d: DeploymentView;
  nowMs: number;
  isVendor: boolean;
  onChange: (line: DeploymentView['lines'][number]) => void;
}) {
  const returned = d.status === 'returned';
  return (
    <section className="card" aria-labelledby="lines-title">
      <h2 id="lines-title">Licenses in this file</h2>
      <TableScroll label="Deployment features">
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
                    <button type="button" className="small" onClick={() => onChange(l)}>
                      Extend maintenance…
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {!isVendor && !returned && (
        <p className="hint">
          Maintenance is extended by your vendor; the renewed license file then appears here as a new revision.
        </p>
      )}
    </section>
  );
}

/** Every revision of the file, newest first, each downloadable. */
function Revisions({
  d,
  revisions,
  busy,
  onDownload,
}: {
  d: DeploymentView;
  revisions: DeploymentView['revisions'];
  busy: string | null;
  onDownload: (revision: number) => void;
}) {
  return (
    <section className="card" aria-labelledby="rev-title">
      <h2 id="rev-title">Revisions</h2>
      <ol className="revisions" reversed>
        {revisions.map((r) => (
          <li key={r.revision} data-revision={r.revision}>
            <div>
              <strong>Revision {r.revision}</strong>
              {r.revision === d.revision && <span className="chip chip-ok">current</span>}
              <div className="muted small">
                <LocalTime at={r.issuedAt} /> · {REASONS[r.reason] ?? r.reason}
              </div>
            </div>
            <button
              type="button"
              className="small"
              disabled={busy !== null}
              aria-label={`Download revision ${r.revision}`}
              onClick={() => onDownload(r.revision)}
            >
              Download
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** `Saved lic_…-revN.lic`: the first revision is installed, a later one renews. */
function savedText(id: string, revision: number, host: string): string {
  return revision === 1
    ? `Saved ${id}-rev1.lic. Install it on ${host} with Install License.`
    : `Saved ${id}-rev${revision}.lic. Install it on ${host} with Renew License.`;
}

function renewedText(r: { changed: boolean; revision: number }): string {
  return r.changed
    ? `Renewed: revision ${r.revision} carries the entitlements’ current dates. Download it and install it with Renew License.`
    : `Nothing to renew: revision ${r.revision} already carries the entitlements’ current dates.`;
}

/** The deployment's title: its license id, server, customer (for vendor staff), age and status. */
function DeploymentHead({
  d,
  hostName,
  customer,
}: {
  d: DeploymentView;
  hostName: string | undefined;
  /** The customer's name, shown to vendor staff only. */
  customer: string | null;
}) {
  const returned = d.status === 'returned';
  return (
    <PageHead
      title={`License ${d.id}`}
      sub={
        <>
          On <strong>{hostName ?? '…'}</strong> <span className="mono small">{d.serverId}</span>
          {customer !== null && <> · {customer}</>} · created <LocalTime at={d.createdAt} />
        </>
      }
    >
      <span className={returned ? 'chip chip-bad big' : 'chip chip-ok big'}>{returned ? 'returned' : 'active'}</span>
    </PageHead>
  );
}

/** More seats in the file (its next revision), or the same seats with the entitlements' current dates. */
function AddLicensesForm({
  loaded,
  choices,
  inputs,
  onChange,
  busy,
  onSubmit,
  onRenew,
}: {
  /** The customer's entitlements are in. */
  loaded: boolean;
  choices: FeatureChoice[];
  inputs: SeatInputs;
  onChange: (inputs: SeatInputs) => void;
  busy: string | null;
  onSubmit: (e: FormEvent) => void;
  onRenew: () => void;
}) {
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="add-title">
      <h2 id="add-title">Add licenses</h2>
      <p className="muted">
        More seats in this license file: the next revision, installed with Renew License. A feature already in the file
        draws from the same entitlement.
      </p>
      {!loaded ? (
        <Loading what="entitlements" />
      ) : choices.length === 0 ? (
        <p className="empty">No live perpetual entitlement has seats to add.</p>
      ) : (
        <SeatsTable choices={choices} inputs={inputs} onChange={onChange} verb="Seats to add" />
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy !== null || choices.length === 0}>
          {busy === 'add' ? 'Adding…' : 'Add licenses'}
        </button>
        <button type="button" onClick={onRenew} disabled={busy !== null}>
          {busy === 'renew' ? 'Renewing…' : 'Renew with current dates'}
        </button>
      </div>
    </form>
  );
}
