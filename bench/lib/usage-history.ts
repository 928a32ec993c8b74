/**
 * Usage history for the flexible-exchange bench: hours written straight into a License Server's database,
 * with values from a fixed-seed generator so every run writes the same figures.
 */
import { hourMark } from '@tessera/core';
import type { ServerCore } from '@tessera/server';

const HOUR_MS = 3_600_000;

/**
 * `hours` closed hours per feature (the bench: 90 days × 50 features), ending with the hour before the current one, written
 * in one transaction with the server's own database handle. Values from a fixed-seed generator:
 * peak 0-40 seats, seat-seconds up to peak × 3600, checkouts 0-2,000, denials 0-50.
 */
export function writeUsage(
  core: ServerCore,
  features: readonly string[],
  hours: number,
  seed: number,
): { checkouts: number; seatSeconds: number } {
  const rnd = mulberry32(seed);
  const firstHour = Math.floor(Date.now() / HOUR_MS) - hours;
  const insert = core.store.db.prepare(
    `INSERT INTO usage_hours (feature, hour, peak_seats, seat_seconds, checkouts, denials) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  let checkouts = 0;
  let seatSeconds = 0;
  core.store.db.transaction(() => {
    for (const f of features) {
      for (let h = 0; h < hours; h++) {
        const peak = Math.floor(rnd() * 41);
        const ss = Math.floor(rnd() * (peak * 3600 + 1));
        const co = Math.floor(rnd() * 2001);
        const de = Math.floor(rnd() * 51);
        insert.run(f, hourMark((firstHour + h) * HOUR_MS), peak, ss, co, de);
        checkouts += co;
        seatSeconds += ss;
      }
    }
  })();
  return { checkouts, seatSeconds };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
