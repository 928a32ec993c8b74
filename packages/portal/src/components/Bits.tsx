/** Small pieces used across pages: page heads, seat meters, dates, empty states. */

import { dateState, relativeDays } from '@tessera/web-kit/format';
import type { ReactNode } from 'react';

export function PageHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p className="sub">{sub}</p>}
      </div>
      {children && <div className="page-tools">{children}</div>}
    </div>
  );
}

/** Seats taken of a pool, as a bar with the numbers in words beside it. */
export function Meter({ used, count, label, testId }: { used: number; count: number; label: string; testId?: string }) {
  const pct = count > 0 ? Math.min(100, Math.round((used / count) * 100)) : 0;
  const full = count > 0 && used >= count;
  return (
    <div className="meter" data-testid={testId}>
      {/* biome-ignore lint/a11y/useSemanticElements: a styled bar; <meter> cannot be styled alike across browsers */}
      <div
        className={full ? 'meter-bar full' : 'meter-bar'}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={count}
        aria-valuenow={used}
        aria-valuetext={`${used} of ${count} used, ${Math.max(0, count - used)} available`}
      >
        <span className="meter-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="meter-text">
        <strong className="num" data-field="used">
          {used}
        </strong>{' '}
        of <span data-field="count">{count}</span> used ·{' '}
        <strong className="num" data-field="available">
          {Math.max(0, count - used)}
        </strong>{' '}
        available
      </span>
    </div>
  );
}

/** A whole-day date, marked when soon (30 days) or past; "none" when there is no limit. */
export function DateText({ date, nowMs, none = 'none' }: { date: string | null; nowMs: number; none?: string }) {
  if (date === null) return <span className="muted">{none}</span>;
  const state = dateState(date, nowMs);
  return (
    <span className={`date date-${state}`} data-date-state={state}>
      <span className="nowrap">{date}</span>
      {state !== 'ok' && <span className="date-note"> ({relativeDays(date, nowMs)})</span>}
    </span>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty-state">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function TypeChip({ type }: { type: 'perpetual' | 'flexible' | 'subscription' }) {
  return <span className={`chip chip-type-${type}`}>{type}</span>;
}
