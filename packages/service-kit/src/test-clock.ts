import { readFileSync } from 'node:fs';
import { type Clock, TesseraError } from '@tessera/core';

/**
 * The test clock a License Server or a Cloud node may run on instead of the system clock, for
 * tests that must make hours pass (`TESSERA_TEST_CLOCK_FILE`). Honoured only under the test
 * runner (`TESSERA_TEST=1`), and announced loudly by the process that honours it.
 */
export const TEST_CLOCK_KNOBS = {
  /** Must be `1` for the clock knob to be honoured (the test runner sets it). */
  testMode: 'TESSERA_TEST',
  clockFile: 'TESSERA_TEST_CLOCK_FILE',
} as const;

/**
 * The test clock `env` asks for, or undefined. The knob outside test mode is an error, not
 * ignored: a process must never run on a clock it was not meant to.
 */
export function testClockFromEnv(env: NodeJS.ProcessEnv): FileClock | undefined {
  const file = env[TEST_CLOCK_KNOBS.clockFile] || undefined;
  if (file === undefined) return undefined;
  if (env[TEST_CLOCK_KNOBS.testMode] !== '1') {
    throw new TesseraError(
      'BAD_REQUEST',
      `${TEST_CLOCK_KNOBS.clockFile} is a test knob and is honoured only with ${TEST_CLOCK_KNOBS.testMode}=1; unset it`,
    );
  }
  const clock = new FileClock(file);
  // Said here as well as in the process's log, so no process that honours the knob is quiet about it.
  process.emitWarning(
    `TEST KNOB ${TEST_CLOCK_KNOBS.clockFile}=${file} IS SET: this process runs on a test clock (now ${new Date(clock.now()).toISOString()}), not the system clock`,
    { code: 'TESSERA_TEST_CLOCK' },
  );
  return clock;
}

/** How often the clock file is read again, at most. */
const CLOCK_FILE_REREAD_MS = 100;

export type ClockSetting = { kind: 'offset'; ms: number } | { kind: 'at'; ms: number };

/**
 * A test clock that a test moves from outside the process, through a file:
 * - `N` (an integer, may be negative): the system clock plus N ms;
 * - `@T` (epoch ms, or an RFC 3339 instant): time stands still at T until the file changes.
 *
 * The file is read again at most every 100 ms. Monotonic time moves with it (time passing in
 * the test passes for lease TTLs and valid-until too: a jump longer than `--lease-seconds`
 * lapses leases that were not heartbeated through it), and never goes back: a file that sets
 * time back moves the wall clock only, as someone setting the system clock would.
 * A file that cannot be read or parsed at start is an error; later, the last good setting stays.
 */
export class FileClock implements Clock {
  private setting: ClockSetting;
  private readAt = 0;
  /** Monotonic ms minus wall ms, held at its highest so the monotonic reading never goes back. */
  private lastMono = Number.NEGATIVE_INFINITY;

  constructor(
    readonly file: string,
    private readonly base: Clock = { now: () => Date.now(), monotonic: () => performance.now() },
  ) {
    this.setting = parseClockFile(file, readText(file));
    this.readAt = base.monotonic();
  }

  now(): number {
    const s = this.current();
    return s.kind === 'offset' ? this.base.now() + s.ms : s.ms;
  }

  monotonic(): number {
    // Real monotonic time plus however far the test clock is from the real wall clock.
    const mono = this.base.monotonic() + (this.now() - this.base.now());
    if (mono > this.lastMono) this.lastMono = mono;
    return this.lastMono;
  }

  private current(): ClockSetting {
    const t = this.base.monotonic();
    if (t - this.readAt >= CLOCK_FILE_REREAD_MS) {
      this.readAt = t;
      try {
        this.setting = parseClockFile(this.file, readText(this.file));
      } catch {
        // Half-written or removed for a moment: keep the last good setting.
      }
    }
    return this.setting;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TesseraError(
      'BAD_REQUEST',
      `${TEST_CLOCK_KNOBS.clockFile}: cannot read ${file}: ${(err as Error).message}`,
    );
  }
}

/** Parses a clock file's text (see {@link FileClock}). */
export function parseClockFile(file: string, text: string): ClockSetting {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return { kind: 'offset', ms: Number(t) };
  if (t.startsWith('@')) {
    const v = t.slice(1).trim();
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isSafeInteger(ms) && ms > 0) return { kind: 'at', ms };
  }
  throw new TesseraError(
    'BAD_REQUEST',
    `${TEST_CLOCK_KNOBS.clockFile}: ${file} must hold an offset in ms (e.g. -3600000) or @ and an instant (e.g. @2026-06-01T10:00:00Z); it holds "${t.slice(0, 40)}"`,
  );
}
