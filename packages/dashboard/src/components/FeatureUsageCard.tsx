import { localTime, plural } from '@tessera/web-kit/format';
import { type KeyboardEvent, type PointerEvent, useState } from 'react';
import type { UsageFeature } from '../types.js';
import {
  bucketText,
  localMidnights,
  refusalTotals,
  refusalWords,
  type UsageBucket,
  usageBuckets,
} from '../usage-model.js';

const HOUR_MS = 3600_000;
const W = 840;
const H = 150;
const PAD = { left: 34, right: 8, top: 10, bottom: 22 };

/**
 * One feature's usage over the range: its figures, and a chart of peak seats per bar that is
 * also a slider: arrow keys (or a pointer) pick a bar, whose figures show below the chart and
 * are read out, so every hour's details are reachable without a mouse.
 */
export function FeatureUsageCard({ f, fromMs, hours }: { f: UsageFeature; fromMs: number; hours: number }) {
  const buckets = usageBuckets(f, fromMs, hours);
  const daily = buckets.length < hours;
  const [picked, setPicked] = useState<number | null>(null);
  const maxPeak = Math.max(0, ...f.peak);
  const refused = refusalTotals(buckets);
  const checkouts = f.checkouts.reduce((a, b) => a + b, 0);
  const seatHours = Math.round(f.seatSeconds.reduce((a, b) => a + b, 0) / 360) / 10;
  const atCapacity = f.licensed > 0 ? f.peak.filter((p) => p >= f.licensed).length : 0;
  const ids = { title: `usage-title-${f.feature}`, desc: `usage-desc-${f.feature}` };
  const refusedCount = refused.reduce((a, [, n]) => a + n, 0);
  const summary = `Peak ${maxPeak} of ${f.licensed} licensed seats; ${plural(atCapacity, 'hour')} at the licensed count; ${plural(refusedCount, 'checkout')} refused; ${plural(checkouts, 'checkout')}; ${seatHours} seat-hours. Use the arrow keys to read each ${daily ? 'day' : 'hour'}.`;
  const current = picked === null ? null : (buckets[Math.min(picked, buckets.length - 1)] ?? null);
  const last = buckets.length - 1;

  const onKey = (e: KeyboardEvent) => {
    const next = sliderStep(e.key, picked ?? last, last, daily ? 7 : 24);
    if (next === null) return;
    e.preventDefault();
    setPicked(next);
  };
  const onPointer = (e: PointerEvent<HTMLDivElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - box.left) / box.width) * W;
    const hour = Math.floor(((x - PAD.left) / (W - PAD.left - PAD.right)) * hours);
    const i = buckets.findIndex((b) => hour >= b.first && hour < b.end);
    if (i >= 0) setPicked(i);
  };

  return (
    <section className="card usage-card" aria-labelledby={ids.title}>
      <div className="usage-head">
        <h2 id={ids.title} className="mono">
          {f.feature}
        </h2>
        <UsageStats
          peak={maxPeak}
          licensed={f.licensed}
          atCapacity={atCapacity}
          refused={refusedCount}
          checkouts={checkouts}
          seatHours={seatHours}
        />
      </div>
      {refused.length > 0 && (
        <p className="refusals">
          Refused:{' '}
          {refused.map(([code, n], i) => (
            <span key={code}>
              {i > 0 && '; '}
              {n} × <span className="mono">{code}</span> ({refusalWords(code)})
            </span>
          ))}
        </p>
      )}
      <div
        role="slider"
        tabIndex={0}
        className="chart-slider"
        aria-label={`${f.feature}: ${daily ? 'day' : 'hour'} to read`}
        aria-describedby={ids.desc}
        aria-valuemin={0}
        aria-valuemax={last}
        aria-valuenow={picked ?? last}
        aria-valuetext={current ? bucketText(current, f.licensed, daily) : 'none chosen; press an arrow key'}
        onKeyDown={onKey}
        onPointerDown={onPointer}
      >
        <UsageSvg f={f} fromMs={fromMs} hours={hours} buckets={buckets} picked={current} />
      </div>
      <p id={ids.desc} className="visually-hidden">
        {summary}
      </p>
      <p className="usage-detail" aria-hidden="true">
        {current
          ? bucketText(current, f.licensed, daily)
          : `Click the chart, or focus it and use the arrow keys, to read each ${daily ? 'day' : 'hour'}.`}
      </p>
      <UsageLegend />
    </section>
  );
}

