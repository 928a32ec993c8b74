import { api } from '@tessera/web-kit/api';
import { downloadText } from '@tessera/web-kit/files';
import { zoneName } from '@tessera/web-kit/format';
import { useEffect, useState } from 'react';
import { FeatureUsageCard } from '../components/FeatureUsageCard.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { UsageView } from '../types.js';
import { USAGE_RANGES, type UsageRangeId, usageCsv } from '../usage-model.js';

export function UsagePage() {
  const [range, setRange] = useState<UsageRangeId>('7d');
  const [feature, setFeature] = useState('');
  const [usage, setUsage] = useState<UsageView | null>(null);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  /** Counts Retries of a failed load: each loads again. */
  const [attempt, setAttempt] = useState(0);
  const days = USAGE_RANGES.find((r) => r.id === range)!.days;
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the refetch trigger
  useEffect(() => {
    let current = true;
    setUsage(null);
    api.get<UsageView>(`/api/v1/usage?days=${days}`).then(
      (u) => current && setUsage(u),
      (err) => current && setNotice(errorNotice(err, 'Loading usage', () => setAttempt((n) => n + 1))),
    );
    return () => {
      current = false;
    };
  }, [days, attempt]);
  const shown = usage?.features.filter((f) => feature === '' || f.feature === feature) ?? [];
  const exportCsv = () => {
    if (!usage) return;
    const stamp = usage.from.slice(0, 10);
    downloadText(
      `usage-${feature || 'all'}-${range}-from-${stamp}.csv`,
      usageCsv(shown, Date.parse(usage.from), usage.hours),
    );
  };
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Usage</h1>
          <p className="sub">
            Peak seats in use against the seats licensed, and every checkout refused with its reason: hours at the
            licensed count with refusals are where more seats would help. Times are your local time (
            {zoneName(Date.now())}); day lines fall at your local midnight.
          </p>
        </div>
      </div>
      <div className="toolbar">
        <fieldset className="segmented">
          <legend>Range</legend>
          {USAGE_RANGES.map((r) => (
            <label key={r.id} className={r.id === range ? 'on' : ''}>
              <input
                type="radio"
                name="usage-range"
                value={r.id}
                checked={r.id === range}
                onChange={() => setRange(r.id)}
              />
              {r.label}
            </label>
          ))}
        </fieldset>
        <label className="field-inline">
          Feature{' '}
          <select value={feature} onChange={(e) => setFeature(e.target.value)}>
            <option value="">All features</option>
            {usage?.features.map((f) => (
              <option key={f.feature} value={f.feature}>
                {f.feature}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="ghost" onClick={exportCsv} disabled={!usage || shown.length === 0}>
          Export CSV
        </button>
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {usage === null ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <div className="empty-state">
          <h2>No usage yet</h2>
          <p>Once a license is installed and applications check seats out, each hour shows here.</p>
        </div>
      ) : (
        <div className="usage-grid">
          {shown.map((f) => (
            <FeatureUsageCard key={`${range}:${f.feature}`} f={f} fromMs={Date.parse(usage.from)} hours={usage.hours} />
          ))}
        </div>
      )}
    </div>
  );
}
