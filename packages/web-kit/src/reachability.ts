/**
 * Whether the server answers: every API request reports in (src/api.ts), and so does the Dashboard's
 * event stream. Once a request finds no server (no answer, or a gateway's 502/503/504), the page asks
 * `GET /api/v1/session` every few seconds until one answers; the banner (components/ServerDown) and
 * the stale marking of the page follow {@link useServerDown}.
 */
import { useSyncExternalStore } from 'react';

/** How often a page whose server stopped answering asks again. */
export const RECHECK_EVERY_MS = 3000;

let down = false;
let recheck: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function set(next: boolean): void {
  if (next === down) return;
  down = next;
  for (const l of listeners) l();
}

/** Whether a status means the server itself did not answer (a gateway or proxy answered for it). */
export function isUnreachableStatus(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

/** A request got an answer from the server (any status but a gateway's). */
export function reportAnswered(): void {
  if (recheck) clearTimeout(recheck);
  recheck = undefined;
  set(false);
}

/** A request found no server: mark the page stale and ask again until the server answers. */
export function reportUnreachable(): void {
  set(true);
  scheduleRecheck();
}

/** Asks the server once now (e.g. the event stream broke): the answer, or none, sets the state. */
export function checkServer(): void {
  fetch('/api/v1/session', { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(
    (res) => (isUnreachableStatus(res.status) ? reportUnreachable() : reportAnswered()),
    () => reportUnreachable(),
  );
}

function scheduleRecheck(): void {
  if (recheck) return;
  recheck = setTimeout(() => {
    recheck = undefined;
    checkServer();
  }, RECHECK_EVERY_MS);
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** True while the server does not answer (the page shows the banner and marks its figures stale). */
export function useServerDown(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => down,
    () => false,
  );
}
