import { api, getOnce } from '@tessera/web-kit/api';
import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { downloadText } from '@tessera/web-kit/files';
import { localTime, plural } from '@tessera/web-kit/format';
import { type ChangeEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ActionId } from '../actions.js';
import { readTextFile } from '../browser.js';
import { type ActionState, ButtonColumn, type SyncIndicator } from '../components/ButtonColumn.js';
import { Holders } from '../components/Holders.js';
import { LicenseTree } from '../components/LicenseTree.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { type LiveState, useServerEvents } from '../live.js';
import { roleAtLeast } from '../routes.js';
import { buildTree, findNode, licenseNodeId, SERVER_NODE, type TreeNode } from '../tree.js';
import type { LicenseView, ServerInfo, SessionView, LicenseTree as Tree } from '../types.js';

/** With this many licenses or fewer, the tree opens with every license expanded. */
const EXPAND_ALL_UP_TO = 8;

export function LicensesPage({ session, server }: { session: SessionView; server: ServerInfo | null }) {
  const [tree, setTree] = useState<Tree | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set([SERVER_NODE]));
  const [selected, setSelected] = useState(SERVER_NODE);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [busy, setBusy] = useState<ActionId | null>(null);
  const [uninstalling, setUninstalling] = useState<LicenseView | null>(null);
  const [version, setVersion] = useState(0);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const installInput = useRef<HTMLInputElement>(null);
  const renewInput = useRef<HTMLInputElement>(null);
  const syncInput = useRef<HTMLInputElement>(null);
  const reportInput = useRef<HTMLInputElement>(null);
  const [sync, setSync] = useState<(SyncIndicator & { enrolled: boolean }) | null>(null);
  const flexibleMode = server !== null && server.mode !== 'perpetual';
  const loading = useRef<Promise<Tree | null> | null>(null);
  const again = useRef(false);
  const firstLoad = useRef(true);

  /** Fetches the tree; a change that arrives mid-fetch causes one more fetch, not a pile. */
  const load = useCallback((): Promise<Tree | null> => {
    if (loading.current) {
      again.current = true;
      return loading.current;
    }
    const run = async (): Promise<Tree | null> => {
      let latest: Tree | null = null;
      try {
        do {
          again.current = false;
          latest = await getOnce<Tree>('/api/v1/licenses');
          setTree(latest);
          setNowMs(Date.now());
        } while (again.current);
      } catch (err) {
        setNotice(errorNotice(err, 'Loading the licenses'));
      } finally {
        loading.current = null;
      }
      return latest;
    };
    loading.current = run();
    return loading.current;
  }, []);

  useEffect(() => {
    void load().then((t) => {
      if (!t || !firstLoad.current) return;
      firstLoad.current = false;
      if (t.licenses.length <= EXPAND_ALL_UP_TO) {
        setExpanded(new Set([SERVER_NODE, ...t.licenses.map((l) => licenseNodeId(l.licenseId))]));
      }
    });
  }, [load]);

  /** Flexible modes: the last sync, valid-until and the last failure, for the indicator. */
  const loadSync = useCallback(async () => {
    if (!flexibleMode) return;
    try {
      const st = await api.get<FlexibleStatus>('/api/v1/flexible/status');
      setSync({
        lastSyncAt: st.lastSync?.appliedAt ?? null,
        validUntil: st.validUntil,
        expired: st.expired,
        lastFailure: st.lastFailure,
        enrolled: st.enrolled,
      });
    } catch {
      // The indicator keeps what it showed; the page's own loads report errors.
    }
  }, [flexibleMode]);

  useEffect(() => {
    void loadSync();
    if (!flexibleMode) return;
    const t = setInterval(() => void loadSync(), 15_000);
    return () => clearInterval(t);
  }, [loadSync, flexibleMode]);

  const live: LiveState = useServerEvents(() => {
    void load();
    void loadSync();
    setVersion((v) => v + 1);
  });

  const root = useMemo(() => (tree ? buildTree(tree) : null), [tree]);
  const node: TreeNode | undefined = root ? (findNode(root, selected) ?? root) : undefined;
  const license = node?.kind === 'license' || node?.kind === 'feature' ? node.license : null;
  const canManage = roleAtLeast(session.role, 'manage');

  const act = async (id: ActionId, what: string, fn: () => Promise<void>) => {
    setBusy(id);
    try {
      await fn();
    } catch (err) {
      setNotice(errorNotice(err, what));
    } finally {
      setBusy(null);
    }
  };

  const makeServerId = () =>
    act('makeServerId', 'Make Server ID File', async () => {
      const { file } = await api.post<{ file: string }>('/api/v1/server-id-file');
      downloadText('info.bts', file);
      setNotice({
        kind: 'ok',
        text: 'Saved info.bts. Send it to your vendor’s licensing portal to get a license file for this server.',
      });
    });

  const onFile = (which: 'install' | 'renew') => async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    await act(which, which === 'install' ? 'Install License' : 'Renew License', async () => {
      const text = await readTextFile(file);
      if (which === 'install') {
        const l = await api.post<LicenseView>('/api/v1/licenses', { file: text });
        setNotice({
          kind: 'ok',
          text: `Installed license ${l.licenseId} (${plural(l.features.length, 'feature')}: ${l.features.map((f) => `${f.name} × ${f.count}`).join(', ')}).`,
        });
        await load();
        setExpanded((s) => new Set([...s, SERVER_NODE, licenseNodeId(l.licenseId)]));
        setSelected(licenseNodeId(l.licenseId));
      } else {
        const l = await api.post<LicenseView & { revokedLeases: number }>('/api/v1/licenses/renew', { file: text });
        setNotice({
          kind: 'ok',
          text: `Renewed license ${l.licenseId} to revision ${l.revision}.${l.revokedLeases > 0 ? ` ${plural(l.revokedLeases, 'lease')} lost their seats, since the renewal has fewer.` : ''}`,
        });
        await load();
        setSelected(licenseNodeId(l.licenseId));
      }
    });
  };

  const uninstall = () => {
    const l = uninstalling;
    if (!l) return;
    void act('uninstall', 'Uninstall License', async () => {
      try {
        const r = await api.post<{ certificate: string; revokedLeases: number }>(
          `/api/v1/licenses/${encodeURIComponent(l.licenseId)}/uninstall`,
        );
        downloadText(`${l.licenseId}.uninstall`, r.certificate);
        setNotice({
          kind: 'ok',
          text: `Uninstalled license ${l.licenseId}. Its uninstall certificate, ${l.licenseId}.uninstall, is downloading: send it to your vendor to get the seats back.${r.revokedLeases > 0 ? ` ${plural(r.revokedLeases, 'lease')} lost their seats.` : ''}`,
        });
        setSelected(SERVER_NODE);
        await load();
      } finally {
        setUninstalling(null);
      }
    });
  };

  const resync = () =>
    act('resync', 'Resync Info', async () => {
      try {
        const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/resync');
        setNotice({ kind: 'ok', text: `Synced with the Cloud: ${appliedText(r.applied)}` });
      } finally {
        await Promise.all([load(), loadSync()]);
      }
    });

  const createReport = () =>
    act('createReport', 'Create Report File', async () => {
      const r = await api.post<{ file: string; sequence: number; hours: number }>('/api/v1/flexible/report');
      const name = `report-${r.sequence}.report`;
      downloadText(name, r.file);
      setNotice({
        kind: 'ok',
        text: `Saved ${name} (${plural(r.hours, 'usage hour')} not yet acknowledged). Take it to a License Server in PLS mode (Send Report File) and bring back the Sync File it gives you.`,
      });
      await loadSync();
    });

  const onSyncFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    await act('importSync', 'Import Sync File', async () => {
      try {
        const text = await readTextFile(file);
        const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/sync', { file: text });
        setNotice({ kind: 'ok', text: `Imported ${file.name}: ${appliedText(r.applied)}` });
      } finally {
        await Promise.all([load(), loadSync()]);
      }
    });
  };

  const onReportFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    await act('sendReport', 'Send Report File', async () => {
      const text = await readTextFile(file);
      const r = await api.post<{ file: string; serverId: string; sequence: number }>('/api/v1/flexible/relay', {
        file: text,
      });
      const name = `${r.serverId}-${r.sequence}.sync`;
      downloadText(name, r.file);
      setNotice({
        kind: 'ok',
        text: `Sent ${file.name} to the Cloud. Saved the Sync File ${name}: import it on that server (Import Sync File).`,
      });
    });
  };

  const actions: Partial<Record<ActionId, ActionState>> = {
    resync: { busy: busy === 'resync', run: () => void resync() },
    createReport: { busy: busy === 'createReport', run: () => void createReport() },
    importSync: { busy: busy === 'importSync', run: () => syncInput.current?.click() },
    sendReport: { busy: busy === 'sendReport', run: () => reportInput.current?.click() },
    makeServerId: { busy: busy === 'makeServerId', run: () => void makeServerId() },
    install: { busy: busy === 'install', run: () => installInput.current?.click() },
    uninstall: {
      busy: busy === 'uninstall',
      ...(license
        ? { note: `Acts on ${shortId(license.licenseId)}` }
        : { blocked: 'Select a license in the tree first.' }),
      run: () => license && setUninstalling(license),
    },
    renew: { busy: busy === 'renew', run: () => renewInput.current?.click() },
    website: {
      ...(server?.portalUrl
        ? {}
        : { blocked: 'No vendor portal address is configured on this server (--portal-url).' }),
      run: () => {
        if (server?.portalUrl) window.open(server.portalUrl, '_blank', 'noopener,noreferrer');
      },
    },
  };

  return (
    <div className="page licenses-page">
      <div className="page-head">
        <div>
          <h1>Licenses</h1>
          <p className="sub">
            {tree
              ? `${plural(tree.licenses.length, 'license')} installed · ${server ? `${server.mode} mode` : ''}`
              : 'Loading…'}
          </p>
        </div>
        <LiveBadge state={live} />
      </div>
      {tree?.server.clockTampered && (
        <div className="notice notice-error" role="alert">
          The system clock is behind time this server has already seen. Time-limited seats are refused until the clock
          is right.
        </div>
      )}
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <div className="licenses-layout">
        <div className="licenses-main">
          {root ? (
            <LicenseTree
              root={root}
              expanded={expanded}
              selected={node?.id ?? SERVER_NODE}
              nowMs={nowMs}
              onExpand={(ids) => setExpanded((s) => new Set([...s, ...ids]))}
              onCollapse={(id) =>
                setExpanded((s) => {
                  const n = new Set(s);
                  n.delete(id);
                  return n;
                })
              }
              onSelect={setSelected}
            />
          ) : (
            <div className="tree-wrap skeleton" aria-busy="true" />
          )}
          {tree && tree.licenses.length === 0 && (
            <div className="empty-state">
              <h2>No license is installed yet</h2>
              <ol>
                <li>
                  Press <strong>Make Server ID File</strong> and send <code>info.bts</code> to your vendor’s portal.
                </li>
                <li>
                  Press <strong>Install License</strong> and choose the license file you get back.
                </li>
              </ol>
            </div>
          )}
          {node?.kind === 'feature' && (
            <Holders
              key={node.id}
              licenseId={node.license.licenseId}
              feature={node.feature.name}
              canRelease={canManage}
              version={version}
              nowMs={nowMs}
              onNotice={setNotice}
            />
          )}
          {node?.kind === 'license' && <LicenseDetails license={node.license} />}
          {node?.kind === 'server' && tree && <ServerDetails tree={tree} server={server} onNotice={setNotice} />}
        </div>
        <ButtonColumn server={server} role={session.role} actions={actions} sync={sync} />
      </div>
      <input
        ref={installInput}
        type="file"
        name="install"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="License file to install"
        accept=".lic,.txt,application/octet-stream,text/plain"
        onChange={(e) => void onFile('install')(e)}
      />
      <input
        ref={renewInput}
        type="file"
        name="renew"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="License file to renew with"
        accept=".lic,.txt,application/octet-stream,text/plain"
        onChange={(e) => void onFile('renew')(e)}
      />
      <input
        ref={syncInput}
        type="file"
        name="importSync"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Sync File to import"
        accept=".sync,.txt,application/octet-stream,text/plain"
        onChange={(e) => void onSyncFile(e)}
      />
      <input
        ref={reportInput}
        type="file"
        name="sendReport"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Report File to send to the Cloud"
        accept=".report,.txt,application/octet-stream,text/plain"
        onChange={(e) => void onReportFile(e)}
      />
      <ConfirmDialog
        open={uninstalling !== null}
        title="Uninstall this license permanently?"
        confirmLabel="Uninstall permanently"
        danger
        busy={busy === 'uninstall'}
        onConfirm={uninstall}
        onCancel={() => setUninstalling(null)}
      >
        {uninstalling && (
          <>
            <p>
              License <strong className="mono">{uninstalling.licenseId}</strong> (
              {uninstalling.features.map((f) => `${f.name} × ${f.count}`).join(', ')}) will be removed from this server.
            </p>
            <p className="warning">
              This is permanent: once uninstalled, this license can never be installed on this server again.
            </p>
            {uninstalling.features.some((f) => f.inUse > 0) && (
              <p>
                {plural(
                  uninstalling.features.reduce((n, f) => n + f.inUse, 0),
                  'seat',
                )}{' '}
                in use will be taken back from the applications holding them.
              </p>
            )}
            <p>An uninstall certificate downloads next: send it to your vendor to get the seats back.</p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}

interface SyncApplied {
  syncCounter: number;
  licenses: number;
  seats: number;
  revokedLeases: number;
  validUntil: string;
}

interface FlexibleStatus {
  enrolled: boolean;
  lastSync: { appliedAt: string } | null;
  validUntil: string | null;
  expired: boolean;
  lastFailure: { at: string; code: string; message: string } | null;
}

function appliedText(a: SyncApplied): string {
  return `${plural(a.licenses, 'flexible license')} with ${plural(a.seats, 'seat')}, valid until ${localTime(a.validUntil)}.${a.revokedLeases > 0 ? ` ${plural(a.revokedLeases, 'lease')} lost their seats, since the new counts are lower.` : ''}`;
}

/** `lic_06h2…e330`: enough to tell licenses apart in a narrow column. */
function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

function LiveBadge({ state }: { state: LiveState }) {
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Not live: reconnecting';
  return (
    <output className={`live live-${state}`} title="In-use counts update by themselves while this shows Live">
      <span className="dot" aria-hidden="true" />
      {text}
    </output>
  );
}

function LicenseDetails({ license }: { license: LicenseView }) {
  return (
    <section className="card" aria-labelledby="license-details">
      <h2 id="license-details">
        License <span className="mono">{license.licenseId}</span>
      </h2>
      <dl className="facts">
        <dt>Customer</dt>
        <dd>{license.customer}</dd>
        <dt>Mode</dt>
        <dd>{license.mode}</dd>
        <dt>Revision</dt>
        <dd>{license.revision}</dd>
        <dt>Issued</dt>
        <dd>{localTime(license.issuedAt)}</dd>
        <dt>Installed</dt>
        <dd>{localTime(license.installedAt)}</dd>
        <dt>Features</dt>
        <dd>{license.features.map((f) => `${f.name} × ${f.count}`).join(', ')}</dd>
      </dl>
      <p className="sub">Select a feature in the tree to see who holds its seats.</p>
    </section>
  );
}

function ServerDetails({
  tree,
  server,
  onNotice,
}: {
  tree: Tree;
  server: ServerInfo | null;
  onNotice: (n: NoticeData) => void;
}) {
  const fetchCertificate = async (licenseId: string) => {
    try {
      const r = await api.get<{ certificate: string }>(`/api/v1/licenses/${encodeURIComponent(licenseId)}/certificate`);
      downloadText(`${licenseId}.uninstall`, r.certificate);
    } catch (err) {
      onNotice(errorNotice(err, 'Download certificate'));
    }
  };
  return (
    <section className="card" aria-labelledby="server-details">
      <h2 id="server-details">This server</h2>
      <dl className="facts">
        <dt>Server id</dt>
        <dd className="mono">{tree.server.serverId}</dd>
        <dt>Host</dt>
        <dd>{tree.server.hostName}</dd>
        <dt>Version</dt>
        <dd>{tree.server.version}</dd>
        {server && (
          <>
            <dt>Mode</dt>
            <dd>{server.mode}</dd>
            <dt>Client address</dt>
            <dd className="mono">{server.clientUrl}</dd>
            <dt>Leases</dt>
            <dd>
              live {server.leaseSeconds} s past the last heartbeat (clients beat every {server.heartbeatSeconds} s)
            </dd>
          </>
        )}
      </dl>
      {tree.uninstalled.length > 0 && (
        <>
          <h3>Uninstalled from this server</h3>
          <ul className="plain-list">
            {tree.uninstalled.map((u) => (
              <li key={u.licenseId}>
                <span className="mono">{u.licenseId}</span> rev {u.revision}, {localTime(u.uninstalledAt)}{' '}
                <button
                  type="button"
                  className="small ghost"
                  aria-label={`Download the uninstall certificate of ${u.licenseId}`}
                  onClick={() => void fetchCertificate(u.licenseId)}
                >
                  Certificate
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
