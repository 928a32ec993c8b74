import type { Clock } from '@tessera/core';
import { FileClock, parseClockFile, TEST_CLOCK_KNOBS, testClockFromEnv } from '@tessera/service-kit';

export { FileClock, parseClockFile };

/**
 * The environment, read once. Nothing else in the server reads `process.env`. The knobs here
 * are for tests and are announced loudly when set.
 */
export interface ServerEnv {
  /** Fault injection: kill the process with SIGKILL at a named point (e.g. `install-mid-transaction`). */
  crashAt: string | undefined;
  /** A test clock standing in for the system clock (`TESSERA_TEST_CLOCK_FILE`, see {@link FileClock}). */
  clock: Clock | undefined;
  /** The file behind `clock`, for the warning the server logs at start. */
  clockFile: string | undefined;
}

/** The test knobs, by environment variable. */
export const TEST_KNOBS = {
  ...TEST_CLOCK_KNOBS,
  crashAt: 'TESSERA_TEST_CRASH_AT',
} as const;

export function readServerEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const crashAt = env[TEST_KNOBS.crashAt] || undefined;
  const clock = testClockFromEnv(env);
  return { crashAt, clock, clockFile: clock?.file };
}
