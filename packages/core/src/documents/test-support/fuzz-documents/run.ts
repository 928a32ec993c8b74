/**
 * How many cases a fuzz property runs, and with which seed: `npm test` runs each suite's small
 * default, `npm run fuzz -- --cases N [--seed S]` sets TESSERA_FUZZ_CASES / TESSERA_FUZZ_SEED.
 * A failing property prints its seed and path (fast-check's counterexample report); the same
 * seed replays the same cases.
 */
import assert from 'node:assert/strict';
import type fc from 'fast-check';
import type { ErrorCode } from '../../../errors.js';
import { TesseraError } from '../../../errors.js';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Cases per property: TESSERA_FUZZ_CASES when set, else `defaultCases`. */
export function fuzzCases(defaultCases: number): number {
  const n = envInt('TESSERA_FUZZ_CASES');
  return n !== undefined && n > 0 ? n : defaultCases;
}

/**
 * The timeout of a fuzz suite: none when the cases were asked for (`npm run fuzz`: a long run
 * on a busy machine must not fail for taking long), else the ten minutes other suites allow.
 */
export function fuzzSuiteTimeout(): number {
  return envInt('TESSERA_FUZZ_CASES') !== undefined ? Number.POSITIVE_INFINITY : 600_000;
}

/** fast-check parameters for a property with `defaultCases` cases under `npm test`. */
export function fuzzParams<T>(defaultCases: number): fc.Parameters<T> {
  const seed = envInt('TESSERA_FUZZ_SEED');
  return { numRuns: fuzzCases(defaultCases), ...(seed !== undefined ? { seed } : {}), endOnFailure: true };
}

/** Counts per label, reported once a suite ends (`npm run fuzz` prints them). */
export class FuzzTally {
  readonly counts = new Map<string, number>();
  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }
  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  }
}

/**
 * Asserts that `e` is a TesseraError of one of `codes` (a refusal), not a TypeError, a
 * RangeError or any other escape; returns its code.
 */
export function assertTypedRefusal(e: unknown, codes: readonly ErrorCode[], what: string): ErrorCode {
  if (!(e instanceof TesseraError)) {
    const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
    assert.fail(`${what} threw something other than a TesseraError: ${detail}`);
  }
  assert.ok(codes.includes(e.code), `${what} refused with ${e.code} (${e.message}); documented: ${codes.join(', ')}`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0 && e.message.length < 4096, `${what}: the message is empty or unbounded`);
  return e.code;
}
