/**
 * The mutations of the document fuzzer as fast-check arbitraries: what kinds of change are
 * made and with which parameters. `mutations.ts` applies them to a file.
 */
import fc from 'fast-check';
import { DOC_TYPES } from '../../jws.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DOC_TYPE_LIST = Object.values(DOC_TYPES);

/** Junk inserted into a file: NULs, control and format characters, random UTF-8, long lines. */
const junk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\0', '\r', '\n', '\r\n', '\t', '\v', '\f', '\u0085', '\u2028', '\u2029', '\uFEFF', '\u200B'),
  fc.constantFrom('.', '..', '=', '==', '#', ' # ', '+', '/', '"', '{', '}', '\\', '%00', 'é', '\uD800', '\uDFFF'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'A'.repeat(n)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => `# ${'x'.repeat(n)}\n`),
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -0, 1.5, -1, 2 ** 53, 1e308, '', 'none', [], {}),
);

/** Header changes: every member Tessera reads or refuses, and the ones jose would honour. */
const headerChange = fc.oneof(
  fc.record({
    set: fc.constant('alg'),
    value: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'eddsa', 'Ed25519', null, 1),
  }),
  fc.record({ set: fc.constant('typ'), value: fc.constantFrom(...DOC_TYPE_LIST, 'JWT', 'jose', '', null, 7) }),
  fc.record({
    set: fc.constant('kid'),
    value: fc.oneof(fc.constantFrom('untrusted', 'trusted', '', null, 5), fc.string()),
  }),
  fc.record({
    add: fc.constantFrom('crit', 'b64', 'jwk', 'jku', 'x5c', 'x5u', 'cty', 'zip', 'enc', '__proto__', 'extra'),
    value: fc.oneof(fc.constantFrom(['b64'], false, 'DEF', { kty: 'OKP' }), anyJson),
  }),
  fc.record({
    set: fc.constantFrom('alg', 'typ', 'kid'),
    value: fc.constantFrom({ toString: 1 }, { valueOf: 'x' }, ['tessera-report+jws'], 'K'.repeat(100_000)),
  }),
  fc.record({ setDeep: fc.constantFrom('alg', 'typ', 'kid'), depth: fc.integer({ min: 1000, max: 20_000 }) }),
  fc.record({ drop: fc.constantFrom('alg', 'typ', 'kid') }),
  fc.record({ dupKey: fc.constantFrom('alg', 'typ', 'kid'), value: fc.constantFrom('none', 'tessera-sync+jws', 'x') }),
  fc.record({ reencode: fc.constantFrom('spaces', 'reorder', 'escape', 'array', 'string', 'number', 'notjson') }),
);

/** Payload changes, re-encoded without re-signing (the signature no longer fits). */
const payloadChange = fc.oneof(
  fc.record({ at: fc.nat(), value: anyJson }),
  fc.record({ at: fc.nat(), drop: fc.constant(true) }),
  fc.record({
    at: fc.nat(),
    addKey: fc.constantFrom('clientId', 'extra', '__proto__', 'constructor', 'toString'),
    value: anyJson,
  }),
  fc.record({
    at: fc.nat(),
    bigNumber: fc.constantFrom('1e400', '-1e400', '12345678901234567890', '1.0', '-0', '0.1e1', '1E0'),
  }),
  fc.record({ at: fc.nat(), nest: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ dupKey: fc.nat(), value: anyJson }),
  fc.record({ reencode: fc.constantFrom('indent', 'escape', 'reorder', 'trailing-space', 'bom', 'utf16') }),
  fc.record({ replaceWith: anyJson }),
);

/** Signature changes: other keys, other documents, bad encodings. */
const signatureChange = fc.constantFrom(
  'untrusted-same-header',
  'untrusted-own-kid',
  'trusted-other-typ',
  'zeros',
  'random',
  'truncate',
  'extend',
  'trailing-bits',
  'swap-halves',
  'empty',
);

/** Base64url spellings no signer produces: padding, the standard alphabet, spaces inside. */
const encodingChange = fc.record({
  segment: fc.constantFrom(0, 1, 2),
  kind: fc.constantFrom('pad1', 'pad2', 'std-alphabet', 'space-inside', 'newline-inside', 'lowercase', 'dot-extra'),
});

const commentChange = fc.oneof(
  fc.record({ addComment: fc.string({ unit: 'grapheme', maxLength: 80 }), line: fc.nat() }),
  fc.record({
    addComment: fc.constantFrom('#', '##', '# eyJhbGciOiJub25lIn0.e30.', '#\0', '# \u2028x'),
    line: fc.nat(),
  }),
  fc.record({ dropComment: fc.nat() }),
  fc.record({ alterComment: fc.nat(), text: fc.string({ unit: 'grapheme', maxLength: 80 }) }),
  fc.record({ commentAfter: fc.string({ unit: 'grapheme', maxLength: 40 }) }),
);

const whitespaceChange = fc.constantFrom(
  'crlf',
  'cr-only',
  'trailing-spaces',
  'leading-blank-lines',
  'tabs-around-jws',
  'bom',
  'double-bom',
  'no-final-newline',
  'nbsp-around-jws',
  'blank-lines-everywhere',
  'jws-split-in-two-lines',
);

const byteChange = fc.oneof(
  fc.record({ flipAt: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ truncateAt: fc.nat() }),
  fc.record({ insertAt: fc.nat(), text: junk }),
  fc.record({ deleteAt: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ duplicateAt: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ replaceAt: fc.nat(), char: fc.constantFrom(...B64URL, '.', '=', ' ', '\0', 'é') }),
);

const sizeChange = fc.constantFrom('pad-comment-over-limit', 'pad-jws-over-limit', 'pad-comment-to-limit');

/** One mutation as data: its kind and its parameters (printed as is in a counterexample). */
export interface Mutation {
  kind: string;
  change: unknown;
}

/** One mutation, any kind; the weights keep the slow ones (huge sizes, deep nesting) rare. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: byteChange.map((change) => ({ kind: 'bytes', change })) },
  { weight: 3, arbitrary: commentChange.map((change) => ({ kind: 'comment', change })) },
  { weight: 3, arbitrary: whitespaceChange.map((change) => ({ kind: 'whitespace', change })) },
  { weight: 4, arbitrary: headerChange.map((change) => ({ kind: 'header', change })) },
  { weight: 5, arbitrary: payloadChange.map((change) => ({ kind: 'payload', change })) },
  { weight: 3, arbitrary: signatureChange.map((change) => ({ kind: 'signature', change })) },
  { weight: 2, arbitrary: encodingChange.map((change) => ({ kind: 'encoding', change })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resign-untrusted-payload-changed', change: null }) },
  { weight: 1, arbitrary: sizeChange.map((change) => ({ kind: 'size', change })) },
);

/** One to three mutations applied in turn. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });
