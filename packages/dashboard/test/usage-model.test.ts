/**
 * The Usage page's figures apart from drawing: bars per hour or per local day, day lines at
 * local midnight across a daylight-saving change, refusals summed by code, and a CSV that a
 * spreadsheet cannot run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { csvCell } from '@tessera/web-kit/csv';
import type { UsageFeature } from '../src/types.js';
import { localMidnights, refusalTotals, usageBuckets, usageCsv } from '../src/usage-model.js';

const H = 3600_000;

describe('usage model', () => {
  const zone = process.env.TZ;
  before(() => {
    // Clocks went forward on 2026-03-08 at 02:00 there: that local day has 23 hours.
    process.env.TZ = 'America/New_York';
  });
  after(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  const feature = (hours: number, fill: (i: number) => number): UsageFeature => ({
    feature: 'asr',
    licensed: 4,
    peak: Array.from({ length: hours }, (_, i) => fill(i)),
    denials: new Array<number>(hours).fill(0),
    checkouts: Array.from({ length: hours }, () => 1),
    seatSeconds: Array.from({ length: hours }, () => 3600),
    refusals: [
      { hour: 5, code: 'NO_SEATS', count: 2 },
      { hour: 5, code: 'LICENSE_EXPIRED', count: 1 },
      { hour: 30, code: 'NO_SEATS', count: 3 },
    ],
  });

  test('day lines fall at local midnight, also across a daylight-saving change', () => {
    const from = Date.UTC(2026, 2, 7, 5); // 2026-03-07 00:00 EST
    const lines = localMidnights(from, from + 3 * 24 * H);
    assert.deepEqual(
      lines.map((ms) => new Date(ms).toISOString()),
      ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z'],
    );
  });

  test('up to a week one bar per hour; beyond, one per local day with the day’s peak and sums', () => {
    const from = Date.UTC(2026, 2, 7, 5);
    const hourly = usageBuckets(
      feature(48, (i) => i % 5),
      from,
      48,
    );
    assert.equal(hourly.length, 48);
    assert.deepEqual(
      [...hourly[5]!.refusals],
      [
        ['NO_SEATS', 2],
        ['LICENSE_EXPIRED', 1],
      ],
    );
    const daily = usageBuckets(
      feature(72, (i) => i % 5),
      from,
      72,
      24,
    );
    assert.deepEqual(
      daily.map((b) => b.end - b.first),
      [24, 23, 24, 1],
      'the local day of the change has 23 hours; the range ends one hour into a fourth day',
    );
    assert.equal(daily[0]!.peak, 4);
    assert.equal(daily[0]!.checkouts, 24);
    assert.deepEqual(refusalTotals(daily), [
      ['NO_SEATS', 5],
      ['LICENSE_EXPIRED', 1],
    ]);
  });

  test('a CSV cell is quoted when it must be, and never read as a formula', () => {
    assert.equal(csvCell('asr'), 'asr');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell(12), '12');
  });

  test('the CSV has one row per feature and hour, with a column per other refusal code', () => {
    const from = Date.UTC(2026, 2, 7, 5);
    const rows = usageCsv([feature(48, () => 1)], from, 48)
      .trimEnd()
      .split('\r\n');
    assert.equal(rows.length, 49);
    assert.equal(
      rows[0],
      'hour_local,hour_utc,feature,licensed,peak_seats,checkouts,seat_seconds,refused_no_seats,refused_license_expired',
    );
    assert.equal(rows[6], '2026-03-07 05:00 EST,2026-03-07T10:00:00.000Z,asr,4,1,1,3600,0,1');
  });
});
