/**
 * Fuzzing of the document parsers (see docs/fuzzing.md): valid documents of every kind are
 * generated, signed with test keys, mutated, and fed to the verifiers. Whatever comes back is
 * either a TesseraError with a documented code, or the original: the same signed line and the
 * same claims. Cases per property: TESSERA_FUZZ_CASES (`npm run fuzz -- --cases N`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { formatDocumentFile, MAX_DOCUMENT_BYTES, parseDocumentFile } from './file.js';
import { decodeDocumentUnverified, signDocument } from './jws.js';
import { decodeReportUnverified } from './report.js';
import { documentKinds, type FuzzedKind, type FuzzKeys, fuzzKeys } from './test-support/fuzz-documents/kinds.js';
import { applyMutations, type Mutation, mutationsArb, signedContent } from './test-support/fuzz-documents/mutations.js';
import { assertTypedRefusal, FuzzTally, fuzzParams, fuzzSuiteTimeout } from './test-support/fuzz-documents/run.js';

const MUTATION_CASES = 300;
const RESIGN_CASES = 100;
const DECODER_CASES = 300;

let keys: FuzzKeys;
let kinds: FuzzedKind[];
const tally = new FuzzTally();

before(async () => {
  keys = await fuzzKeys();
  kinds = await documentKinds(keys);
});

after(() => {
  // One line per run: how many cases each parser saw and what came of them.
  console.log(`# fuzz-documents (parsers): ${tally.total()} cases: ${tally}`);
});

function kindNamed(name: string): FuzzedKind {
  const k = kinds.find((x) => x.name === name);
  assert.ok(k, `no document kind ${name}`);
  return k;
}

function sortUsage(u: { feature: string; hour: string }[]): unknown[] {
  return [...u].sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : a.hour < b.hour ? -1 : 1));
}

/** Paths of a JSON value, for the claim mutations below. */
function leafPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => leafPaths(x, [...prefix, i]))];
  if (v !== null && typeof v === 'object') {
    return [prefix, ...Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...prefix, k]))];
  }
  return [prefix];
}

