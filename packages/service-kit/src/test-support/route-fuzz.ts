/**
 * Test support: a property-based fuzzer of a listener's routes, driven by the listener's own
 * OpenAPI document (so a new route is fuzzed without anyone adding it here). For every
 * documented operation it sends valid requests, requests with other credentials, and requests
 * broken one way (a schema rule, text holding NUL or a lone surrogate, a body that is not
 * JSON, a URL the router refuses), and checks every answer against the contract:
 *
 * - no 5xx;
 * - the status is one the operation's OpenAPI entry lists;
 * - a refusal is in the error envelope, with a catalog code whose status is the answer's;
 * - a JSON answer matches its documented schema, a non-JSON answer has its documented type;
 * - a request its schema forbids is never accepted, and one it allows is never refused by
 *   the schema check (the document and the validation are the same rules);
 * - the edge rules answer what they must: 400 for bad text, 414 for an overlong path
 *   segment, 415 for a body type no route takes.
 *
 * The case count comes from `TESSERA_FUZZ_CASES` (`npm run fuzz -- --cases N`), the seed from
 * `TESSERA_FUZZ_SEED`; `npm test` runs a small fixed-seed sample.
 */
import fc from 'fast-check';
import {
  answerProblem,
  type CaseKind,
  type FuzzAnswer,
  type FuzzRequest,
  type Op,
  type OpenApiDocument,
  objectSchemaOf,
  operationsOf,
  type Parameter,
} from './openapi-checks.js';
import {
  brokenObjectArb,
  type Examples,
  invalidArb,
  SchemaOracle,
  stringSlots,
  validArb,
} from './schema-arbitraries.js';

export type { CaseKind, FuzzAnswer, FuzzRequest, OpenApiDocument } from './openapi-checks.js';
export type { Examples, JsonSchema } from './schema-arbitraries.js';

export interface FuzzTarget {
  /** For messages: "License Server admin listener". */
  name: string;
  doc: OpenApiDocument;
  send(request: FuzzRequest): Promise<FuzzAnswer>;
  /** Headers whose credentials reach the handler of this operation. */
  credentials(method: string, path: string): Record<string, string>;
  /** Other credentials to try: none, wrong, of a weaker role. */
  otherCredentials: readonly Record<string, string>[];
  examples: Examples;
  /** Operations left out (one that would end what the others run on, say). */
  skip?: (method: string, path: string) => boolean;
}

export interface FuzzSummary {
  cases: number;
  operations: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  /** Distinct problems (by operation, kind and problem), each with a count and one request. */
  failures: { key: string; count: number; problem: string; request: string; answer: string }[];
}

/** Cases per listener: `TESSERA_FUZZ_CASES`, else `fallback` (npm test's small sample). */
export function fuzzCases(fallback: number): number {
  const n = Number(process.env.TESSERA_FUZZ_CASES);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** `TESSERA_FUZZ_SEED`, else a fixed seed for npm test and a fresh one for `npm run fuzz`. */
export function fuzzSeed(): number {
  const s = Number(process.env.TESSERA_FUZZ_SEED);
  if (process.env.TESSERA_FUZZ_SEED !== undefined && Number.isSafeInteger(s)) return s;
  return process.env.TESSERA_FUZZ_CASES ? (Date.now() ^ (Math.random() * 2 ** 31)) | 0 : 20261207;
}

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

const encodeSegment = encodeURIComponent;

/**
 * Whether a value can be a path segment at all: `.` and `..` (even percent-encoded) are
 * resolved away by every URL parser (`/v1/leases/./heartbeat` is `/v1/leases/heartbeat`).
 */
function addressable(v: string): boolean {
  return v !== '' && !/^(\.|%2e){1,2}$/i.test(v);
}

/** Fills `{name}` segments with already-encoded values. */
function pathWith(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
}

interface Parts {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  hasBody: boolean;
}

function validPartsArb(op: Op, examples: Examples): fc.Arbitrary<Parts> {
  const param = (p: Parameter) => validArb(p.schema, examples, p.name).map(asText).filter(addressable);
  const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, param(p)])));
  const query = fc.record(
    Object.fromEntries(op.query.map((p) => [p.name, validArb(p.schema, examples, p.name).map(asText)])),
    {
      requiredKeys: op.query.filter((p) => p.required).map((p) => p.name),
    },
  );
  const body = op.body ? validArb(op.body, examples) : fc.constant(undefined);
  return fc
    .tuple(params, query, body)
    .map(([params, query, body]) => ({ params, query, body, hasBody: op.body !== undefined }));
}

