/**
 * When the scheduled exchange with the Cloud runs (docs/flexible.md). The vendor's interval after the
 * last sync is the longest wait; a preferred local time of day (`sync_time`) picks the moment
 * within it: the last time the clock shows that time before the interval ends. When no such
 * moment is still ahead (an interval shorter than a day, say), the interval's end it is.
 * Local time is the process's time zone, as the Dashboard shows the last sync.
 */
import type { TimeOfDay } from '../licensing-mode.js';

export function nextSyncAt(
  lastSyncMs: number,
  intervalSeconds: number,
  preferred: TimeOfDay | null,
  nowMs: number,
): number {
  const deadline = lastSyncMs + intervalSeconds * 1000;
  if (!preferred) return deadline;
  const end = new Date(deadline);
  const moment = new Date(end.getFullYear(), end.getMonth(), end.getDate(), preferred.hour, preferred.minute);
  if (moment.getTime() > deadline) moment.setDate(moment.getDate() - 1);
  const at = moment.getTime();
  return at > nowMs && at > lastSyncMs ? at : deadline;
}