/** `claims` with the value at one path replaced (or removed), as a new object. */
function withClaim(claims: unknown, at: number, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(claims) as Record<string | number, unknown>;
  const paths = leafPaths(copy).filter((p) => p.length > 0);
  if (paths.length === 0) return value;
  const path = paths[at % paths.length]!;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

describe('document parsers under mutation', { timeout: fuzzSuiteTimeout() }, () => {
  for (const name of ['license', 'server id', 'uninstall', 'report', 'sync']) {
    test(`${name}: a mutated file is refused with a documented code, or is the original`, async () => {
      const k = kindNamed(name);
      await fc.assert(
        fc.asyncProperty(k.claims, mutationsArb, async (claims, mutations) => {
          const file = await k.sign(claims as never);
          const original = await k.verify(file);
          const mutated = applyMutations(file, mutations, k.keys);
          let got: { claims: unknown; jws: string };
          try {
            got = await k.verify(mutated);
          } catch (e) {
            tally.add(`${name}:${assertTypedRefusal(e, k.codes, `verify ${name}`)}`);
            return;
          }
          tally.add(`${name}:accepted`);
          // Accepted: only what the signature does not cover (comments, blank lines, spacing
          // around the line) may differ; the signed line itself is the original, byte for byte.
          assert.equal(signedContent(got.jws), signedContent(original.jws), 'signed content changed');
          assert.equal(got.jws, original.jws, 'the accepted JWS line is not the one signed');
          assert.deepEqual(got.claims, original.claims);
        }),
        fuzzParams(MUTATION_CASES),
      );
    });

    test(`${name}: payloads signed by the trusted key are validated or refused, never crash the validator`, async () => {
      const k = kindNamed(name);
      const typ = decodeDocumentUnverified(await k.sign(fc.sample(k.claims, 1)[0] as never)).header.typ as never;
      // Valid claims in their signed form (a Report's usage packed) with one value changed or
      // removed, or any JSON at all.
      const payload = fc.oneof(
        fc.record({ c: k.claims, at: fc.nat(), v: fc.jsonValue({ maxDepth: 2 }), rm: fc.boolean() }),
        fc.record({ any: fc.jsonValue({ maxDepth: 3 }) }),
      );
      await fc.assert(
        fc.asyncProperty(payload, async (x) => {
          const p =
            'any' in x
              ? x.any
              : withClaim(decodeDocumentUnverified(await k.sign(x.c as never)).payload, x.at, x.v, x.rm);
          const file = await signDocument(typ, p, k.keys.trusted);
          let got: { claims: unknown; jws: string };
          try {
            got = await k.verify(file);
          } catch (e) {
            tally.add(`${name}-signed-payload:${assertTypedRefusal(e, k.codes, `verify ${name}`)}`);
            return;
          }
          tally.add(`${name}-signed-payload:accepted`);
          // What the validator let through signs and verifies again to the same claims.
          const again = await k.verify(await k.sign(got.claims as never));
          assert.deepEqual(again.claims, got.claims);
        }),
        fuzzParams(RESIGN_CASES),
      );
    });
  }
});

describe('file and unverified decoders under mutation', { timeout: fuzzSuiteTimeout() }, () => {
  // The kind by name, so a counterexample prints readably.
  const mutatedFile = fc.noShrink(
    fc
      .tuple(fc.constantFrom('license', 'server id', 'uninstall', 'report', 'sync'), mutationsArb)
      .chain(([name, ms]) => kindNamed(name).claims.map((c) => ({ name, ms, c }))),
  );
  const fileOf = async (x: { name: string; ms: Mutation[]; c: unknown }) => {
    const k = kindNamed(x.name);
    return applyMutations(await k.sign(x.c as never), x.ms, k.keys);
  };

  test('parseDocumentFile: DOC_MALFORMED or one line of the file, which formats and parses back the same or, at the limit, is refused by the writer', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc
        .array(fc.constantFrom('# c', '', ' ', 'a.b.c', 'AAAA.BBBB.CCCC', '\r', '.', 'A'), { maxLength: 8 })
        .map((l) => l.join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          text.map((t) => ({ t })),
          mutatedFile,
        ),
        async (input) => {
          let t: string;
          if ('t' in input) t = input.t;
          else t = await fileOf(input);
          let parsed: ReturnType<typeof parseDocumentFile>;
          try {
            parsed = parseDocumentFile(t);
          } catch (e) {
            tally.add(`parseDocumentFile:${assertTypedRefusal(e, ['DOC_MALFORMED'], 'parseDocumentFile')}`);
            return;
          }
          tally.add('parseDocumentFile:accepted');
          assert.ok(t.includes(parsed.jws), 'the JWS is a part of the file');
          // Writing the parts back adds at most the final newline and a space after each `#`
          // the file left out; only that can take a file read at the limit over it, and then
          // the writer refuses (it never writes what the reader refuses).
          const most = Buffer.byteLength(t, 'utf8') + 1 + parsed.comments.length;
          let formatted: string;
          try {
            formatted = formatDocumentFile(parsed.jws, parsed.comments);
          } catch (e) {
            assertTypedRefusal(e, ['DOC_MALFORMED'], 'formatDocumentFile');
            assert.ok(most > MAX_DOCUMENT_BYTES, `formatDocumentFile refused a file of at most ${most} bytes`);
            assert.match((e as Error).message, /over the \d+ every reader takes/);
            tally.add('parseDocumentFile:accepted-at-limit-not-rewritable');
            return;
          }
          assert.ok(Buffer.byteLength(formatted, 'utf8') <= most, 'the written file grew more than expected');
          const back = parseDocumentFile(formatted);
          assert.equal(back.jws, parsed.jws);
          assert.equal(back.comments.length, parsed.comments.length);
        },
      ),
      fuzzParams(DECODER_CASES),
    );
  });

  test('decodeDocumentUnverified and decodeReportUnverified: typed refusals only', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFile, async (input) => {
        const t = await fileOf(input);
        for (const [what, decode, codes] of [
          ['decodeDocumentUnverified', decodeDocumentUnverified, ['DOC_MALFORMED']],
          ['decodeReportUnverified', decodeReportUnverified, ['DOC_MALFORMED', 'DOC_WRONG_TYPE', 'DOC_INVALID']],
        ] as const) {
          try {
            decode(t);
            tally.add(`${what}:decoded`);
          } catch (e) {
            tally.add(`${what}:${assertTypedRefusal(e, codes, what)}`);
          }
        }
      }),
      fuzzParams(DECODER_CASES),
    );
  });

  test('the generators make valid documents (else the properties above prove little)', async () => {
    for (const k of kinds) {
      for (const c of fc.sample(k.claims, { ...fuzzParams(20), numRuns: 20 })) {
        const got = await k.verify(await k.sign(c as never));
        // A Report's usage comes back in its packed order (feature, then hour).
        const expected = JSON.parse(JSON.stringify(c));
        if (k.name === 'report')
          expected.usage = (got.claims as typeof expected).usage.length === 0 ? [] : sortUsage(expected.usage);
        assert.deepEqual(got.claims, expected, `${k.name} round trip`);
      }
    }
  });
});
