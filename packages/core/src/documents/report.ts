/**
 * The Report (`*.report`, docs/protocol.md): a License Server's signed usage summary, sent to the
 * Cloud online or carried as a Report File through a PLS. Signed by the server's own key.
 *
 * Usage is per feature and closed UTC hour, absolute values, and nothing about clients, hosts,
 * users or apps: the claims have no place for them and the validator refuses unknown fields.
 *
 * On the wire the usage hours are packed (columns, deflate, base64url) because a server that
 * was offline for 90 days with 50 features holds 108,000 hours, ~11 MB as JSON objects; packed
 * such a Report stays well under 2 MB. The packing is fixed: six integer columns and a feature
 * list, so a packed Report can no more carry a client name than the unpacked form can.
 * `signReport` and `verifyReport` take and give the plain {@link ReportClaims}.
 */
import type { KeyObject } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { TesseraError } from '../errors.js';
import type { FactorHashes } from '../fingerprint/factors.js';
import { serverIdOf } from '../keys.js';
import { DOC_TYPES, decodeDocumentUnverified, signDocument, type VerifiedDocument, verifyDocument } from './jws.js';
import { readFeatureName } from './license.js';
import {
  invalid,
  join,
  onlyKeys,
  readFactorHashes,
  readInstant,
  readInteger,
  readObject,
  readServerId,
  readString,
  shown,
} from './validate.js';

/** One feature's use during one closed UTC hour, as absolute values. */
export interface UsageHour {
  feature: string;
  /** Start of the hour, `YYYY-MM-DDTHH:00:00Z`; the hour has ended when the report is made. */
  hour: string;
  /** Most seats out at once during the hour. */
  peakSeats: number;
  /** Seats × seconds held during the hour (≤ peakSeats × 3600). */
  seatSeconds: number;
  /** Checkouts granted during the hour. */
  checkouts: number;
  /** Checkouts refused during the hour. */
  denials: number;
}

/** The first Report of a server not yet known to the Cloud. */
export interface ReportEnrollment {
  /** The one-time enrollment code from the portal. */
  code: string;
  /** The text of the server's `info.bts` (Server ID document). */
  serverIdDocument: string;
}

export interface ReportClaims {
  /** The signer's server id. */
  serverId: string;
  /** Persisted before the report is written; only orders reports (≥ 1). */
  sequence: number;
  /** RFC 3339 UTC instant. */
  createdAt: string;
  /** The server's current factor hashes. */
  factors: FactorHashes;
  enrollment?: ReportEnrollment;
  /** The last hour mark the server received in a Sync, `YYYY-MM-DDTHH:00:00Z`, or null. */
  acknowledgedThrough: string | null;
  /** Unacknowledged usage; `[]` when there is none. */
  usage: UsageHour[];
}

const DOC = 'report';
const HOUR_MS = 3_600_000;
/** Most usage hours one Report may hold: 100 features × 1 year. */
export const MAX_REPORT_HOURS = 100 * 366 * 24;
/** Largest value of a usage counter (checkouts, denials). */
const MAX_COUNTER = 1_000_000_000;
const MAX_PEAK = 1_000_000;
/** The one packing of usage hours; anything else is refused. */
export const USAGE_ENCODING = 'columns+deflate+base64url';
const COLUMNS = ['f', 'h', 'p', 's', 'c', 'd'] as const;
/** An enrollment code: what `POST /api/v1/enrollments` hands out. */
const ENROLLMENT_CODE_RE = /^[A-Za-z0-9_-]+$/;

