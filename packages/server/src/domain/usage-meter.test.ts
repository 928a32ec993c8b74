import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '@tessera/core';
import { openDatabase } from '../store/db.js';
import { Store } from '../store/store.js';
import type { EngineEvent } from './leases/lease-engine.js';
import { hourOf, UsageMeter } from './usage-meter.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

class FakeEngine {
  listeners: ((e: EngineEvent) => void)[] = [];
  inUse = new Map<string, number>();
  onEvent(l: (e: EngineEvent) => void) {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
  features() {
    return { features: [...this.inUse].map(([feature, inUse]) => ({ feature, inUse })) };
  }
  emit(e: EngineEvent) {
    for (const l of this.listeners) l(e);
  }
  grant(feature: string, count = 1) {
    this.emit({ kind: 'granted', feature, count, leaseId: 'lease_x' });
  }
  end(feature: string, count = 1) {
    this.emit({ kind: 'ended', feature, count, leaseId: 'lease_x', reason: 'RELEASED' });
  }
  deny(feature: string, code = 'NO_SEATS') {
    this.emit({ kind: 'denied', feature, count: 1, code });
  }
}

describe('usage meter', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let engine: FakeEngine;
  const meters: UsageMeter[] = [];
  const make = () => {
    const m = new UsageMeter({ engine, store, clock, write: async (op) => store.db.transaction(op)() });
    m.start();
    meters.push(m);
    return m;
  };
  const stored = (feature: string, at: number) => store.usage.get(feature, hourOf(at));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-usage-'));
    store = new Store(openDatabase(join(dir, 'db')));
    clock = new ManualClock(T0);
    engine = new FakeEngine();
  });
  afterEach(async () => {
    for (const m of meters.splice(0)) await m.stop();
    store.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an hour holds peak seats, seat-seconds, checkouts and denials for lack of seats', async () => {
    const m = make();
    engine.grant('asr', 2);
    clock.advance(600_000);
    engine.grant('asr', 1);
    clock.advance(600_000);
    engine.end('asr', 2);
    engine.deny('asr');
    engine.deny('asr', 'MAINTENANCE_EXPIRED');
    engine.deny('made-up-feature', 'UNKNOWN_FEATURE');
    clock.advance(600_000);
    await m.flush();
    assert.deepEqual(stored('asr', T0), {
      feature: 'asr',
      hour: '2026-03-10T09:00:00Z',
      peakSeats: 3,
      seatSeconds: 2 * 600 + 3 * 600 + 1 * 600,
      checkouts: 2,
      denials: 1,
    });
    assert.equal(stored('made-up-feature', T0), undefined, 'only denials for lack of seats count');
  });

  test('refusals are kept by code, resumed after a restart, and served by hours()', async () => {
    const m1 = make();
    engine.deny('asr');
    engine.deny('asr', 'MAINTENANCE_EXPIRED');
    engine.deny('asr', 'MAINTENANCE_EXPIRED');
    engine.deny('asr', 'LICENSE_EXPIRED');
    engine.deny('made-up-feature', 'UNKNOWN_FEATURE');
    clock.advance(60_000);
    await m1.stop();
    meters.splice(0);
    assert.deepEqual(store.usage.refusalsOf('asr', hourOf(T0)), { MAINTENANCE_EXPIRED: 2, LICENSE_EXPIRED: 1 });
    assert.deepEqual(store.usage.refusalsOf('made-up-feature', hourOf(T0)), {}, 'no row for a made-up name');
    const m2 = make();
    engine.deny('asr', 'MAINTENANCE_EXPIRED');
    clock.advance(H); // the hour closes with the resumed counts plus the new one
    engine.deny('asr', 'CLOCK_TAMPERED');
    const hours = m2.hours(T0, T0 + 2 * H);
    assert.deepEqual(
      hours.map((r) => [r.hour, r.denials, r.refusals]),
      [
        ['2026-03-10T09:00:00Z', 1, { LICENSE_EXPIRED: 1, MAINTENANCE_EXPIRED: 3 }],
        ['2026-03-10T10:00:00Z', 0, { CLOCK_TAMPERED: 1 }],
      ],
    );
  });

  test('an hour closes at its end; seats held go on into the next one', async () => {
    const m = make();
    clock.advance(30 * 60_000);
    engine.grant('asr', 4);
    clock.advance(45 * 60_000); // 10:15
    engine.end('asr', 1);
    await m.flush();
    const first = stored('asr', T0)!;
    assert.equal(first.seatSeconds, 4 * 30 * 60);
    assert.equal(first.peakSeats, 4);
    const second = stored('asr', T0 + H)!;
    assert.equal(second.hour, '2026-03-10T10:00:00Z');
    assert.equal(second.peakSeats, 4, 'the hour began with 4 seats held');
    assert.equal(second.checkouts, 0);
    assert.equal(second.seatSeconds, 4 * 15 * 60);
  });

  test('a restart resumes the running hour from what was flushed', async () => {
    const m1 = make();
    engine.grant('asr', 1);
    engine.grant('asr', 1);
    engine.deny('asr');
    clock.advance(60_000);
    await m1.stop();
    meters.splice(0);
    engine.inUse.set('asr', 2); // the leases survive the restart
    const m2 = make();
    engine.grant('asr', 1);
    clock.advance(60_000);
    await m2.flush();
    const row = stored('asr', T0)!;
    assert.equal(row.checkouts, 3);
    assert.equal(row.denials, 1);
    assert.equal(row.peakSeats, 3);
    assert.equal(row.seatSeconds, 2 * 60 + 3 * 60);
  });

  test('hours() serves stored hours with the running hour live', async () => {
    const m = make();
    engine.grant('asr', 1);
    clock.advance(2 * H);
    engine.grant('tts', 2);
    clock.advance(60_000);
    const hours = m.hours(T0, T0 + 3 * H);
    assert.deepEqual(
      hours.map((r) => [r.feature, r.hour, r.peakSeats]),
      [
        ['asr', '2026-03-10T09:00:00Z', 1],
        ['asr', '2026-03-10T10:00:00Z', 1],
        ['asr', '2026-03-10T11:00:00Z', 1],
        ['tts', '2026-03-10T11:00:00Z', 2],
      ],
    );
    assert.ok(
      store.db.prepare("SELECT name FROM pragma_table_info('usage_hours')").all().length === 6,
      'usage rows hold counts only: no client, host, user or app column',
    );
  });
});
