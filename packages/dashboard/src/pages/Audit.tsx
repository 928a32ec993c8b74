import { api } from '@tessera/web-kit/api';
import { AuditFilters } from '@tessera/web-kit/components/AuditFilters';
import { type AuditPageSource, AuditTable, auditFilterParams, useAuditLog } from '@tessera/web-kit/components/AuditLog';
import type { NoticeData } from '@tessera/web-kit/errors';
import { useState } from 'react';
import { errorNotice, Notice } from '../components/Notice.js';
import type { AuditEntry } from '../types.js';

const auditPage: AuditPageSource<AuditEntry> = async (limit, before, filter) => {
  const q = new URLSearchParams({
    limit: String(limit),
    ...(before === undefined ? {} : { before: String(before) }),
    ...auditFilterParams(filter),
  });
  return (await api.get<{ entries: AuditEntry[] }>(`/api/v1/audit?${q}`)).entries;
};

export function AuditPage() {
  const log = useAuditLog(auditPage, errorNotice);
  const [exported, setExported] = useState<NoticeData | null>(null);
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
      <AuditFilters log={log} fileStem="tessera-audit" onNotice={setExported} errorNotice={errorNotice} />
      <Notice notice={log.notice} onClose={log.clearNotice} />
      <Notice notice={exported} onClose={() => setExported(null)} />
      <AuditTable log={log} loading={<p className="muted">Loading…</p>} codeClass="mono" />
    </div>
  );
}
