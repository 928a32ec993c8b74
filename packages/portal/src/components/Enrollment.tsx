import { useAction } from '@tessera/web-kit/action';
import { CopyButton } from '@tessera/web-kit/components/CopyButton';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { useState } from 'react';
import { api } from '../api.js';
import { type Loaded, useCustomerName, usePortal } from '../data.js';
import type { EnrollmentView, FlexibleServerView } from '../types.js';
import { errorNotice, Notice, type NoticeData } from './Notice.js';

/** How many enrollment codes the list shows (newest first). */
const CODES_SHOWN = 8;

/** A one-time enrollment code for a new flexible License Server (shown once), and the codes made lately. */
export function Enrollment({
  customerId,
  codes,
  servers,
}: {
  customerId: string | null;
  codes: Loaded<EnrollmentView[]>;
  servers: FlexibleServerView[] | undefined;
}) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const [made, setMade] = useState<(EnrollmentView & { code: string }) | null>(null);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
  const [nowMs] = useState(() => Date.now());

  const make = async () => {
    await run('Make enrollment code', async () => {
      const e = await api.post<EnrollmentView & { code: string }>(
        '/api/v1/enrollments',
        isVendor ? { customerId } : {},
      );
      setMade(e);
      setNotice(null);
      await codes.reload();
    });
  };
  const hostOf = (serverId: string) => servers?.find((s) => s.id === serverId)?.hostName ?? serverId;
  const recent = (codes.data ?? []).slice(0, CODES_SHOWN);
  const command = made
    ? `tessera server start --data DIR --mode flexible --cloud ${location.origin} --enroll ${made.code}`
    : '';

  return (
    <section className="card" aria-labelledby="flex-enroll">
      <div className="card-head">
        <h2 id="flex-enroll">Enroll a License Server</h2>
        {isVendor && customerId === null ? (
          <span className="hint">Choose a customer (top right) to make a code for it.</span>
        ) : (
          <button type="button" className="primary" disabled={busy} onClick={() => void make()}>
            {busy ? 'Working…' : 'Make an enrollment code'}
          </button>
        )}
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <p className="muted">
        A flexible License Server enrolls once, with a one-time code: it then reports its usage and receives its seats
        at each sync. A code works once and for 7 days.
      </p>
      {made && (
        <div className="secret-box" data-testid="enrollment-code-box">
          <p className="warning-line">
            The code is shown <strong>only now</strong>: the Cloud keeps just its hash. Copy it before you leave this
            page.
          </p>
          <div className="secret-line">
            <code data-testid="enrollment-code">{made.code}</code>
            <CopyButton text={made.code} label="Copy the enrollment code" />
          </div>
          <p className="small muted">
            For {nameOf(made.customerId)} · {made.id} · valid until <LocalTime at={made.expiresAt} />
          </p>
          <p className="small">Enter it in the server’s Dashboard, or start the server with it:</p>
          <div className="secret-line">
            <code className="small">{command}</code>
            <CopyButton text={command} label="Copy the start command" />
          </div>
        </div>
      )}
      {recent.length > 0 && (
        <details className="codes">
          <summary>Codes made lately ({codes.data?.length ?? 0})</summary>
          <TableScroll label="Flexible License Servers">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Code id</th>
                  {isVendor && customerId === null && <th scope="col">Customer</th>}
                  <th scope="col">Made</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((e) => (
                  <tr key={e.id}>
                    <td className="mono small">{e.id}</td>
                    {isVendor && customerId === null && <td>{nameOf(e.customerId)}</td>}
                    <td className="nowrap">
                      <LocalTime at={e.createdAt} />
                    </td>
                    <td>
                      {e.serverId ? (
                        <span>
                          used by <strong>{hostOf(e.serverId)}</strong> {e.usedAt ? <LocalTime at={e.usedAt} /> : ''}
                        </span>
                      ) : Date.parse(e.expiresAt) < nowMs ? (
                        <span className="chip">expired</span>
                      ) : (
                        <span className="chip chip-ok">
                          unused, valid until <LocalTime at={e.expiresAt} />
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </details>
      )}
    </section>
  );
}
