/**
 * Conformance: `client_property.conf`. Every malformed file is refused by `open` with
 * `CONFIG_ERROR` naming FILE:LINE; unknown sections and keys are warnings naming FILE:LINE;
 * section and key names match in any case.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { conformance, eventually, type ScenarioContext } from './support/suite.js';

/** A malformed file and the line its error must name. */
interface BadFile {
  what: string;
  text: string;
  line: number;
}

const OK_SERVER = '127.0.0.1:7569';

const BAD_FILES: readonly BadFile[] = [
  { what: 'a line without "="', text: `[GLOBAL]\n\nLICENSE_SERVERS ${OK_SERVER}\n`, line: 3 },
  { what: 'a key outside any section', text: `# comment\nLICENSE_SERVERS = ${OK_SERVER}\n`, line: 2 },
  { what: 'an unterminated section header', text: `[GLOBAL\nLICENSE_SERVERS = ${OK_SERVER}\n`, line: 1 },
  {
    what: 'a duplicate key, in another case and a repeated section',
    text: '[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n[AUTHENTICATION]\n[global]\nlicense_cache_period = 6\n',
    line: 5,
  },
  {
    what: 'a cache period that is not a number',
    text: `[GLOBAL]\nLICENSE_SERVERS = ${OK_SERVER}\n; a comment\n\nLICENSE_CACHE_PERIOD = abc\n`,
    line: 5,
  },
  { what: 'a cache period over 3600', text: '[GLOBAL]\nLICENSE_CACHE_PERIOD = 3601\n', line: 2 },
  { what: 'a negative cache period', text: '[GLOBAL]\n\nLICENSE_CACHE_PERIOD = -1\n', line: 3 },
  { what: 'a port out of range', text: `[GLOBAL]\nLICENSE_SERVERS = ${OK_SERVER};127.0.0.1:65536\n`, line: 2 },
  { what: 'a scheme other than http and https', text: `[GLOBAL]\nLICENSE_SERVERS = ftp://${OK_SERVER}\n`, line: 2 },
  { what: 'an empty server list', text: '# none\n[GLOBAL]\nLICENSE_SERVERS = ;\n', line: 3 },
  { what: 'a user name without a password', text: '[AUTHENTICATION]\nAUTHENTICATION_USERNAME = acct_1\n', line: 2 },
  {
    what: 'a password without a user name',
    text: `[GLOBAL]\nLICENSE_SERVERS = ${OK_SERVER}\n[AUTHENTICATION]\n\nauthentication_password = secret\n`,
    line: 5,
  },
];

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(fn));
}

async function configErrors(ctx: ScenarioContext): Promise<void> {
  const failures: string[] = [];
  await inBatches(BAD_FILES, 4, async (bad) => {
    const path = ctx.confText(bad.text);
    const driver = ctx.start();
    const a = await driver.request('open', { conf: path });
    const expected = `${path}:${bad.line}:`;
    if (a.ok) failures.push(`${bad.what}: open succeeded`);
    else if (a.code !== 'CONFIG_ERROR') failures.push(`${bad.what}: ${a.code} (${a.message}), not CONFIG_ERROR`);
    else if (!a.message.startsWith(expected)) failures.push(`${bad.what}: "${a.message}" does not start ${expected}`);
    else if (a.line !== bad.line) failures.push(`${bad.what}: line field ${a.line}, not ${bad.line}`);
    else if (a.message.slice(expected.length).trim() === '') failures.push(`${bad.what}: no words after FILE:LINE`);
  });
  // A file that cannot be read is an error of the file as a whole: no line.
  const missing = join(ctx.dir, 'no-such-dir', 'client_property.conf');
  const a = await ctx.start().request('open', { conf: missing });
  if (a.ok) failures.push('a missing file: open succeeded');
  else if (a.code !== 'CONFIG_ERROR' || !a.message.startsWith(`${missing}:`) || a.line !== null) {
    failures.push(
      `a missing file: ${a.code} line ${a.line} "${a.message}"; want CONFIG_ERROR, line null, "${missing}: ..."`,
    );
  }
  assert.deepEqual(failures, [], `every malformed file is a CONFIG_ERROR naming FILE:LINE:\n${failures.join('\n')}`);
}

async function warnings(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  const path = ctx.confText(
    [
      '# a comment', // 1
      '; another comment', // 2
      '[global]', // 3
      `license_servers = ${server.address}`, // 4
      'License_Cache_Period = 0', // 5
      'COLOR = blue', // 6: unknown key
      '', // 7
      '[Display]', // 8: unknown section
      'WIDTH = 80', // 9: a key of it (a second warning is allowed, not required)
      '',
    ].join('\n'),
  );
  const driver = ctx.start();
  const opened = await driver.ok('open', { conf: path });
  const list = opened.warnings;
  assert.ok(Array.isArray(list), `open answers warnings as a list: ${JSON.stringify(opened)}`);
  const lines = new Set<number>();
  for (const w of list as unknown[]) {
    assert.equal(typeof w, 'string');
    const m = /^(.*):(\d+):/.exec(w as string);
    assert.ok(m && m[1] === path, `a warning starts FILE:LINE: ${w}`);
    lines.add(Number(m[2]));
  }
  assert.ok(lines.has(6), `the unknown key on line 6 is warned about: ${JSON.stringify(list)}`);
  assert.ok(lines.has(8), `the unknown section on line 8 is warned about: ${JSON.stringify(list)}`);
  for (const n of lines) assert.ok([6, 8, 9].includes(n), `no warning for line ${n}: ${JSON.stringify(list)}`);

  // The lower-case keys were read: the server named in them grants, and a cache period of 0
  // gives the seat back at release (the default of 30 s would keep it).
  const granted = await driver.ok('checkout', { feature: 'asr' });
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [granted.leaseId],
  );
  await driver.ok('release', { lease: granted.lease });
  assert.ok(await eventually(async () => (await server.inUse('asr')) === 0, 10_000), 'the seat is released at once');
}

conformance('client_property.conf', [
  { name: 'each malformed file is CONFIG_ERROR naming FILE:LINE', run: configErrors },
  { name: 'unknown sections and keys are warnings naming FILE:LINE; names match in any case', run: warnings },
]);
