import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cleanup,
  cli,
  cliJson,
  issueInProcess,
  makeDir,
  oneStderrLine,
  type ServerProcess,
  startServer,
  tempDir,
  type Vendor,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

/** Changes the signed payload of a document file and keeps its signature. */
function tamper(fileText: string): string {
  const lines = fileText.trimEnd().split('\n');
  const jws = lines.pop()!;
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { features: { count: number }[] };
  claims.features[0]!.count = 999;
  const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${[...lines, `${header}.${forged}.${signature}`].join('\n')}\n`;
}

describe('bad documents given to `tessera license install`', () => {
  let work: string;
  let data: string;
  let trusted: Vendor;
  let server: ServerProcess;
  /** Each bad file and the error code its one stderr line must name. */
  const bad: { name: string; file: string; code: string }[] = [];

  before(async () => {
    work = tempDir();
    data = join(work, 'srv');
    const otherData = makeDir(join(work, 'other-srv'));
    trusted = vendorKeyInProcess(join(work, 'vendor'));
    const foreign = vendorKeyInProcess(join(work, 'foreign-vendor'));
    server = await startServer(data, { vendorKeys: [trusted.pub] });
    const info = join(work, 'info.bts');
    const otherInfo = join(work, 'other-info.bts');
    // The other server's id file is made with no server running on its (fresh) data dir.
    await Promise.all([
      cliJson(['server-id', '--data', data, '--out', info]),
      cliJson(['server-id', '--data', otherData, '--out', otherInfo]),
    ]);
    const good = join(work, 'good.lic');
    await issueInProcess(trusted, info, good, ['asr=4']);
    await issueInProcess(trusted, info, join(work, 'base.lic'), ['asr=2']);
    await issueInProcess(trusted, otherInfo, join(work, 'other-server.lic'), ['asr=2']);
    await issueInProcess(foreign, info, join(work, 'foreign.lic'), ['asr=2']);
    await cliJson(['license', 'install', good, '--data', data]);

    const base = readFileSync(join(work, 'base.lic'), 'utf8');
    writeFileSync(join(work, 'tampered.lic'), tamper(base));
    // Cut off in the middle of the signed line, as an interrupted copy leaves it.
    const jwsStart = base.trimEnd().lastIndexOf('\n') + 1;
    writeFileSync(join(work, 'truncated.lic'), base.slice(0, jwsStart + Math.floor((base.length - jwsStart) / 2)));
    bad.push(
      { name: 'a tampered license', file: join(work, 'tampered.lic'), code: 'DOC_BAD_SIGNATURE' },
      { name: 'a truncated license', file: join(work, 'truncated.lic'), code: 'DOC_MALFORMED' },
      { name: 'a Server ID file given as a license', file: info, code: 'DOC_WRONG_TYPE' },
      { name: 'a license bound to another server', file: join(work, 'other-server.lic'), code: 'WRONG_SERVER' },
      { name: 'a license signed by a foreign vendor key', file: join(work, 'foreign.lic'), code: 'DOC_UNKNOWN_KEY' },
    );
  });

  async function listed(): Promise<unknown> {
    const { licenses, uninstalled } = await cliJson<{ licenses: unknown; uninstalled: unknown }>([
      'license',
      'list',
      '--data',
      data,
    ]);
    return { licenses, uninstalled };
  }

  async function expectRefusals(extraArgs: string[], only?: string[]): Promise<void> {
    const before = await listed();
    for (const b of bad.filter((x) => !only || only.includes(x.code))) {
      const r = await cli(['license', 'install', b.file, '--data', data, ...extraArgs]);
      assert.equal(r.code, 1, `${b.name}: exit code`);
      assert.equal(r.stdout, '', `${b.name}: nothing on stdout`);
      const line = oneStderrLine(r);
      assert.match(line, new RegExp(`^tessera: .+ \\(${b.code}\\)$`), `${b.name}: ${line}`);
    }
    assert.deepEqual(await listed(), before, 'the license list is unchanged');
  }

  test('each is refused with exactly one line on stderr naming the problem, and changes nothing (running server)', {
    timeout: 40_000,
  }, async () => {
    await expectRefusals([]);
  });

  test('they are refused the same way when the CLI opens the data dir itself', { timeout: 40_000 }, async () => {
    await server.stop();
    await expectRefusals(['--vendor-key', trusted.pub], ['DOC_BAD_SIGNATURE', 'DOC_UNKNOWN_KEY']);
  });
});
