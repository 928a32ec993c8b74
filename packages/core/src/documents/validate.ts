/**
 * Small hand-written readers for document claims. Each failure is a TesseraError DOC_INVALID
 * whose message names the field by its path (`features[1].count`), because the person who
 * reads it holds a file they did not write and needs to know which part is wrong.
 *
 * Readers build fresh values instead of passing the parsed object through, so what a verifier
 * returns holds exactly the fields its type declares.
 */
import { isIsoDate } from '../dates.js';
import { TesseraError } from '../errors.js';
import { FACTOR_NAMES, type FactorHashes, isFactorName } from '../fingerprint/factors.js';

/** A field path under construction: `''` is the payload itself. */
export type Path = string;

export function join(path: Path, key: string | number): Path {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Throws DOC_INVALID for `path`; `doc` names the document kind for the reader. */
export function invalid(doc: string, path: Path, problem: string): never {
  const where = path === '' ? 'the payload' : path;
  throw new TesseraError('DOC_INVALID', `invalid ${doc}: ${where} ${problem}`, { details: { field: path } });
}

/** A short rendering of a bad value for messages, never the whole (possibly huge) thing. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // JSON.stringify overflows the stack on a value nested thousands deep (JSON.parse does
    // not), and String() of such an array recurses the same way: name the shape instead.
    s = Array.isArray(v) ? 'a deeply nested array' : typeof v === 'object' ? 'a deeply nested object' : typeof v;
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function readObject(doc: string, v: unknown, path: Path): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(doc, path, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/**
 * Refuses members the schema does not know. A field an older server does not understand could
 * carry a restriction it would silently drop, so unknown fields fail rather than pass.
 */
export function onlyKeys(doc: string, o: Record<string, unknown>, path: Path, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) invalid(doc, join(path, k), `is not a known field (known: ${allowed.join(', ')})`);
  }
}

export interface StringRule {
  min?: number;
  max: number;
  pattern?: RegExp;
  /** What the pattern means, for the message: "of [A-Za-z0-9._-]". */
  patternText?: string;
}

export function readString(doc: string, o: Record<string, unknown>, path: Path, key: string, rule: StringRule): string {
  const p = join(path, key);
  const v = o[key];
  const min = rule.min ?? 1;
  const what = rule.patternText ? ` ${rule.patternText}` : '';
  const size = min === rule.max ? `${min}` : `${min}–${rule.max}`;
  if (typeof v !== 'string') invalid(doc, p, `must be a string of ${size} characters${what}, got ${shown(v)}`);
  if (v.length < min || v.length > rule.max) {
    invalid(doc, p, `must be ${size} characters${what}, got ${v.length}`);
  }
  if (min > 0 && v.trim() === '') invalid(doc, p, 'must not be blank');
  if (rule.pattern && !rule.pattern.test(v)) invalid(doc, p, `must be ${size} characters${what}, got ${shown(v)}`);
  return v;
}

export function readInteger(
  doc: string,
  o: Record<string, unknown>,
  path: Path,
  key: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const p = join(path, key);
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    invalid(doc, p, `must be an integer ${range}, got ${shown(v)}`);
  }
  return v;
}

/** `YYYY-MM-DD` (a real calendar date) or null. The key must be present: null says "none". */
export function readDateOrNull(doc: string, o: Record<string, unknown>, path: Path, key: string): string | null {
  const p = join(path, key);
  if (!(key in o)) invalid(doc, p, 'is missing (use null for none)');
  const v = o[key];
  if (v === null) return null;
  if (!isIsoDate(v)) invalid(doc, p, `must be null or a date YYYY-MM-DD, got ${shown(v)}`);
  return v;
}

// RFC 3339 in UTC (docs/protocol.md: instants are RFC 3339 UTC): a 'Z' offset, optional fraction.
const INSTANT_RE = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;

/** True for an RFC 3339 UTC instant such as `2026-01-31T12:00:00.000Z`. */
export function isRfc3339Utc(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = INSTANT_RE.exec(v);
  return m !== null && isIsoDate(m[1]);
}

export function readInstant(doc: string, o: Record<string, unknown>, path: Path, key: string): string {
  const p = join(path, key);
  const v = o[key];
  if (!isRfc3339Utc(v)) invalid(doc, p, `must be an RFC 3339 UTC instant like 2026-01-31T12:00:00Z, got ${shown(v)}`);
  return v;
}

// A server id: 'srv_' + a key thumbprint (base64url). The exact length is not enforced so the
// check does not bake in SHA-256; the signature and key checks are what bind it to a key.
export const SERVER_ID_RE = /^srv_[A-Za-z0-9_-]{1,124}$/;

export function readServerId(doc: string, o: Record<string, unknown>, path: Path, key: string): string {
  return readString(doc, o, path, key, {
    max: 128,
    pattern: SERVER_ID_RE,
    patternText: "starting 'srv_' followed by base64url characters",
  });
}

export const LICENSE_ID_RE = /^[A-Za-z0-9._:-]+$/;

export function readLicenseId(doc: string, o: Record<string, unknown>, path: Path, key: string): string {
  return readString(doc, o, path, key, { max: 128, pattern: LICENSE_ID_RE, patternText: 'of [A-Za-z0-9._:-]' });
}

const FACTOR_HASH_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Factor hashes: only the known factor names (docs/security.md), each a base64url hash. */
export function readFactorHashes(doc: string, o: Record<string, unknown>, path: Path, key: string): FactorHashes {
  const p = join(path, key);
  const f = readObject(doc, o[key], p);
  const out: FactorHashes = {};
  for (const [name, value] of Object.entries(f)) {
    if (!isFactorName(name)) invalid(doc, join(p, name), `is not a known factor (known: ${FACTOR_NAMES.join(', ')})`);
    if (typeof value !== 'string' || !FACTOR_HASH_RE.test(value)) {
      invalid(doc, join(p, name), `must be a base64url hash, got ${shown(value)}`);
    }
    out[name] = value;
  }
  return out;
}
