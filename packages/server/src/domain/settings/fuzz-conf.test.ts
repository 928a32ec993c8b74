/**
 * Fuzzing of `DIR/server.conf` (see docs/fuzzing.md): random and mutated files through
 * parseConf, editConf and the settings service. A refusal names `FILE:LINE` of a line that
 * exists and is the first bad one; an accepted file re-serializes and edits to the same
 * settings, keeping its comments and order; the service refuses a bad file or bad edit without
 * touching the file or the settings in force. Cases: TESSERA_FUZZ_CASES (`npm run fuzz`).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { LEASE_POLICY, type TesseraError } from '@tessera/core';
import fc from 'fast-check';
import {
  assertTypedRefusal,
  FuzzTally,
  fuzzParams,
  fuzzSuiteTimeout,
} from '../../../../core/src/documents/test-support/fuzz-documents/run.js';
import { openServerCore, type ServerCore } from '../../runtime/core.js';
import { silentLogger, tempDir } from '../../test-support/fixtures.js';
import { LOCAL_CLI_ACTOR } from '../audit.js';
import { LICENSING_MODES } from '../licensing-mode.js';
import { LOG_LEVELS, type RawSettings, SETTING_KEYS, type SettingKey } from './catalog.js';
import { confTemplate, editConf, parseConf } from './conf-file.js';

const CASES = 1000;
const SERVICE_CASES = 100;
const NAME = 'server.conf';
const tally = new FuzzTally();

after(() => console.log(`# fuzz-conf (server.conf): ${tally.total()} cases: ${tally}`));

/** Values each key accepts (parseConf checks each key alone). */
const VALID: Record<SettingKey, fc.Arbitrary<string>> = {
  mode: fc.constantFrom(...LICENSING_MODES),
  enrollment_code: fc.stringMatching(/^[A-Za-z0-9_-]{4,40}$/),
  cloud_nodes: fc
    .array(fc.constantFrom('https://a.example:7600', 'b.example:7600', '127.0.0.1:8600'), {
      minLength: 1,
      maxLength: 3,
    })
    .map((l) => l.join(' ; ')),
  cloud_https: fc.constantFrom('yes', 'no', 'true', 'OFF', '1'),
  cloud_ca_file: fc.constantFrom('/etc/tessera/ca.pem', 'C:\\certs\\ca.pem', 'ca file.pem'),
  portal_url: fc.constantFrom('https://portal.example.com', 'http://127.0.0.1:8600/'),
  sync_time: fc.oneof(
    fc.constant('none'),
    fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  ),
  lease_seconds: fc.integer({ min: LEASE_POLICY.minLeaseSeconds, max: LEASE_POLICY.maxLeaseSeconds }).map(String),
  heartbeat_seconds: fc.integer({ min: LEASE_POLICY.minHeartbeatSeconds, max: 600 }).map(String),
  client_listen: fc.integer({ min: 0, max: 65535 }).map((p) => `127.0.0.1:${p}`),
  admin_listen: fc.integer({ min: 0, max: 65535 }).map((p) => `127.0.0.1:${p}`),
  admin_tls_cert: fc.constant('/etc/tessera/admin.crt'),
  admin_tls_key: fc.constant('/etc/tessera/admin.key'),
  client_token: fc.stringMatching(/^[A-Za-z0-9]{16,40}$/),
  log_level: fc.constantFrom(...LOG_LEVELS),
};

const keyArb = fc.constantFrom(...SETTING_KEYS);
const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\0', '\r', '\u2028', '\uFEFF', '=', '==', '#', '[GLOBAL]', 'mode', ' = x', '__proto__ = 1'),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => `mode = ${'x'.repeat(n)}`),
);