export class RouteFuzzer {
  private readonly oracle = new SchemaOracle();
  private readonly ops: Op[];

  constructor(private readonly target: FuzzTarget) {
    this.ops = operationsOf(target.doc).filter((op) => !target.skip?.(op.method, op.path));
  }

  get operations(): number {
    return this.ops.length;
  }

  /** Every case: an operation, then one kind of request to it. */
  requests(): fc.Arbitrary<FuzzRequest> {
    return fc.constantFrom(...this.ops).chain((op) => this.requestArb(op));
  }

  private forbidden(op: Op, parts: Parts): boolean {
    if (op.pathParams.length > 0 && !this.oracle.accepts(objectSchemaOf(op.pathParams), parts.params, true))
      return true;
    if (!this.oracle.accepts(objectSchemaOf(op.query), parts.query, true)) return true;
    if (!op.body) return false;
    if (parts.body === undefined) return op.bodyRequired;
    return !this.oracle.accepts(op.body, parts.body);
  }

  private build(
    op: Op,
    kind: CaseKind,
    parts: Parts,
    extra: { headers?: Record<string, string>; payload?: string | null; rawParams?: Record<string, string> } = {},
  ): FuzzRequest {
    const primaryHeaders = this.target.credentials(op.method, op.path);
    const headers = extra.headers ?? { ...primaryHeaders };
    const encoded =
      extra.rawParams ?? Object.fromEntries(Object.entries(parts.params).map(([k, v]) => [k, encodeSegment(v)]));
    const search = new URLSearchParams(parts.query).toString();
    const url = pathWith(op.path, encoded) + (search ? `?${search}` : '');
    let payload: string | undefined;
    if (extra.payload !== undefined) payload = extra.payload ?? undefined;
    else if (parts.hasBody && parts.body !== undefined) payload = JSON.stringify(parts.body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const primary = JSON.stringify(headers.authorization ?? '') === JSON.stringify(primaryHeaders.authorization ?? '');
    return {
      method: op.method,
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      kind,
      operation: `${op.method} ${op.path}`,
      primary,
      forbidden: this.forbidden(op, parts),
      note: '',
    };
  }

  private requestArb(op: Op): fc.Arbitrary<FuzzRequest> {
    const ex = this.target.examples;
    const valid = validPartsArb(op, ex);
    const choices: { weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }[] = [
      { weight: 40, arbitrary: valid.map((p) => this.build(op, 'valid', p)) },
      { weight: 6, arbitrary: this.badTextArb(op, valid) },
    ];
    if (this.target.otherCredentials.length > 0) {
      const creds = fc.constantFrom(...this.target.otherCredentials);
      choices.push({
        weight: 8,
        arbitrary: fc
          .tuple(valid, creds)
          .map(([p, headers]) => this.build(op, 'other-credentials', p, { headers: { ...headers } })),
      });
    }
    if (op.body) {
      const body = op.body;
      const broken = body.properties ? brokenObjectArb(body, ex) : invalidArb(body);
      choices.push({
        weight: 14,
        arbitrary: fc.tuple(valid, broken).map(([p, b]) => this.build(op, 'broken-body', { ...p, body: b })),
      });
    }
    if (BODY_METHODS.has(op.method.toLowerCase())) choices.push({ weight: 8, arbitrary: this.rawBodyArb(op, valid) });
    if (op.pathParams.length > 0) {
      choices.push({ weight: 4, arbitrary: this.badUrlArb(op, valid) });
      choices.push({
        weight: 5,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...op.pathParams), fc.oneof(invalidArb(op.pathParams[0]!.schema), fc.string()))
          .map(([p, param, v]) => ({
            ...p,
            params: { ...p.params, [param.name]: addressable(asText(v)) ? asText(v) : '-' },
          }))
          .map((p) => this.build(op, 'broken-param', p)),
      });
    }
    if (op.query.length > 0) {
      choices.push({
        weight: 6,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...op.query), fc.oneof(fc.constant(undefined), fc.string()))
          .chain(([p, q, drop]) =>
            (drop === undefined ? fc.constant(undefined) : invalidArb(q.schema)).map((v) => {
              const query = { ...p.query };
              if (v === undefined) delete query[q.name];
              else query[q.name] = asText(v);
              return this.build(op, 'broken-query', { ...p, query });
            }),
          ),
      });
    }
    return fc.oneof(...choices);
  }

  /** One string of the request holds NUL or an unpaired surrogate: 400, whatever else. */
  private badTextArb(op: Op, valid: fc.Arbitrary<Parts>): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(valid, fc.nat(), fc.constantFrom('\u0000', '\ud800', '\udfff'), fc.nat({ max: 3 }))
      .map(([p, pick, bad, where]) => {
        const slots = p.hasBody && p.body !== undefined ? stringSlots(p.body) : [];
        if (where === 0 && slots.length > 0) {
          const slot = slots[pick % slots.length]!;
          const r = this.build(op, 'bad-text', { ...p, body: slot.set(`a${bad}b`) });
          // Body text is checked after the credentials: with others, their refusal may come first.
          return { ...r, ...(r.primary ? { mustBe: 400 } : {}), note: `${JSON.stringify(bad)} in ${slot.path}` };
        }
        if (where === 1 && op.pathParams.length > 0) {
          const name = op.pathParams[pick % op.pathParams.length]!.name;
          const raw = bad === '\u0000' ? 'lease_x%00' : `x${bad === '\ud800' ? '%ED%A0%80' : '%ED%BF%BF'}`;
          const rawParams = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, encodeSegment(v)]));
          rawParams[name] = raw;
          return { ...this.build(op, 'bad-text', p, { rawParams }), mustBe: 400, note: `${raw} in params.${name}` };
        }
        if (where === 2 && op.query.length > 0) {
          const name = op.query[pick % op.query.length]!.name;
          const r = this.build(op, 'bad-text', { ...p, query: { ...p.query, [name]: 'q\u0000' } });
          return { ...r, mustBe: 400, note: `NUL in query.${name}` };
        }
        // A header carries bytes: a lone surrogate cannot be sent in one (it arrives as U+FFFD); NUL can.
        const headers = {
          ...this.target.credentials(op.method, op.path),
          authorization: basic('us\u0000er', 'password'),
        };
        return { ...this.build(op, 'bad-text', p, { headers }), mustBe: 400, note: 'NUL in the Basic user name' };
      });
  }

  /** A body that is not the JSON the route takes: malformed, empty, another type. */
  private rawBodyArb(op: Op, valid: fc.Arbitrary<Parts>): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(valid, fc.nat({ max: 4 }))
      .map(([p, how]) => {
        const json = { 'content-type': 'application/json' };
        const headers = (more: Record<string, string>) => ({ ...this.target.credentials(op.method, op.path), ...more });
        switch (how) {
          case 0:
            return {
              ...this.build(op, 'raw-body', p, { headers: headers(json), payload: '{"half": ' }),
              mustBe: 400,
              note: 'malformed JSON',
            };
          case 1:
            return {
              ...this.build(op, 'raw-body', { ...p, body: undefined }, { headers: headers(json), payload: '' }),
              note: 'empty JSON body',
            };
          case 2:
            return {
              ...this.build(op, 'raw-body', p, {
                headers: headers({ 'content-type': 'application/xml' }),
                payload: '<a/>',
              }),
              mustBe: 415,
              note: 'an XML body',
            };
          case 3:
            return {
              ...this.build(op, 'raw-body', { ...p, body: [1, 2, 3] }, { headers: headers(json), payload: '[1,2,3]' }),
              note: 'a JSON array',
            };
          default: {
            const text = JSON.stringify(p.body ?? {});
            return {
              ...this.build(
                op,
                'raw-body',
                { ...p, body: text },
                { headers: headers({ 'content-type': 'text/plain' }), payload: text },
              ),
              note: 'JSON sent as text/plain',
            };
          }
        }
      })
      .map((r) => {
        if (r.primary) return r;
        // Not the operation's own request: no status is promised for it.
        const { mustBe: _promised, ...rest } = r;
        return rest;
      });
  }

  /** A path segment longer than the router keeps (414), or one that does not decode (400). */
  private badUrlArb(op: Op, valid: fc.Arbitrary<Parts>): fc.Arbitrary<FuzzRequest> {
    return fc.tuple(valid, fc.boolean(), fc.integer({ min: 1025, max: 4000 })).map(([p, long, n]) => {
      const name = op.pathParams[0]!.name;
      const rawParams = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, encodeSegment(v)]));
      rawParams[name] = long ? 'i'.repeat(n) : 'bad%zz';
      return {
        ...this.build(op, 'bad-url', p, { rawParams }),
        mustBe: long ? 414 : 400,
        note: long ? `${n}-character id` : '%zz',
      };
    });
  }

  /** What is wrong with an answer, or undefined. */
  check(request: FuzzRequest, answer: FuzzAnswer): string | undefined {
    const op = this.ops.find((o) => `${o.method} ${o.path}` === request.operation)!;
    return answerProblem(op, request, answer, this.oracle);
  }
}

