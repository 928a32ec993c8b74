import { plural } from '@tessera/web-kit/format';
import { useState } from 'react';
import { ButtonColumn } from '../components/ButtonColumn.js';
import { Holders } from '../components/Holders.js';
import { LicenseDetails } from '../components/LicenseDetails.js';
import { LicenseFileInputs } from '../components/LicenseFileInputs.js';
import { LicenseTree } from '../components/LicenseTree.js';
import { LiveBadge } from '../components/LiveBadge.js';
import { ModeChangedNotice } from '../components/ModeChangedNotice.js';
import { NoLicenses } from '../components/NoLicenses.js';
import { Notice, type NoticeData } from '../components/Notice.js';
import { ServerDetails } from '../components/ServerDetails.js';
import { UninstallDialog } from '../components/UninstallDialog.js';
import { useLicenseActions } from '../hooks/useLicenseActions.js';
import { useLicenseTree } from '../hooks/useLicenseTree.js';
import { useSyncStatus } from '../hooks/useSyncStatus.js';
import { useServerEvents } from '../live.js';
import { roleAtLeast } from '../routes.js';
import { SERVER_NODE } from '../tree.js';
import type { ServerInfo, SessionView } from '../types.js';

/**
 * The License Server's licenses: the tree (server, licenses, features) on the left, what the selection holds
 * under it, the license buttons on the right. It follows the server's changes live.
 */
export function LicensesPage({ session, server }: { session: SessionView; server: ServerInfo | null }) {
  const [notice, setNotice] = useState<NoticeData | null>(null);
  /** Counts the server's changes, so the holders list reloads at each. */
  const [version, setVersion] = useState(0);
  const licenses = useLicenseTree(setNotice);
  const { tree, root, node, nowMs } = licenses;
  const { sync, loadSync } = useSyncStatus(server !== null && server.mode !== 'perpetual');
  const actions = useLicenseActions({ server, tree: licenses, loadSync, onNotice: setNotice });
  const live = useServerEvents(() => {
    void licenses.load();
    void loadSync();
    setVersion((v) => v + 1);
  });

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
      <ModeChangedNotice server={server} />
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <div className="licenses-layout">
        <div className="licenses-main">
          {root ? (
            <LicenseTree
              root={root}
              expanded={licenses.expanded}
              selected={node?.id ?? SERVER_NODE}
              nowMs={nowMs}
              onExpand={licenses.expand}
              onCollapse={licenses.collapse}
              onSelect={licenses.select}
            />
          ) : (
            <div className="tree-wrap skeleton" aria-busy="true" />
          )}
          {tree && tree.licenses.length === 0 && <NoLicenses mode={server?.mode ?? 'perpetual'} />}
          {node?.kind === 'feature' && (
            <Holders
              key={node.id}
              licenseId={node.license.licenseId}
              feature={node.feature.name}
              canRelease={roleAtLeast(session.role, 'manage')}
              version={version}
              nowMs={nowMs}
              onNotice={setNotice}
            />
          )}
          {node?.kind === 'license' && <LicenseDetails license={node.license} />}
          {node?.kind === 'server' && tree && <ServerDetails tree={tree} server={server} onNotice={setNotice} />}
        </div>
        <ButtonColumn server={server} role={session.role} actions={actions.actions} sync={sync} />
      </div>
      <LicenseFileInputs register={actions.fileInput} onChosen={actions.fileChosen} />
      <UninstallDialog
        license={actions.uninstalling}
        busy={actions.busy === 'uninstall'}
        onConfirm={actions.confirmUninstall}
        onCancel={actions.cancelUninstall}
      />
    </div>
  );
}
