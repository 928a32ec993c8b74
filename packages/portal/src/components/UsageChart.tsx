import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { localTime, plural, zoneName } from '@tessera/web-kit/format';
import { useId } from 'react';
import { type FeatureUsage, seatHours } from '../usage.js';

const W = 840;
const H = 160;
const PAD = { left: 34, right: 8, top: 10, bottom: 22 };
/** At most this many time labels under a chart. */
const MAX_LABELS = 8;

/** A bucket's start as shown: hours in the viewer's local time, days as UTC dates. */
export function bucketLabel(t: string, bucket: 'hour' | 'day'): string {
  return bucket === 'hour' ? localTime(t) : t;
}

/** Steps between time labels: hours (local), or days. */
const HOUR_STEPS = [1, 2, 3, 6, 12, 24];
const DAY_STEPS = [1, 2, 7, 14, 28, 56];

/**
 * The buckets that get a time label, and their text: at round local hours (midnight when a
 * label a day; ranges of hours are at most a week), or every few days, so that at most
 * {@link MAX_LABELS} or so fit under the chart.
 */
export function labelledBuckets(ts: readonly string[], bucket: 'hour' | 'day'): Map<string, string> {
  const steps = bucket === 'hour' ? HOUR_STEPS : DAY_STEPS;
  const step = steps.find((s) => ts.length / s <= MAX_LABELS) ?? (steps[steps.length - 1] as number);
  const out = new Map<string, string>();
  ts.forEach((t, i) => {
    if (bucket === 'day') {
      if (i % step === 0) out.set(t, t.slice(5));
      return;
    }
    // Local hours, so a zone half an hour off UTC labels its xx:30 buckets. The zone is said once, in
    // the chart's hint, not under every bar.
    if (new Date(t).getHours() % step === 0)
      out.set(t, step === 24 ? localTime(t).slice(5, 10) : localTime(t).slice(5, 16));
  });
  return out;
}

/**
 * Peak seats per bucket of one feature as SVG bars (the Dashboard's usage chart, one bar per
 * bucket), with its totals as numbers and the same data as a table for screen readers and
 * anyone who wants the figures. `limit` draws a dashed line at the seats allocated.
 */