/** Runs `cases` requests against a target and gathers what is wrong. */
export async function fuzzRoutes(target: FuzzTarget, cases: number, seed: number): Promise<FuzzSummary> {
  const fuzzer = new RouteFuzzer(target);
  const summary: FuzzSummary = { cases: 0, operations: fuzzer.operations, byKind: {}, byStatus: {}, failures: [] };
  const failures = new Map<string, FuzzSummary['failures'][number]>();
  await fc.assert(
    fc.asyncProperty(fuzzer.requests(), async (request) => {
      const answer = await target.send(request);
      summary.cases++;
      summary.byKind[request.kind] = (summary.byKind[request.kind] ?? 0) + 1;
      summary.byStatus[answer.statusCode] = (summary.byStatus[answer.statusCode] ?? 0) + 1;
      const problem = fuzzer.check(request, answer);
      if (problem) {
        const key = `${request.operation} [${request.kind}] ${problem}`;
        const seen = failures.get(key);
        if (seen) seen.count++;
        else
          failures.set(key, {
            key,
            count: 1,
            problem,
            request: describe(request),
            answer: `${answer.statusCode} ${answer.body.slice(0, 300)}`,
          });
      }
      return true;
    }),
    { numRuns: cases, seed },
  );
  summary.failures = [...failures.values()];
  return summary;
}

function describe(r: FuzzRequest): string {
  const url = r.url.length > 200 ? `${r.url.slice(0, 200)}...(${r.url.length})` : r.url;
  const body =
    r.payload === undefined ? '' : ` ${r.payload.length > 300 ? `${r.payload.slice(0, 300)}...` : r.payload}`;
  return `${r.method} ${url} ${JSON.stringify(r.headers)}${body}${r.note ? ` (${r.note})` : ''}`;
}

/** A summary for the test log, and the failures in full. */
export function reportOf(name: string, s: FuzzSummary, seed: number, ms: number): string {
  const kinds = Object.entries(s.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const statuses = Object.entries(s.byStatus)
    .map(([k, n]) => `${k}:${n}`)
    .join(' ');
  const lines = [
    `${name}: ${s.cases} cases over ${s.operations} operations in ${(ms / 1000).toFixed(1)} s (seed ${seed}); ${kinds}; statuses ${statuses}`,
  ];
  for (const f of s.failures)
    lines.push(`  ${f.key} (x${f.count})\n    request: ${f.request}\n    answer: ${f.answer}`);
  return lines.join('\n');
}
