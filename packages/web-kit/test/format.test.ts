import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { localTime, zoneName } from '../src/format.js';

/** Runs `localTime` in a child Node under another zone, since a process's zone is fixed once read. */
function inZone(tz: string, at: string): string {
  const src = new URL('../src/format.ts', import.meta.url).pathname;
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(src)}).then((m) => console.log(m.localTime(${JSON.stringify(at)})))`,
    ],
    { env: { ...process.env, TZ: tz, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('localTime shows the local time to the minute with the zone', () => {
  assert.equal(inZone('America/New_York', '2026-01-10T14:05:59Z'), '2026-01-10 09:05 EST');
  assert.equal(inZone('America/New_York', '2026-07-10T14:05:00Z'), '2026-07-10 10:05 EDT');
  assert.equal(inZone('UTC', '2026-01-10T14:05:00Z'), '2026-01-10 14:05 UTC');
  // The day changes with the zone: 01:30 UTC is still the day before in New York.
  assert.equal(inZone('America/New_York', '2026-03-11T01:30:00Z'), '2026-03-10 21:30 EDT');
});

test('localTime takes epoch milliseconds and Dates, and leaves what is no instant alone', () => {
  const ms = Date.parse('2026-01-10T14:05:00Z');
  assert.equal(localTime(ms), localTime(new Date(ms)));
  assert.equal(localTime(ms), localTime('2026-01-10T14:05:00Z'));
  assert.ok(localTime(ms).endsWith(` ${zoneName(ms)}`));
  assert.equal(localTime('not a time'), 'not a time');
  assert.equal(zoneName('not a time'), '');
});
