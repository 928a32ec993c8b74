import { AuditFilters } from '@tessera/web-kit/components/AuditFilters';
import { type AuditPageSource, AuditTable, auditFilterParams, useAuditLog } from '@tessera/web-kit/components/AuditLog';
import type { NoticeData } from '@tessera/web-kit/errors';
import { useState } from 'react';
import { api, query } from '../api.js';
import { Loading, PageHead } from '../components/Bits.js';
import { errorNotice, Notice } from '../components/Notice.js';
import { useCustomerName, usePortal } from '../data.js';
import type { AuditEntry } from '../types.js';

const auditPage: AuditPageSource<AuditEntry> = (limit, before, filter) =>
  api.get<AuditEntry[]>(`/api/v1/audit${query({ limit, before, ...auditFilterParams(filter) })}`);

/** The audit log: everything for vendor staff, one's own customer's entries otherwise. */
export function AuditPage() {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const log = useAuditLog(auditPage, errorNotice);
  const [exported, setExported] = useState<NoticeData | null>(null);
  return (
    <div className="page">
      <PageHead
        title="Audit log"
        sub={
          isVendor
            ? 'Every action on this Cloud, accepted or refused, newest first.'
            : 'Every action on your company’s licenses, accepted or refused, newest first.'
        }
      >
        <button type="button" className="ghost" onClick={log.refresh}>
          Refresh
        </button>
      </PageHead>
      <AuditFilters
        log={log}
        fileStem="tessera-cloud-audit"
        extra={isVendor ? [{ header: 'Customer', text: (e) => (e.customerId ? nameOf(e.customerId) : '') }] : []}
        onNotice={setExported}
        errorNotice={errorNotice}
      />
      <Notice notice={log.notice} onClose={log.clearNotice} />
      <Notice notice={exported} onClose={() => setExported(null)} />
      <AuditTable
        log={log}
        loading={<Loading what="the audit log" />}
        codeClass="mono small"
        extraColumns={isVendor ? [{ header: 'Customer', cell: (e) => (e.customerId ? nameOf(e.customerId) : '') }] : []}
        omitEmptyDetail
      />
    </div>
  );
}