/** Where a slider key moves the chosen bar (a page is a week of days or a day of hours); null for other keys. */
function sliderStep(key: string, at: number, last: number, page: number): number | null {
  const to = (i: number) => Math.max(0, Math.min(last, i));
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return to(at - 1);
    case 'ArrowRight':
    case 'ArrowUp':
      return to(at + 1);
    case 'PageDown':
      return to(at - page);
    case 'PageUp':
      return to(at + page);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}

function UsageSvg(p: {
  f: UsageFeature;
  fromMs: number;
  hours: number;
  buckets: UsageBucket[];
  picked: UsageBucket | null;
}) {
  const { f, fromMs, hours, buckets, picked } = p;
  const top = Math.max(1, ...f.peak, f.licensed);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const hourW = plotW / hours;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const xAt = (ms: number) => PAD.left + ((ms - fromMs) / HOUR_MS) * hourW;
  const midnights = localMidnights(fromMs, fromMs + hours * HOUR_MS);
  // Label every day up to two weeks, then every seventh: labels must not overlap.
  const labelEvery = midnights.length > 14 ? 7 : 1;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" aria-hidden="true">
      {[...new Set([0, f.licensed, top])].map((v) => (
        <g key={v} className="grid">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
          <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
            {v}
          </text>
        </g>
      ))}
      {midnights.map((ms, i) => (
        <g key={ms} className="grid day">
          <line x1={xAt(ms)} x2={xAt(ms)} y1={PAD.top} y2={PAD.top + plotH} />
          {i % labelEvery === 0 && ms < fromMs + (hours - 3) * HOUR_MS && (
            <text x={xAt(ms) + 3} y={H - 6}>
              {localTime(ms).slice(5, 10)}
            </text>
          )}
        </g>
      ))}
      {buckets.map((b) => {
        const x = PAD.left + b.first * hourW;
        const w = (b.end - b.first) * hourW;
        const refused = [...b.refusals.values()].reduce((a, n) => a + n, 0);
        return (
          <g key={b.first}>
            {b === picked && <rect className="picked" x={x} width={w} y={PAD.top} height={plotH} />}
            {b.peak > 0 && (
              <rect
                className={f.licensed > 0 && b.peak >= f.licensed ? 'bar full' : 'bar'}
                x={x + 0.5}
                width={Math.max(1, w - 1)}
                y={y(b.peak)}
                height={PAD.top + plotH - y(b.peak)}
              />
            )}
            {refused > 0 && (
              <circle className="denial" cx={x + w / 2} cy={PAD.top + 4} r={Math.min(5, 2 + Math.log2(refused + 1))} />
            )}
          </g>
        );
      })}
      {f.licensed > 0 && (
        <line className="capacity" x1={PAD.left} x2={W - PAD.right} y1={y(f.licensed)} y2={y(f.licensed)} />
      )}
    </svg>
  );
}

/** A feature's figures over the whole range, beside its chart. */
function UsageStats(p: {
  peak: number;
  licensed: number;
  atCapacity: number;
  refused: number;
  checkouts: number;
  seatHours: number;
}) {
  const { peak, licensed, atCapacity, refused, checkouts, seatHours } = p;
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
      <div className={refused > 0 ? 'bad' : ''}>
        <dt>Refused</dt>
        <dd>{refused}</dd>
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

/** What the chart's marks mean; the slider's description says it in words for a screen reader. */
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
