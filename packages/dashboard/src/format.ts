/** Dates and numbers as the Dashboard shows them: how long a lease has been held (the date helpers are web-kit's). */

/** "5 min", "3 h 10 min", "2 d 4 h": how long ago something started. */
export function duration(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "100,000 leases": a count with thousands separated (`plural` of the kit does not separate them). */
export function manyOf(n: number, one: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : `${one}s`}`;
}
