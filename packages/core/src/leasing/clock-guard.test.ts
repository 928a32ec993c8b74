import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TesseraError } from '../errors.js';
import { assertIssuedNotAhead, ClockGuard } from './clock-guard.js';

const MIN = 60_000;
const NOW = Date.UTC(2026, 5, 15, 12);

describe('ClockGuard', () => {
  test('time behind the mark beyond the tolerance is tampering, and it recovers when the clock is right', () => {
    const g = new ClockGuard(0, 1000);
    g.observe(10_000);
    assert.equal(g.isTampered(9_500), false);
    assert.equal(g.isTampered(8_000), true);
    assert.equal(g.observe(8_000), false, 'a clock behind the mark does not lower it');
    assert.equal(g.mark, 10_000);
    assert.equal(g.isTampered(10_001), false);
  });

  test('an accepted issuedAt raises the mark up to the local clock, never past it', () => {
    const g = new ClockGuard(5_000, 1000);
    g.acceptIssuedAt(8_000, 10_000);
    assert.equal(g.mark, 8_000, 'a document issued before now raises the mark to its issuedAt');
    g.acceptIssuedAt(Date.UTC(2099, 0, 1), 10_000);
    assert.equal(g.mark, 10_000, 'a document from the future moves the mark to now, no further');
    assert.equal(g.isTampered(10_000), false);
  });

  test('a Sync resets the mark, down as well as up, but never past the local clock', () => {
    const g = new ClockGuard(50_000, 1000);
    assert.equal(g.isTampered(10_000), true);
    g.reset(9_000, 10_000);
    assert.equal(g.mark, 9_000);
    assert.equal(g.isTampered(10_000), false);
    g.reset(Date.UTC(2099, 0, 1), 10_000);
    assert.equal(g.mark, 10_000);
  });
});

describe('ClockGuard.restore', () => {
  const tolerance = 10 * MIN;

  test('a mark the clock wrote is kept: a clock set back since is still caught after a restart', () => {
    const g = new ClockGuard(0, tolerance);
    const r = g.restore({ mark: NOW + 60 * MIN, writtenAt: NOW + 60 * MIN }, NOW);
    assert.deepEqual(r, { restored: NOW + 60 * MIN, clamped: false });
    assert.equal(g.isTampered(NOW), true);
  });

  test('a mark ahead of the clock that wrote it came from a document: it is taken back to that time', () => {
    const g = new ClockGuard(0, tolerance);
    const r = g.restore({ mark: Date.UTC(2099, 0, 1), writtenAt: NOW - MIN }, NOW);
    assert.equal(r.clamped, true);
    assert.equal(r.restored, NOW - MIN);
    assert.equal(r.clamped && r.from, Date.UTC(2099, 0, 1));
    assert.equal(g.mark, NOW - MIN);
    assert.equal(g.isTampered(NOW), false);
  });

  test('a mark written without its time is trusted up to now plus the tolerance, and clamped to now beyond', () => {
    const kept = new ClockGuard(0, tolerance);
    assert.deepEqual(kept.restore({ mark: NOW + 5 * MIN, writtenAt: undefined }, NOW), {
      restored: NOW + 5 * MIN,
      clamped: false,
    });
    const poisoned = new ClockGuard(0, tolerance);
    const r = poisoned.restore({ mark: Date.UTC(2099, 0, 1), writtenAt: undefined }, NOW);
    assert.equal(r.clamped && r.restored, NOW);
    assert.match(r.clamped ? r.why : '', /earlier version/);
    assert.equal(poisoned.isTampered(NOW), false);
  });
});

describe('assertIssuedNotAhead', () => {
  test('a document issued up to the tolerance ahead of the clock passes', () => {
    assertIssuedNotAhead('license lic_1', new Date(NOW + 10 * MIN).toISOString(), NOW);
    assertIssuedNotAhead('license lic_1', new Date(NOW - 365 * 86_400_000).toISOString(), NOW);
  });

  test('a document issued further ahead is refused, naming its issuedAt, the clock and the tolerance', () => {
    assert.throws(
      () => assertIssuedNotAhead('license lic_1 (revision 1)', '2099-01-01T00:00:00.000Z', NOW),
      (e: unknown) =>
        e instanceof TesseraError &&
        e.code === 'DOC_ISSUED_IN_FUTURE' &&
        e.status === 409 &&
        e.message ===
          "license lic_1 (revision 1) was issued at 2099-01-01T00:00:00.000Z, but this machine's clock says " +
            "2026-06-15T12:00:00.000Z: more than the 10 minutes' tolerance ahead. Check this machine's clock " +
            "(and the issuer's); nothing was changed" &&
        e.details?.toleranceSeconds === 600,
    );
    assert.throws(() => assertIssuedNotAhead('Sync 3', new Date(NOW + 10 * MIN + 1).toISOString(), NOW), {
      code: 'DOC_ISSUED_IN_FUTURE',
    });
  });
});
