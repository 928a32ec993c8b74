import { api } from '@tessera/web-kit/api';
import { localTime } from '@tessera/web-kit/format';
import { useCallback, useEffect, useState } from 'react';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { AuditEntry } from '../types.js';

const PAGE = 100;

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [notice, setNotice] = useState<NoticeData | null>(null);

  const load = useCallback(async (before?: number) => {
    try {
      const r = await api.get<{ entries: AuditEntry[] }>(
        `/api/v1/audit?limit=${PAGE}${before === undefined ? '' : `&before=${before}`}`,
      );
      setEntries((old) => (before === undefined ? r.entries : [...(old ?? []), ...r.entries]));
      setMore(r.entries.length === PAGE);
    } catch (err) {
      setNotice(errorNotice(err, 'Loading the audit log'));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="sub">Every admin action on this server, accepted or refused, newest first.</p>
        </div>
        <button type="button" className="ghost" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="card">
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Who</th>
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
                    <td className="mono">{e.actor}</td>
                    <td className="mono">{e.action}</td>
                    <td className="mono">{e.target ?? ''}</td>
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
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}
