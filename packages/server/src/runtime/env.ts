import type { Clock } from '@tessera/core';

/**
 * The environment, read once. Nothing else in the server reads `process.env`. The knobs here
 * are for tests and are announced loudly when set.
 */
export interface ServerEnv {
  /** Fault injection: kill the process with SIGKILL at a named point (e.g. `install-mid-transaction`). */
  crashAt: string | undefined;
  /** A test clock standing in for the system clock (none yet: see `readServerEnv`). */
  clock: Clock | undefined;
}

export function readServerEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  return { crashAt: env.TESSERA_TEST_CRASH_AT || undefined, clock: undefined };
}
