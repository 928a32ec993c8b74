import { api } from '@tessera/web-kit/api';
import { localTime, plural, zoneName } from '@tessera/web-kit/format';
import { useEffect, useState } from 'react';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { UsageFeature, UsageView } from '../types.js';

const HOUR_MS = 3600_000;
const W = 840;
const H = 150;
const PAD = { left: 34, right: 8, top: 10, bottom: 22 };

export function UsagePage() {
  const [usage, setUsage] = useState<UsageView | null>(null);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  /** Counts Retries of a failed load: each loads again. */
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the refetch trigger
  useEffect(() => {
    api
      .get<UsageView>('/api/v1/usage?days=7')
      .then(setUsage, (err) => setNotice(errorNotice(err, 'Loading usage', () => setAttempt((n) => n + 1))));
  }, [attempt]);
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Usage</h1>
          <p className="sub">
            Peak seats in use per hour over the last 7 days (hours in your local time, {zoneName(Date.now())}), against
            the seats licensed, and requests refused for lack of seats. Hours at the licensed count with refusals are
            where more seats would help.
          </p>
        </div>
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {usage === null ? (
        <p className="muted">Loading…</p>
      ) : usage.features.length === 0 ? (
        <div className="empty-state">
          <h2>No usage yet</h2>
          <p>Once a license is installed and applications check seats out, each hour shows here.</p>
        </div>
      ) : (
        <div className="usage-grid">
          {usage.features.map((f) => (
            <FeatureUsage key={f.feature} f={f} fromMs={Date.parse(usage.from)} hours={usage.hours} />
          ))}
        </div>
      )}
    </div>
  );
}

function FeatureUsage({ f, fromMs, hours }: { f: UsageFeature; fromMs: number; hours: number }) {
  const maxPeak = Math.max(0, ...f.peak);
  const denials = f.denials.reduce((a, b) => a + b, 0);
  const checkouts = f.checkouts.reduce((a, b) => a + b, 0);
  const seatHours = Math.round(f.seatSeconds.reduce((a, b) => a + b, 0) / 360) / 10;
  const atCapacity = f.licensed > 0 ? f.peak.filter((p) => p >= f.licensed).length : 0;
  const top = Math.max(1, maxPeak, f.licensed);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / hours;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const titleId = `usage-title-${f.feature}`;
  const descId = `usage-desc-${f.feature}`;
  const chartTitleId = `usage-chart-${f.feature}`;
  const days = Array.from({ length: Math.ceil(hours / 24) + 1 }, (_, i) => i * 24).filter((h) => h <= hours);
  // Month-day of the local date at each day mark.
  const label = (i: number) => localTime(fromMs + i * HOUR_MS).slice(5, 10);
  const summary = `Peak ${maxPeak} of ${f.licensed} licensed seats; ${plural(atCapacity, 'hour')} at the licensed count; ${plural(denials, 'request')} refused for lack of seats; ${plural(checkouts, 'checkout')}; ${seatHours} seat-hours.`;

  return (
    <section className="card usage-card" aria-labelledby={titleId}>
      <div className="usage-head">
        <h2 id={titleId} className="mono">
          {f.feature}
        </h2>
        <UsageStats
          peak={maxPeak}
          licensed={f.licensed}
          atCapacity={atCapacity}
          denials={denials}
          checkouts={checkouts}
          seatHours={seatHours}
        />
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-labelledby={`${chartTitleId} ${descId}`}>
        <title
          id={chartTitleId}
        >{`Peak seats in use of ${f.feature} per hour, last ${Math.round(hours / 24)} days`}</title>
        <desc id={descId}>{summary}</desc>
        {[...new Set([0, f.licensed, top])].map((v) => {
          return (
            <g key={v} className="grid">
              <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
              <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
                {v}
              </text>
            </g>
          );
        })}
        {days.map((h) => (
          <g key={h} className="grid day">
            <line x1={PAD.left + h * barW} x2={PAD.left + h * barW} y1={PAD.top} y2={PAD.top + plotH} />
            {h < hours && (
              <text x={PAD.left + h * barW + 3} y={H - 6}>
                {label(h)}
              </text>
            )}
          </g>
        ))}
        {f.peak.map((p, i) =>
          p > 0 ? (
            <rect
              // biome-ignore lint/suspicious/noArrayIndexKey: one bar per hour, in a fixed order
              key={i}
              className={f.licensed > 0 && p >= f.licensed ? 'bar full' : 'bar'}
              x={PAD.left + i * barW + 0.5}
              width={Math.max(1, barW - 1)}
              y={y(p)}
              height={PAD.top + plotH - y(p)}
            >
              <title>{`${localTime(fromMs + i * HOUR_MS)}: peak ${p} of ${f.licensed}, ${f.checkouts[i]} checkouts, ${f.denials[i]} denials`}</title>
            </rect>
          ) : null,
        )}
        {f.denials.map((d, i) =>
          d > 0 ? (
            <circle
              // biome-ignore lint/suspicious/noArrayIndexKey: one mark per hour, in a fixed order
              key={`d${i}`}
              className="denial"
              cx={PAD.left + (i + 0.5) * barW}
              cy={PAD.top + 4}
              r={Math.min(5, 2 + Math.log2(d + 1))}
            >
              <title>{`${localTime(fromMs + i * HOUR_MS)}: ${plural(d, 'request')} refused for lack of seats`}</title>
            </circle>
          ) : null,
        )}
        {f.licensed > 0 && (
          <line className="capacity" x1={PAD.left} x2={W - PAD.right} y1={y(f.licensed)} y2={y(f.licensed)} />
        )}
      </svg>
      <UsageLegend />
    </section>
  );
}

/** A feature's figures over the whole period, beside its chart. */
function UsageStats(p: {
  peak: number;
  licensed: number;
  atCapacity: number;
  denials: number;
  checkouts: number;
  seatHours: number;
}) {
  const { peak, licensed, atCapacity, denials, checkouts, seatHours } = p;
  return (
    <dl className="stats">
      <div>
        <dt>Peak</dt>
        <dd>
          {peak}
          <span className="muted"> / {licensed}</span>
        </dd>
      </div>
      <div>
        <dt>Hours at limit</dt>
        <dd>{atCapacity}</dd>
      </div>
      <div className={denials > 0 ? 'bad' : ''}>
        <dt>Denials</dt>
        <dd>{denials}</dd>
      </div>
      <div>
        <dt>Checkouts</dt>
        <dd>{checkouts}</dd>
      </div>
      <div>
        <dt>Seat-hours</dt>
        <dd>{seatHours}</dd>
      </div>
    </dl>
  );
}

/** What the chart's marks mean; the chart's description says it in words for a screen reader. */
function UsageLegend() {
  return (
    <div className="legend" aria-hidden="true">
      <span>
        <i className="sw bar" /> peak seats in use
      </span>
      <span>
        <i className="sw full" /> at the licensed count
      </span>
      <span>
        <i className="sw capacity" /> seats licensed
      </span>
      <span>
        <i className="sw denial" /> refusals
      </span>
    </div>
  );
}