/** One line of a file: a valid key line (with varied spacing), a comment, a blank, or junk. */
const line = fc.oneof(
  {
    weight: 5,
    arbitrary: keyArb.chain((k) =>
      fc
        .tuple(VALID[k], fc.constantFrom('=', ' = ', '  =\t', '= '), fc.constantFrom('', '  ', '\t'))
        .map(([v, eq, pad]) => `${pad}${k}${eq}${v}${pad}`),
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((c) => `# ${c}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t', '  # indented comment', '#', '#mode = als') },
  { weight: 1, arbitrary: keyArb.chain((k) => fc.string({ maxLength: 20 }).map((v) => `${k} = ${v}`)) },
  { weight: 1, arbitrary: junk },
);

const fileArb = fc
  .tuple(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, finalEol]) => lines.join(eol) + (finalEol ? eol : ''));

/** A file made of valid key lines (each key once) and comments: what the parser must accept. */
const validFileArb = fc
  .tuple(
    fc
      .uniqueArray(keyArb, { maxLength: 8 })
      .chain((keys) => fc.tuple(...keys.map((k) => VALID[k].map((v) => [k, v] as const)))),
    fc.array(
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((c) => `# ${c}`),
      { maxLength: 6 },
    ),
    fc.array(fc.nat(), { maxLength: 6 }),
  )
  .map(([pairs, comments, spots]) => {
    const lines: string[] = pairs.map(([k, v]) => `${k} = ${v}`);
    for (const [i, c] of comments.entries()) lines.splice((spots[i] ?? 0) % (lines.length + 1), 0, c);
    return `${lines.join('\n')}\n`;
  });

const mutation = fc.oneof(
  fc.record({ flipAt: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ insertAt: fc.nat(), text: junk }),
  fc.record({ deleteAt: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ truncateAt: fc.nat() }),
);

function mutate(text: string, m: Record<string, unknown>): string {
  const n = Math.max(1, text.length);
  if ('flipAt' in m) {
    const b = Buffer.from(text, 'utf8');
    if (b.length > 0) {
      const i = (m.flipAt as number) % b.length;
      b[i] = b[i]! ^ (1 << (m.bit as number));
    }
    return b.toString('utf8');
  }
  if ('insertAt' in m) {
    const i = (m.insertAt as number) % (text.length + 1);
    return text.slice(0, i) + String(m.text) + text.slice(i);
  }
  if ('deleteAt' in m) {
    const i = (m.deleteAt as number) % n;
    return text.slice(0, i) + text.slice(i + (m.length as number));
  }
  return text.slice(0, (m.truncateAt as number) % n);
}

const anyFileArb = fc.oneof(
  fileArb,
  fc.tuple(validFileArb, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([t, ms]) => ms.reduce(mutate, t)),
  fc.constant(confTemplate()),
);

/** Parses, or returns the refusal after checking it is a SETTINGS_INVALID naming an existing, first-bad line. */
function parseOrRefusal(text: string): { values: RawSettings } | { line: number } {
  try {
    return parseConf(text, NAME);
  } catch (e) {
    assertTypedRefusal(e, ['SETTINGS_INVALID'], 'parseConf');
    const err = e as TesseraError;
    const m = /^server\.conf:(\d+): /.exec(err.message);
    assert.ok(m, `the message names no ${NAME}:LINE: ${err.message.slice(0, 200)}`);
    const n = Number(m[1]);
    const lines = text.split(/\r?\n/);
    assert.ok(n >= 1 && n <= lines.length, `line ${n} of a ${lines.length}-line file`);
    assert.equal(err.details?.line, n);
    // The named line is the first bad one: the lines above it parse.
    parseConf(lines.slice(0, n - 1).join('\n'), NAME);
    return { line: n };
  }
}

function canonical(values: RawSettings): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} = ${v}\n`)
    .join('');
}

/** Lines that are not key lines (comments, blanks), in order, without the spacing around them. */
function otherLines(text: string): string[] {
  if (text === '') return [];
  return text
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l === '' || l.startsWith('#'));
}

describe('server.conf under fuzzing', { timeout: fuzzSuiteTimeout() }, () => {
  test('parseConf: accepted, or SETTINGS_INVALID naming FILE:LINE of the first bad line', () => {
    fc.assert(
      fc.property(anyFileArb, (text) => {
        const r = parseOrRefusal(text);
        tally.add('line' in r ? 'parse:refused' : 'parse:accepted');
      }),
      fuzzParams(CASES),
    );
  });

  test('an accepted file re-serializes and edits to the same settings, keeping comments and order', () => {
    const edits = fc.dictionary(keyArb, fc.oneof(fc.constant(null), fc.constant('__VALID__')), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.oneof(validFileArb, anyFileArb), edits, fc.nat(), (text, rawEdits, pick) => {
        const r = parseOrRefusal(text);
        if ('line' in r) return;
        tally.add('edit:cases');
        assert.deepEqual(parseConf(canonical(r.values)).values, r.values, 'canonical form');
        assert.deepEqual(parseConf(editConf(text, {})).values, r.values, 'an empty edit');
        // Valid values for the keys set, nulls to remove.
        const changes: Partial<Record<SettingKey, string | null>> = {};
        for (const [k, v] of Object.entries(rawEdits) as [SettingKey, string | null][]) {
          changes[k] = v === null ? null : fc.sample(VALID[k], { numRuns: 1, seed: pick })[0]!;
        }
        const edited = editConf(text, changes);
        const expected: RawSettings = { ...r.values };
        for (const [k, v] of Object.entries(changes) as [SettingKey, string | null][]) {
          if (v === null) delete expected[k];
          else expected[k] = v;
        }
        assert.deepEqual(parseConf(edited).values, expected);
        assert.deepEqual(otherLines(edited), otherLines(text), 'comments and blank lines kept, in order');
        const order = (t: string) => Object.keys(parseConf(t).lineOf).sort((a, b) => lineOf(t, a) - lineOf(t, b));
        const kept = order(text).filter((k) => !(k in changes));
        assert.deepEqual(
          order(edited).filter((k) => kept.includes(k)),
          kept,
          'untouched keys keep their order',
        );
      }),
      fuzzParams(CASES),
    );
  });
});

function lineOf(text: string, key: string): number {
  return parseConf(text).lineOf[key as SettingKey] ?? 0;
}

describe('settings service under fuzzing', { timeout: fuzzSuiteTimeout() }, () => {
  let t: ReturnType<typeof tempDir>;
  let core: ServerCore;
  const good = '# operator comment\nlease_seconds = 120\n\n# another\nlog_level = warn\n';
  before(async () => {
    t = tempDir('tessera-fuzz-conf-');
    const dataDir = `${t.dir}/data`;
    core = await openServerCore({ dataDir, logger: silentLogger });
    writeFileSync(core.settings.path, good);
    await core.settings.update(LOCAL_CLI_ACTOR, {});
  });
  after(() => {
    core?.close();
    t?.cleanup();
  });

  const LIVE_KEYS: SettingKey[] = ['lease_seconds', 'heartbeat_seconds', 'log_level', 'sync_time', 'portal_url'];

  test('a bad edit is refused; the file and the settings in force stay as they were', async () => {
    const badValue = fc.oneof(
      junk,
      fc.string({ maxLength: 10 }),
      fc.constantFrom('0', '-1', '99999999', 'a\nb', 'ftp://x', '25:00'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LIVE_KEYS), badValue, async (key, value) => {
        const check = await core.settings.check({ [key]: value });
        fc.pre(Object.keys(check.errors).length > 0);
        const file = readFileSync(core.settings.path, 'utf8');
        const settings = structuredClone(core.settings.settings);
        await assert.rejects(core.settings.update(LOCAL_CLI_ACTOR, { [key]: value }), (e: unknown) => {
          tally.add(`service-edit:${assertTypedRefusal(e, ['SETTINGS_INVALID'], 'settings update')}`);
          return true;
        });
        assert.equal(readFileSync(core.settings.path, 'utf8'), file);
        assert.deepEqual(core.settings.settings, settings);
      }),
      fuzzParams(SERVICE_CASES),
    );
  });

  test('a file broken by hand is refused with FILE:LINE; it is not rewritten and nothing applies', async () => {
    await fc.assert(
      fc.asyncProperty(anyFileArb, fc.constantFrom(...LIVE_KEYS), async (text, key) => {
        const r = parseOrRefusal(text);
        fc.pre('line' in r);
        const settings = structuredClone(core.settings.settings);
        writeFileSync(core.settings.path, text);
        // As written: a lone surrogate in `text` was written as U+FFFD.
        const written = readFileSync(core.settings.path);
        try {
          await assert.rejects(core.settings.update(LOCAL_CLI_ACTOR, { [key]: null }), (e: unknown) => {
            tally.add(`service-file:${assertTypedRefusal(e, ['SETTINGS_INVALID'], 'settings update')}`);
            assert.ok(
              (e as TesseraError).message.startsWith(`${core.settings.path}:${(r as { line: number }).line}: `),
              (e as TesseraError).message.slice(0, 200),
            );
            return true;
          });
          assert.deepEqual(readFileSync(core.settings.path), written, 'the broken file is left for its author');
          assert.deepEqual(core.settings.settings, settings);
        } finally {
          writeFileSync(core.settings.path, good);
        }
      }),
      fuzzParams(SERVICE_CASES),
    );
  });
});
