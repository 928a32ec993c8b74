import { useAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { plural } from '@tessera/web-kit/format';
import { useState } from 'react';
import { api, query } from '../api.js';
import { Link, setQueryParam, useLocation } from '../browser.js';
import { Empty, Loading, PageHead } from '../components/Bits.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { FileButton } from '../components/FileButton.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { pathOf } from '../routes.js';
import { scopeOf } from '../scope.js';
import type { DeploymentView, ServerView } from '../types.js';

/** License Servers registered from their Server ID file (info.bts). */
export function ServersPage() {
  const { session, isVendor } = usePortal();
  const nameOf = useCustomerName();
  const { search } = useLocation();
  const customerId = scopeOf(session.role, session.customerId, search);
  const servers = useLoad<ServerView[]>(`/api/v1/servers${query({ customerId })}`);
  const deployments = useLoad<DeploymentView[]>(`/api/v1/deployments${query({ customerId })}`);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));

  const upload = async (file: string, fileName: string) => {
    await run('Upload Server ID file', async () => {
      const s = await api.post<ServerView & { created: boolean }>('/api/v1/servers', {
        file,
        ...(isVendor && customerId ? { customerId } : {}),
      });
      setNotice({
        kind: 'ok',
        text: s.created
          ? `Registered ${s.hostName} (${s.id}) from ${fileName}. Next: create a deployment for it.`
          : `${s.hostName} (${s.id}) was registered already; its Server ID file is updated for later deployments.`,
      });
      await servers.reload();
    });
  };

  const active = (serverId: string) =>
    deployments.data?.filter((d) => d.serverId === serverId && d.status === 'active').length;

  return (
    <div className="page">
      <PageHead
        title="License Servers"
        sub="Servers that host perpetual licenses. Each is known by its Server ID file, made by its Dashboard’s Make Server ID File button."
      >
        <CustomerPicker value={isVendor ? customerId : null} onChange={(id) => setQueryParam('customer', id)} />
      </PageHead>
      <Notice
        notice={notice ?? (servers.error ? errorNotice(servers.error, 'Loading servers', servers.reload) : null)}
        onClose={() => setNotice(null)}
      />
      <UploadServerIdCard
        forCustomer={isVendor ? (customerId === null ? null : nameOf(customerId)) : undefined}
        busy={busy}
        onText={upload}
        onError={(err) => setNotice(errorNotice(err, 'Upload Server ID file'))}
      />
      {!servers.data ? (
        <Loading what="servers" />
      ) : servers.data.length === 0 ? (
        <Empty>
          <strong>No License Server is registered yet.</strong> Upload its Server ID file above.
        </Empty>
      ) : (
        <section className="card" aria-labelledby="servers-title">
          <h2 id="servers-title">{plural(servers.data.length, 'server')}</h2>
          <TableScroll label="License Servers">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Host</th>
                  <th scope="col">Server id</th>
                  {isVendor && customerId === null && <th scope="col">Customer</th>}
                  <th scope="col">Version</th>
                  <th scope="col">Hardware factors</th>
                  <th scope="col" className="num">
                    Active deployments
                  </th>
                  <th scope="col">Registered</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {servers.data.map((s) => (
                  <tr key={s.id} data-server={s.id}>
                    <td className="strong">{s.hostName}</td>
                    <td className="mono small">{s.id}</td>
                    {isVendor && customerId === null && <td>{nameOf(s.customerId)}</td>}
                    <td>{s.productVersion}</td>
                    <td className="small muted">{s.factors.join(', ')}</td>
                    <td className="num">{active(s.id) ?? '…'}</td>
                    <td className="nowrap">
                      <LocalTime at={s.registeredAt} />
                    </td>
                    <td className="row-action">
                      <Link
                        className="button small"
                        href={`${pathOf('deployments')}${query({ customer: isVendor ? s.customerId : undefined, server: s.id })}`}
                        aria-label={`New deployment on ${s.hostName}`}
                      >
                        New deployment
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      )}
    </div>
  );
}

/**
 * Where a Server ID file is uploaded. `forCustomer`: the customer's name (vendor staff with one
 * chosen), null (vendor staff with none chosen yet: the upload waits), or undefined (a customer's own).
 */
function UploadServerIdCard(p: {
  forCustomer: string | null | undefined;
  busy: boolean;
  onText: (text: string, fileName: string) => Promise<void>;
  onError: (err: unknown) => void;
}) {
  return (
    <section className="card action-card" aria-labelledby="upload-title">
      <div>
        <h2 id="upload-title">Upload a Server ID file</h2>
        <p className="muted">
          On the License Server’s Dashboard, press <em>Make Server ID File</em> (or run{' '}
          <code>tessera server-id --data DIR --out info.bts</code>) and upload the <code>info.bts</code> it saves. Its
          signature is checked before anything is stored.
        </p>
      </div>
      {p.forCustomer === null ? (
        <p className="hint">Choose the customer the server belongs to (top right) first.</p>
      ) : (
        <FileButton
          label="Upload info.bts"
          accept=".bts"
          busy={p.busy}
          description={p.forCustomer === undefined ? undefined : `Registers the server for ${p.forCustomer}`}
          onText={p.onText}
          onError={p.onError}
        />
      )}
    </section>
  );
}
