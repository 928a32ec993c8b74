/**
 * Fuzzing of `client_property.conf` (see docs/fuzzing.md): random and mutated files through
 * parseClientProperties. A refusal is a ConfigError naming `FILE:LINE` of a line that exists
 * (or the file as a whole), never another error; every warning names an existing line; an
 * accepted file written back in canonical form parses to the same configuration.
 * Cases: TESSERA_FUZZ_CASES (`npm run fuzz`).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  FuzzTally,
  fuzzParams,
  fuzzSuiteTimeout,
} from '../../../core/src/documents/test-support/fuzz-documents/run.js';
import { type ClientConfig, ConfigError, parseClientProperties } from './client-properties.js';

const CASES = 2000;
const FILE = 'client_property.conf';
const tally = new FuzzTally();

after(() => console.log(`# fuzz-conf (client_property.conf): ${tally.total()} cases: ${tally}`));

const server = fc.oneof(
  fc.constantFrom(
    'lic1.example.com:7569',
    '10.0.0.2:7000',
    'https://cloud.example.com:8600',
    '[::1]:7569',
    'localhost:1',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.integer({ min: 1, max: 65535 }))
    .map(([h, p]) => `${h}:${p}`),
);
const caseOf = (s: string) => fc.constantFrom(s, s.toLowerCase(), `${s[0]}${s.slice(1).toLowerCase()}`);
const secret = fc
  .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 })
  .filter((s) => s.trim() === s && s !== '');

/** One line: sections, known keys with valid values, comments, blanks, unknown keys, junk. */
const line = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('GLOBAL', 'AUTHENTICATION', 'OTHER')
      .chain((s) => caseOf(s))
      .map((s) => `[${s}]`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(caseOf('LICENSE_SERVERS'), fc.array(server, { minLength: 1, maxLength: 3 }))
      .map(([k, l]) => `${k} = ${l.join(' ; ')}`),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(caseOf('LICENSE_CACHE_PERIOD'), fc.integer({ min: 0, max: 4000 })).map(([k, n]) => `${k}=${n}`),
  },
  { weight: 2, arbitrary: fc.tuple(caseOf('AUTHENTICATION_USERNAME'), secret).map(([k, v]) => `${k} = ${v}`) },
  { weight: 2, arbitrary: fc.tuple(caseOf('AUTHENTICATION_PASSWORD'), secret).map(([k, v]) => `${k} = ${v}`) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((c) => `${c.length % 2 ? '#' : ';'} ${c}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '  ', '\t', '[', '[]', '[ GLOBAL ]', 'NOEQUALS', '= x', 'X = 1', '\uFEFF'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((n) => `LICENSE_SERVERS = ${'a'.repeat(n)}:1`) },
);

const fileArb = fc
  .tuple(fc.array(line, { maxLength: 16 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.boolean())
  .map(([lines, eol, global, bom]) => (bom ? '\uFEFF' : '') + (global ? ['[GLOBAL]', ...lines] : lines).join(eol));

const mutated = fc
  .tuple(
    fileArb,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(fc.string({ unit: 'binary', maxLength: 5 }), fc.constantFrom('\0', '\r', '\n', '=', '[', ']', '#')),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [at, ins]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + ins + t.slice(i + (at % 3));
    }, text),
  );

/** The lines as the parser counts them (a leading BOM removed; CRLF, LF and CR end a line). */
function lineCount(text: string): number {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).length;
}

/** The configuration written back the way a tool would write it. */
function canonical(c: ClientConfig): string {
  const lines = [
    '[GLOBAL]',
    `LICENSE_SERVERS = ${c.servers.map((s) => s.url).join(';')}`,
    `LICENSE_CACHE_PERIOD = ${c.cacheSeconds}`,
  ];
  if (c.auth) {
    lines.push(
      '[AUTHENTICATION]',
      `AUTHENTICATION_USERNAME = ${c.auth.username}`,
      `AUTHENTICATION_PASSWORD = ${c.auth.password}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('client_property.conf under fuzzing', { timeout: fuzzSuiteTimeout() }, () => {
  test('accepted with warnings on existing lines, or a ConfigError naming FILE:LINE of an existing line', () => {
    fc.assert(
      fc.property(fc.oneof(fileArb, mutated), (text) => {
        const lines = lineCount(text);
        let config: ClientConfig;
        try {
          config = parseClientProperties(text, FILE);
        } catch (e) {
          assert.ok(e instanceof ConfigError, `not a ConfigError: ${e instanceof Error ? e.stack : String(e)}`);
          if (e.line !== undefined) {
            assert.ok(e.line >= 1 && e.line <= lines, `line ${e.line} of a ${lines}-line file`);
            assert.ok(e.message.startsWith(`${FILE}:${e.line}: `), e.message.slice(0, 100));
          } else assert.ok(e.message.startsWith(`${FILE}: `));
          assert.ok(e.message.length < 400, `a message of ${e.message.length} characters`);
          tally.add('parse:refused');
          return;
        }
        tally.add('parse:accepted');
        for (const w of config.warnings) {
          const m = new RegExp(`^${FILE.replace('.', '\\.')}(?::(\\d+))?: `).exec(w);
          assert.ok(m, `warning without FILE:LINE: ${w.slice(0, 100)}`);
          if (m[1] !== undefined) assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= lines, w.slice(0, 100));
        }
        assert.ok(config.servers.length > 0);
        const again = parseClientProperties(canonical(config), FILE);
        assert.deepEqual(again.servers, config.servers);
        assert.equal(again.cacheSeconds, config.cacheSeconds);
        assert.deepEqual(again.auth, config.auth);
      }),
      fuzzParams(CASES),
    );
  });
});
