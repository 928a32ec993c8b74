import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { ManualClock, TesseraError } from '@tessera/core';
import { HOUR, makeEnv, stopEnvs, T0 } from '../test-support/flexible.js';
import { FileClock, readServerEnv } from './env.js';

afterEach(stopEnvs);

describe('the test clock knob (TESSERA_TEST_CLOCK_FILE), which the usage-totals test runs on', () => {
  test('honoured only with TESSERA_TEST=1; a bad file is a clear error', () => {
    const env = makeEnv();
    const file = join(env.dir, 'clock');
    writeFileSync(file, '0');
    assert.equal(readServerEnv({}).clock, undefined);
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: file }),
      (e: unknown) => e instanceof TesseraError && /only with TESSERA_TEST=1/.test(e.message),
    );
    assert.ok(readServerEnv({ TESSERA_TEST_CLOCK_FILE: file, TESSERA_TEST: '1' }).clock instanceof FileClock);
    writeFileSync(file, 'next tuesday');
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: file, TESSERA_TEST: '1' }),
      /must hold an offset in ms .* or @ and an instant/,
    );
    assert.throws(
      () => readServerEnv({ TESSERA_TEST_CLOCK_FILE: join(env.dir, 'missing'), TESSERA_TEST: '1' }),
      /cannot read/,
    );
  });

  test('an offset or a standing instant, re-read as the file changes; monotonic time moves with it and never back', async () => {
    const env = makeEnv();
    const file = join(env.dir, 'clock');
    const write = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    const real = new ManualClock(T0);
    write('-10800000');
    const clock = new FileClock(file, real);
    assert.equal(clock.now(), T0 - 3 * HOUR);
    const m0 = clock.monotonic();
    write('@2026-06-01T08:00:00Z');
    real.advance(50);
    assert.equal(clock.now(), T0 - 3 * HOUR + 50, 'read again at most every 100 ms');
    real.advance(50);
    assert.equal(clock.now(), Date.parse('2026-06-01T08:00:00Z'));
    real.advance(10_000);
    assert.equal(clock.now(), Date.parse('2026-06-01T08:00:00Z'), 'time stands still');
    const m1 = clock.monotonic();
    write('@2026-06-01T10:00:00Z');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T10:00:00Z'));
    assert.equal(clock.monotonic() - m1, 2 * HOUR, 'two test hours pass for monotonic time too');
    write('@2026-06-01T07:00:00Z');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T07:00:00Z'), 'the wall clock may be set back');
    assert.ok(clock.monotonic() >= m1 + 2 * HOUR && clock.monotonic() > m0, 'monotonic time does not go back');
    write('garbage');
    real.advance(100);
    assert.equal(clock.now(), Date.parse('2026-06-01T07:00:00Z'), 'a bad rewrite keeps the last good setting');
  });
});
