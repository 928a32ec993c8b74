import { localTime } from '@tessera/web-kit/format';
import { useCallback, useEffect, useState } from 'react';
import { api, query } from '../api.js';
import { Loading, PageHead } from '../components/Bits.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { useCustomerName, usePortal } from '../data.js';
import type { AuditEntry } from '../types.js';

const PAGE = 100;

/** The audit log: everything for vendor staff, one's own customer's entries otherwise. */
export function AuditPage() {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [notice, setNotice] = useState<NoticeData | null>(null);

  const load = useCallback(async (before?: string) => {
    try {
      const page = await api.get<AuditEntry[]>(`/api/v1/audit${query({ limit: PAGE, before })}`);
      setEntries((old) => (before === undefined ? page : [...(old ?? []), ...page]));
      setMore(page.length === PAGE);
    } catch (err) {
      setNotice(errorNotice(err, 'Loading the audit log'));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

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
        <button type="button" className="ghost" onClick={() => void load()}>
          Refresh
        </button>
      </PageHead>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {entries === null ? (
        <Loading what="the audit log" />
      ) : (
        <div className="card">
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Who</th>
                  {isVendor && <th scope="col">Customer</th>}
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">{localTime(e.at)}</td>
                    <td className="mono small">{e.actor}</td>
                    {isVendor && <td>{e.customerId ? nameOf(e.customerId) : ''}</td>}
                    <td className="mono small">{e.action}</td>
                    <td className="mono small">{e.target ?? ''}</td>
                    <td>
                      <span className={e.outcome === 'ok' ? 'chip chip-ok' : 'chip chip-bad'}>
                        {e.outcome === 'ok' ? 'done' : e.outcome.replace('refused:', 'refused: ')}
                      </span>
                    </td>
                    <td className="detail">{detailText(e.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {more && (
            <button type="button" className="ghost" onClick={() => void load(entries.at(-1)?.id)}>
              Older entries
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function detailText(d: unknown): string {
  if (d === null || d === undefined) return '';
  if (typeof d !== 'object') return String(d);
  const o = d as Record<string, unknown>;
  if (typeof o.message === 'string') return o.message;
  return Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}
