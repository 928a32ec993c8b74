/** Dates and numbers as the web UIs show them. Dates of licenses and entitlements are whole UTC days. */

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant, in UTC. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from today (UTC) to a date; negative once it has passed. */
export function daysUntil(date: string, nowMs: number): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${isoDay(nowMs)}T00:00:00Z`)) / DAY_MS);
}

/** Soon means within this many days: such dates are marked. */
export const SOON_DAYS = 30;

export type DateState = 'none' | 'ok' | 'soon' | 'past';

export function dateState(date: string | null, nowMs: number): DateState {
  if (date === null) return 'none';
  const d = daysUntil(date, nowMs);
  if (d < 0) return 'past';
  return d <= SOON_DAYS ? 'soon' : 'ok';
}

/** "in 12 days", "today", "3 days ago". */
export function relativeDays(date: string, nowMs: number): string {
  const d = daysUntil(date, nowMs);
  if (d === 0) return 'today';
  if (d === 1) return 'tomorrow';
  if (d === -1) return 'yesterday';
  return d > 0 ? `in ${d} days` : `${-d} days ago`;
}

/**
 * Made once: a formatter costs ~0.3 ms to make and ~5 µs to use, and a page of 50 leases shows
 * 100 times (a new one per time took ~30 ms per render).
 */
let zoneFormat: Intl.DateTimeFormat | undefined;

/** The viewer's time zone as a short name at an instant: "EST", "CET", "GMT+5:30", "UTC". */
export function zoneName(at: string | number | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  zoneFormat ??= new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' });
  return zoneFormat.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/**
 * An instant as both UIs show it: the viewer's local time to the minute, with the zone, e.g.
 * "2026-03-10 09:05 EST". The one rule for times on screen and in messages; the ISO instant goes in
 * a tooltip (components/LocalTime). Text that is no instant comes back as it is.
 */
export function localTime(at: string | number | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const p = (n: number) => String(n).padStart(2, '0');
  const zone = zoneName(d);
  const text = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return zone ? `${text} ${zone}` : text;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A long id shortened for a list, its start and end kept (`lic_06h55x4g…qy90`): enough to tell ids
 * apart at a glance. Show the whole id beside a copy button wherever one is picked out.
 */
export function shortId(id: string, head = 12, tail = 4): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`;
}
