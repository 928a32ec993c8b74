import { api } from '@tessera/web-kit/api';
import { type AuditPageSource, AuditTable, useAuditLog } from '@tessera/web-kit/components/AuditLog';
import { errorNotice, Notice } from '../components/Notice.js';
import type { AuditEntry } from '../types.js';

const auditPage: AuditPageSource<AuditEntry> = async (limit, before) =>
  (
    await api.get<{ entries: AuditEntry[] }>(
      `/api/v1/audit?limit=${limit}${before === undefined ? '' : `&before=${before}`}`,
    )
  ).entries;

export function AuditPage() {
  const log = useAuditLog(auditPage, errorNotice);
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="sub">Every admin action on this server, accepted or refused, newest first.</p>
        </div>
        <button type="button" className="ghost" onClick={log.refresh}>
          Refresh
        </button>
      </div>
      <Notice notice={log.notice} onClose={log.clearNotice} />
      <AuditTable log={log} loading={<p className="muted">Loading…</p>} codeClass="mono" />
    </div>
  );
}
