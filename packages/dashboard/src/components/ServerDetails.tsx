import { api } from '@tessera/web-kit/api';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { downloadText } from '@tessera/web-kit/files';
import type { LicenseTree, ServerInfo } from '../types.js';
import { errorNotice, type NoticeData } from './Notice.js';

/** The server node selected in the tree: its facts, and the licenses uninstalled from it with their certificates. */
export function ServerDetails({
  tree,
  server,
  onNotice,
}: {
  tree: LicenseTree;
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
                <span className="mono">{u.licenseId}</span> rev {u.revision}, <LocalTime at={u.uninstalledAt} />{' '}
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