export function UsageChart({
  usage,
  bucket,
  limit,
  scopeText,
}: {
  usage: FeatureUsage;
  bucket: 'hour' | 'day';
  limit?: number | undefined;
  /** What the chart covers, e.g. "Acme, all servers". */
  scopeText: string;
}) {
  const id = useId();
  const f = usage;
  const n = f.points.length;
  const top = Math.max(1, f.peakSeats, limit ?? 0);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / Math.max(1, n);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const labelled = labelledBuckets(
    f.points.map((p) => p.t),
    bucket,
  );
  const unit = bucket === 'hour' ? 'hour' : 'day';
  const used = f.points.filter((p) => p.peakSeats > 0 || p.seatSeconds > 0 || p.checkouts > 0 || p.denials > 0);
  const hours = seatHours(f.seatSeconds);
  const summary = `${scopeText}: peak ${f.peakSeats} seats${limit !== undefined ? ` of ${limit} allocated` : ''}; ${hours} seat-hours; ${plural(f.checkouts, 'checkout')}; ${plural(f.denials, 'request')} refused for lack of seats; ${plural(used.length, unit)} with use of ${n}.`;

  return (
    <section className="card usage-card" aria-labelledby={`${id}-h`} data-usage-feature={f.feature}>
      <div className="usage-head">
        <h2 id={`${id}-h`} className="mono">
          {f.feature}
        </h2>
        <UsageTotals f={f} limit={limit} hours={hours} />
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{`Peak seats of ${f.feature} in use per ${unit}, ${scopeText}`}</title>
        <desc id={`${id}-d`}>{summary}</desc>
        {[...new Set([0, limit ?? 0, top])].map((v) => (
          <g key={v} className="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        {f.points.map((p, i) =>
          labelled.has(p.t) ? (
            <g key={`l${p.t}`} className="grid day">
              <line x1={PAD.left + i * barW} x2={PAD.left + i * barW} y1={PAD.top} y2={PAD.top + plotH} />
              <text x={PAD.left + i * barW + 3} y={H - 6}>
                {labelled.get(p.t)}
              </text>
            </g>
          ) : null,
        )}
        {f.points.map((p, i) =>
          p.peakSeats > 0 ? (
            <rect
              key={p.t}
              className={limit !== undefined && p.peakSeats >= limit ? 'bar full' : 'bar'}
              data-t={p.t}
              data-peak={p.peakSeats}
              x={PAD.left + i * barW + 0.5}
              width={Math.max(1, barW - 1)}
              y={y(p.peakSeats)}
              height={PAD.top + plotH - y(p.peakSeats)}
            >
              <title>{`${bucketLabel(p.t, bucket)}: peak ${p.peakSeats}, ${seatHours(p.seatSeconds)} seat-hours, ${plural(p.checkouts, 'checkout')}, ${plural(p.denials, 'denial')}`}</title>
            </rect>
          ) : null,
        )}
        {f.points.map((p, i) =>
          p.denials > 0 ? (
            <circle
              key={`d${p.t}`}
              className="denial"
              cx={PAD.left + (i + 0.5) * barW}
              cy={PAD.top + 4}
              r={Math.min(5, 2 + Math.log2(p.denials + 1))}
            >
              <title>{`${bucketLabel(p.t, bucket)}: ${plural(p.denials, 'request')} refused for lack of seats`}</title>
            </circle>
          ) : null,
        )}
        {limit !== undefined && limit > 0 && (
          <line className="capacity" x1={PAD.left} x2={W - PAD.right} y1={y(limit)} y2={y(limit)} />
        )}
      </svg>
      <UsageLegend allocated={limit !== undefined} />
      <UsageTable f={f} used={used} bucket={bucket} unit={unit} scopeText={scopeText} />
    </section>
  );
}

/** A feature's totals over the range, beside its chart. */
function UsageTotals({ f, limit, hours }: { f: FeatureUsage; limit: number | undefined; hours: number }) {
  return (
    <dl className="stats" data-testid={`usage-totals-${f.feature}`}>
      <div>
        <dt>Peak seats</dt>
        <dd data-field="peak">
          {f.peakSeats}
          {limit !== undefined && <span className="muted"> / {limit}</span>}
        </dd>
      </div>
      <div>
        <dt>Seat-hours</dt>
        <dd data-field="seat-hours">{hours}</dd>
      </div>
      <div>
        <dt>Checkouts</dt>
        <dd data-field="checkouts">{f.checkouts}</dd>
      </div>
      <div className={f.denials > 0 ? 'bad' : ''}>
        <dt>Denials</dt>
        <dd data-field="denials">{f.denials}</dd>
      </div>
      <div>
        <dt>Servers</dt>
        <dd data-field="servers">{f.servers.length}</dd>
      </div>
    </dl>
  );
}

/** What the chart's marks mean; the allocation's marks only where there is one. */
function UsageLegend({ allocated }: { allocated: boolean }) {
  return (
    <div className="legend" aria-hidden="true">
      <span>
        <i className="sw bar" /> peak seats in use
      </span>
      {allocated && (
        <>
          <span>
            <i className="sw full" /> at the seats allocated
          </span>
          <span>
            <i className="sw capacity" /> seats allocated now
          </span>
        </>
      )}
      <span>
        <i className="sw denial" /> refusals
      </span>
    </div>
  );
}

/** The buckets with use as a table: the chart's figures for a screen reader or a person who wants numbers. */
function UsageTable({
  f,
  used,
  bucket,
  unit,
  scopeText,
}: {
  f: FeatureUsage;
  used: FeatureUsage['points'];
  bucket: 'hour' | 'day';
  unit: string;
  scopeText: string;
}) {
  return (
    <details className="usage-table">
      <summary>
        The figures as a table ({plural(used.length, unit)} with use; {unit}s without use are left out)
      </summary>
      {used.length === 0 ? (
        <p className="muted">No use in this range.</p>
      ) : (
        <TableScroll label="Usage by hour">
          <table className="table" aria-label={`Usage of ${f.feature} per ${unit}, ${scopeText}`}>
            <thead>
              <tr>
                <th scope="col">{bucket === 'hour' ? `Hour (local time, ${zoneName(Date.now())})` : 'Day (UTC)'}</th>
                <FigureHeads />
              </tr>
            </thead>
            <tbody>
              {used.map((p) => (
                <tr key={p.t} data-t={p.t}>
                  <th scope="row" className="nowrap">
                    {bucketLabel(p.t, bucket)}
                  </th>
                  <td className="num">{p.peakSeats}</td>
                  <td className="num">{seatHours(p.seatSeconds)}</td>
                  <td className="num">{p.checkouts}</td>
                  <td className="num">{p.denials}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </details>
  );
}

/** The column heads of a usage figures table: peak seats, seat-hours, checkouts, denials. */
export function FigureHeads() {
  return (
    <>
      {['Peak seats', 'Seat-hours', 'Checkouts', 'Denials'].map((h) => (
        <th key={h} scope="col" className="num">
          {h}
        </th>
      ))}
    </>
  );
}