/** Hours from the epoch to year 10000. */
const MAX_HOUR = Date.UTC(10000, 0, 1) / HOUR_MS;
const HOUR_RE = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):00:00Z$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True for an hour mark `YYYY-MM-DDTHH:00:00Z` (a real date). */
export function isHourMark(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = HOUR_RE.exec(v);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** The hour mark of the hour holding `ms`: `YYYY-MM-DDTHH:00:00Z`. */
export function hourMark(ms: number): string {
  return `${new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;
}

function readHour(doc: string, o: Record<string, unknown>, path: string, key: string): string {
  const v = o[key];
  if (!isHourMark(v)) invalid(doc, join(path, key), `must be an hour mark like 2026-01-31T13:00:00Z, got ${shown(v)}`);
  return v;
}

function readHourOrNull(doc: string, o: Record<string, unknown>, path: string, key: string): string | null {
  if (!(key in o)) invalid(doc, join(path, key), 'is missing (use null for none)');
  return o[key] === null ? null : readHour(doc, o, path, key);
}

function checkUsage(usage: UsageHour[], createdAt: string, path: string): void {
  // Hour marks compare as strings; the hour holding createdAt is still open.
  const openHour = hourMark(Date.parse(createdAt));
  // Each feature's hours rising proves no (feature, hour) repeats without a key per row (packed
  // usage comes so); only when some hour does not rise are the keys collected to find a repeat.
  const lastHour = new Map<string, string>();
  let rising = true;
  usage.forEach((u, i) => {
    if (u.hour >= openHour) invalid(DOC, join(join(path, i), 'hour'), `${u.hour} had not ended at createdAt`);
    if (u.seatSeconds > u.peakSeats * 3600) {
      invalid(
        DOC,
        join(join(path, i), 'seatSeconds'),
        `${u.seatSeconds} is more than peakSeats × 3600 (${u.peakSeats * 3600})`,
      );
    }
    const last = lastHour.get(u.feature);
    if (last !== undefined && u.hour <= last) rising = false;
    lastHour.set(u.feature, u.hour);
  });
  if (rising) return;
  const seen = new Set<string>();
  usage.forEach((u, i) => {
    const k = `${u.feature} ${u.hour}`;
    if (seen.has(k)) invalid(DOC, join(path, i), `repeats feature ${u.feature} hour ${u.hour}`);
    seen.add(k);
  });
}

const FEATURE_RE = /^[A-Za-z0-9._-]{1,64}$/;
const USAGE_KEYS = new Set(['feature', 'hour', 'peakSeats', 'seatSeconds', 'checkouts', 'denials']);

function isCount(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
}

/**
 * The fast check of one usage hour (a Report may hold 100,000 of them): the same rules as
 * {@link readUsageHour}, without building a field path per value. Undefined when something is
 * off; the caller then runs the slow reader, which names the field.
 */
function fastUsageHour(o: unknown): UsageHour | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const u = o as Record<string, unknown>;
  let n = 0;
  for (const k in u) {
    if (!USAGE_KEYS.has(k)) return undefined;
    n++;
  }
  const { feature, hour, peakSeats, seatSeconds, checkouts, denials } = u;
  if (
    n !== 6 ||
    typeof feature !== 'string' ||
    !FEATURE_RE.test(feature) ||
    !isHourMark(hour) ||
    !isCount(peakSeats, MAX_PEAK) ||
    !isCount(seatSeconds, MAX_PEAK * 3600) ||
    !isCount(checkouts, MAX_COUNTER) ||
    !isCount(denials, MAX_COUNTER)
  ) {
    return undefined;
  }
  return { feature, hour, peakSeats, seatSeconds, checkouts, denials };
}

function readUsageHour(o: Record<string, unknown>, path: string): UsageHour {
  onlyKeys(DOC, o, path, ['feature', 'hour', 'peakSeats', 'seatSeconds', 'checkouts', 'denials']);
  return {
    feature: readFeatureName(DOC, o, path, 'feature'),
    hour: readHour(DOC, o, path, 'hour'),
    peakSeats: readInteger(DOC, o, path, 'peakSeats', 0, MAX_PEAK),
    seatSeconds: readInteger(DOC, o, path, 'seatSeconds', 0, MAX_PEAK * 3600),
    checkouts: readInteger(DOC, o, path, 'checkouts', 0, MAX_COUNTER),
    denials: readInteger(DOC, o, path, 'denials', 0, MAX_COUNTER),
  };
}

/** Packed usage as it is signed: see the file comment. */
interface PackedUsage {
  encoding: typeof USAGE_ENCODING;
  /** Number of hours packed (a check on the unpacking). */
  hours: number;
  data: string;
}

/**
 * Packs usage hours: features listed once, rows sorted by feature then hour, the hour column as
 * the difference to the previous row's hour in hours (the first from the Unix epoch).
 */
export function packUsage(usage: readonly UsageHour[]): PackedUsage {
  const features = [...new Set(usage.map((u) => u.feature))].sort();
  const index = new Map(features.map((f, i) => [f, i]));
  const hours = new Map<string, number>();
  const hourOf = (mark: string): number => {
    let h = hours.get(mark);
    if (h === undefined) {
      h = Date.parse(mark) / HOUR_MS;
      hours.set(mark, h);
    }
    return h;
  };
  const rows = usage
    .map((u) => ({ u, f: index.get(u.feature)!, h: hourOf(u.hour) }))
    .sort((a, b) => a.f - b.f || a.h - b.h);
  const cols: Record<(typeof COLUMNS)[number], number[]> = { f: [], h: [], p: [], s: [], c: [], d: [] };
  let prev = 0;
  for (const { u, f, h } of rows) {
    cols.f.push(f);
    cols.h.push(h - prev);
    prev = h;
    cols.p.push(u.peakSeats);
    cols.s.push(u.seatSeconds);
    cols.c.push(u.checkouts);
    cols.d.push(u.denials);
  }
  const json = JSON.stringify({ features, ...cols });
  return { encoding: USAGE_ENCODING, hours: rows.length, data: deflateRawSync(json).toString('base64url') };
}

/**
 * Unpacks the signed usage column by column, checking every value as the plain form would be.
 *
 * @throws TesseraError DOC_INVALID naming what is wrong.
 */
export function unpackUsage(v: unknown, path = 'usage'): UsageHour[] {
  const o = readObject(DOC, v, path);
  onlyKeys(DOC, o, path, ['encoding', 'hours', 'data']);
  if (o.encoding !== USAGE_ENCODING) invalid(DOC, join(path, 'encoding'), `must be "${USAGE_ENCODING}"`);
  const hours = readInteger(DOC, o, path, 'hours', 0, MAX_REPORT_HOURS);
  const data = readString(DOC, o, path, 'data', { min: 0, max: 8 * 1024 * 1024, pattern: /^[A-Za-z0-9_-]*$/ });
  let parsed: unknown;
  try {
    // A bound on the unpacked size keeps a small, highly compressed payload from filling memory.
    const raw = inflateRawSync(Buffer.from(data, 'base64url'), { maxOutputLength: 64 * 1024 * 1024 });
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    invalid(DOC, join(path, 'data'), 'is not packed usage (deflated JSON columns)');
  }
  const t = readObject(DOC, parsed, join(path, 'data'));
  onlyKeys(DOC, t, join(path, 'data'), ['features', ...COLUMNS]);
  const features = t.features;
  if (!Array.isArray(features)) invalid(DOC, join(path, 'data.features'), 'must be an array');
  const names = features.map((name: unknown, i: number) =>
    readFeatureName(DOC, { name }, join(path, `data.features[${i}]`), 'name'),
  );
  const cols = COLUMNS.map((c) => {
    const col = t[c];
    if (!Array.isArray(col) || col.length !== hours) {
      invalid(DOC, join(path, `data.${c}`), `must be an array of ${hours} integers`);
    }
    return col as unknown[];
  });
  const out: UsageHour[] = [];
  const marks = new Map<number, string>();
  const [fs, hs, ps, ss, cs, ds] = cols as [unknown[], unknown[], unknown[], unknown[], unknown[], unknown[]];
  let hour = 0;
  for (let i = 0; i < hours; i++) {
    const f = fs[i];
    const dh = hs[i];
    if (typeof f !== 'number' || !Number.isInteger(f) || names[f] === undefined) {
      invalid(DOC, join(path, `data.f[${i}]`), `must be an index into data.features, got ${shown(f)}`);
    }
    if (typeof dh !== 'number' || !Number.isSafeInteger(dh))
      invalid(DOC, join(path, `data.h[${i}]`), 'must be an integer');
    hour += dh;
    if (hour < 0 || hour >= MAX_HOUR) invalid(DOC, join(path, `data.h[${i}]`), 'leads to an hour out of range');
    let mark = marks.get(hour);
    if (mark === undefined) {
      mark = hourMark(hour * HOUR_MS);
      marks.set(hour, mark);
    }
    const [p, s, c, d] = [ps[i], ss[i], cs[i], ds[i]];
    // The name passed readFeatureName above and the mark is hourMark's own: only the counts are
    // left to check here (108,000 rows: a regex test of each name and mark again cost ~0.1 s).
    if (isCount(p, MAX_PEAK) && isCount(s, MAX_PEAK * 3600) && isCount(c, MAX_COUNTER) && isCount(d, MAX_COUNTER)) {
      out.push({ feature: names[f], hour: mark, peakSeats: p, seatSeconds: s, checkouts: c, denials: d });
    } else {
      const row = { feature: names[f], hour: mark, peakSeats: p, seatSeconds: s, checkouts: c, denials: d };
      out.push(readUsageHour(row, join(path, i)));
    }
  }
  return out;
}

function readEnrollment(o: Record<string, unknown>): ReportEnrollment | undefined {
  if (!('enrollment' in o)) return undefined;
  const e = readObject(DOC, o.enrollment, 'enrollment');
  onlyKeys(DOC, e, 'enrollment', ['code', 'serverIdDocument']);
  return {
    code: readString(DOC, e, 'enrollment', 'code', {
      max: 128,
      pattern: ENROLLMENT_CODE_RE,
      patternText: 'of [A-Za-z0-9_-]',
    }),
    serverIdDocument: readString(DOC, e, 'enrollment', 'serverIdDocument', { max: 64 * 1024 }),
  };
}

const FIELDS = ['serverId', 'sequence', 'createdAt', 'factors', 'enrollment', 'acknowledgedThrough', 'usage'] as const;

function readHead(o: Record<string, unknown>): Omit<ReportClaims, 'usage'> {
  onlyKeys(DOC, o, '', FIELDS);
  const enrollment = readEnrollment(o);
  return {
    serverId: readServerId(DOC, o, '', 'serverId'),
    sequence: readInteger(DOC, o, '', 'sequence', 1),
    createdAt: readInstant(DOC, o, '', 'createdAt'),
    factors: readFactorHashes(DOC, o, '', 'factors'),
    ...(enrollment ? { enrollment } : {}),
    acknowledgedThrough: readHourOrNull(DOC, o, '', 'acknowledgedThrough'),
  };
}

/**
 * Checks plain Report claims (usage as an array of {@link UsageHour}) and returns a clean copy.
 *
 * @throws TesseraError DOC_INVALID naming the field, e.g. `usage[3].clientId is not a known field`.
 */
export function validateReportClaims(payload: unknown): ReportClaims {
  const o = readObject(DOC, payload, '');
  const head = readHead(o);
  if (!Array.isArray(o.usage)) invalid(DOC, 'usage', 'must be an array of usage hours');
  if (o.usage.length > MAX_REPORT_HOURS) invalid(DOC, 'usage', `holds more than ${MAX_REPORT_HOURS} hours`);
  const usage = o.usage.map(
    (u: unknown, i: number) =>
      fastUsageHour(u) ?? readUsageHour(readObject(DOC, u, join('usage', i)), join('usage', i)),
  );
  checkUsage(usage, head.createdAt, 'usage');
  return { ...head, usage };
}

/** Checks the signed (packed) form and returns plain claims. */
function validateSignedReport(payload: unknown): ReportClaims {
  const o = readObject(DOC, payload, '');
  const head = readHead(o);
  const usage = unpackUsage(o.usage);
  checkUsage(usage, head.createdAt, 'usage');
  return { ...head, usage };
}

/** The human summary written above the JWS of a `.report` file. */
export function reportSummary(c: ReportClaims): string[] {
  const features = new Set(c.usage.map((u) => u.feature));
  let first = '';
  let last = '';
  for (const u of c.usage) {
    if (first === '' || u.hour < first) first = u.hour;
    if (u.hour > last) last = u.hour;
  }
  return [
    `Tessera report ${c.sequence} from ${c.serverId}, created ${c.createdAt}`,
    c.usage.length === 0
      ? 'no usage to report'
      : `usage: ${c.usage.length} feature-hour(s) of ${features.size} feature(s), ${first} to ${last}`,
    `acknowledged through ${c.acknowledgedThrough ?? 'nothing yet'}${c.enrollment ? '; carries an enrollment' : ''}`,
    'Usage only: no client, host, user or application names. The signed line below is what counts.',
  ];
}

/**
 * Signs a Report with the server's own key. The claims' serverId must be that key's id.
 *
 * @throws TesseraError DOC_INVALID on bad claims or a serverId that is not the signer's.
 */
export async function signReport(claims: ReportClaims, serverPrivateKey: KeyObject): Promise<string> {
  const c = validateReportClaims(claims);
  const signer = await serverIdOf(serverPrivateKey);
  if (c.serverId !== signer) invalid(DOC, 'serverId', `must be ${signer}, the id of the signing key`);
  return signDocument(DOC_TYPES.report, { ...c, usage: packUsage(c.usage) }, serverPrivateKey, {
    summary: reportSummary(c),
  });
}

/**
 * Verifies a Report with the public key of the server it should come from and checks that it
 * names that server.
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE, DOC_UNKNOWN_KEY (signed by another key),
 *   DOC_BAD_SIGNATURE or DOC_INVALID (including a serverId that is not the signer's).
 */
export async function verifyReport(
  fileText: string,
  serverPublicKey: KeyObject,
): Promise<VerifiedDocument<ReportClaims>> {
  const verified = await verifyDocument(fileText, DOC_TYPES.report, serverPublicKey, validateSignedReport);
  const signer = await serverIdOf(serverPublicKey);
  if (verified.claims.serverId !== signer) {
    invalid(DOC, 'serverId', `is ${verified.claims.serverId}, but the report is signed by ${signer}`);
  }
  return verified;
}

/**
 * Reads a Report WITHOUT verifying it, usage unpacked: for display (what does this file tell
 * the vendor?) and for choosing the key to verify with (the Cloud looks up the claimed server).
 * Never act on the result.
 *
 * @throws TesseraError DOC_MALFORMED, DOC_WRONG_TYPE or DOC_INVALID.
 */
export function decodeReportUnverified(fileText: string): ReportClaims {
  const { header, payload } = decodeDocumentUnverified(fileText);
  if (header.typ !== DOC_TYPES.report) {
    throw new TesseraError(
      'DOC_WRONG_TYPE',
      `this is a ${shown(header.typ)} document; a ${DOC_TYPES.report} document is expected`,
    );
  }
  return validateSignedReport(payload);
}
