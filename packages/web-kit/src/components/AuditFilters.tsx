import { type FormEvent, useState } from 'react';
import type { NoticeData } from '../errors.js';
import { type AuditEntryBase, type AuditFilter, type AuditLog, exportAuditCsv } from './AuditLog.js';

/** `YYYY-MM-DDTHH:MM` of a datetime-local field (the viewer's local time) as an ISO instant. */
function instantOf(local: string): string | undefined {
  if (local === '') return undefined;
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface AuditFiltersProps<E extends AuditEntryBase> {
  log: AuditLog<E>;
  /** e.g. `tessera-audit` (the date and `.csv` are added). */
  fileStem: string;
  /** Columns the UI adds, as text (e.g. the customer's name). */
  extra?: { header: string; text: (e: E) => string }[];
  /** Tells the page how an export went (its Notice shows it). */
  onNotice: (n: NoticeData) => void;
  errorNotice: (err: unknown, action?: string, retry?: () => void) => NoticeData;
}

/**
 * The audit log's filters (who, what, outcome, from, until: times in the viewer's local time)
 * and its CSV export of everything that matches. Applies on submit, so typing does not reload.
 */
export function AuditFilters<E extends AuditEntryBase>({
  log,
  fileStem,
  extra = [],
  onNotice,
  errorNotice,
}: AuditFiltersProps<E>) {
  const apply = log.setFilter;
  const [exporting, setExporting] = useState(false);
  const onExport = async () => {
    setExporting(true);
    try {
      const name = `${fileStem}-${new Date().toISOString().slice(0, 10)}.csv`;
      const { count, truncated } = await exportAuditCsv(log, name, extra);
      onNotice({
        kind: 'ok',
        text: truncated
          ? `Saved the newest ${count} entries as ${name}: narrow the filters for older ones.`
          : `Saved ${count} ${count === 1 ? 'entry' : 'entries'} as ${name}.`,
      });
    } catch (err) {
      onNotice(errorNotice(err, 'Export CSV'));
    } finally {
      setExporting(false);
    }
  };
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState<'' | 'ok' | 'refused'>('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f: AuditFilter = {};
    if (actor.trim() !== '') f.actor = actor.trim();
    if (action.trim() !== '') f.action = action.trim();
    if (outcome !== '') f.outcome = outcome;
    const from = instantOf(since);
    const to = instantOf(until);
    if (from) f.since = from;
    if (to) f.until = to;
    apply(f);
  };
  const clear = () => {
    setActor('');
    setAction('');
    setOutcome('');
    setSince('');
    setUntil('');
    apply({});
  };
  return (
    <form className="toolbar audit-filters" onSubmit={submit} aria-label="Filter the audit log">
      <label className="field-inline">
        Who
        <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user:alice" size={14} />
      </label>
      <label className="field-inline">
        Action
        <input value={action} onChange={(e) => setAction(e.target.value)} placeholder="license." size={14} />
      </label>
      <label className="field-inline">
        Outcome
        <select value={outcome} onChange={(e) => setOutcome(e.target.value as '' | 'ok' | 'refused')}>
          <option value="">Any</option>
          <option value="ok">Done</option>
          <option value="refused">Refused</option>
        </select>
      </label>
      <label className="field-inline">
        From
        <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
      </label>
      <label className="field-inline">
        Until
        <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
      </label>
      <button type="submit">Apply filters</button>
      <button type="button" className="ghost" onClick={clear}>
        Clear
      </button>
      <button type="button" className="ghost" onClick={() => void onExport()} disabled={exporting}>
        {exporting ? 'Exporting…' : 'Export CSV'}
      </button>
    </form>
  );
}
