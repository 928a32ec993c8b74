/**
 * `tessera server status|stop`, `tessera server-key` and `--json` failures, on real processes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { wantsJson } from '../src/output.js';
import { cleanup, cli, cliOk, makeDir, startServer, tempDir } from './support.js';

after(cleanup);

/** The signing input and signature of the JWS line of a Tessera document, as openssl wants them. */
function jwsParts(documentText: string, dir: string): { input: string; sig: string } {
  const jws = documentText
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('');
  const [header, payload, signature] = jws.split('.');
  const input = join(dir, 'signing-input');
  const sig = join(dir, 'signature');
  writeFileSync(input, `${header}.${payload}`);
  writeFileSync(sig, Buffer.from(signature!, 'base64url'));
  return { input, sig };
}

function opensslVerifies(pemFile: string, parts: { input: string; sig: string }): boolean {
  try {
    execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', pemFile, '-rawin', '-in', parts.input, '-sigfile', parts.sig],
      {
        stdio: 'pipe',
      },
    );
    return true;
  } catch {
    return false;
  }
}

describe('the License Server process from the command line', () => {
  test('status, server-key (checked by openssl), stop, then status says none runs', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const data = makeDir(join(dir, 'srv'));

    const before = await cli(['server', 'status', '--data', data, '--json']);
    assert.equal(before.code, 1, 'no server yet: exit 1');
    assert.deepEqual(JSON.parse(before.stdout).running, false);

    const server = await startServer(data);
    const status = JSON.parse((await cliOk(['server', 'status', '--data', data, '--json'])).stdout);
    assert.equal(status.running, true);
    assert.equal(status.id, server.info.serverId);
    assert.equal(status.pid, server.info.pid);
    assert.equal(status.info.mode, 'perpetual');
    assert.equal(status.info.clientUrl, server.clientUrl);
    const human = (await cliOk(['server', 'status', '--data', data])).stdout;
    assert.match(human, new RegExp(`License Server ${server.info.serverId} is running \\(pid ${server.info.pid}\\)`));

    // The PEM checks a document the server signed, with openssl and nothing else.
    const pem = join(dir, 'server.pub');
    await cliOk(['server-key', '--data', data, '--out', pem]);
    assert.match(readFileSync(pem, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    await cliOk(['server-id', '--data', data, '--out', join(dir, 'info.bts')]);
    const parts = jwsParts(readFileSync(join(dir, 'info.bts'), 'utf8'), dir);
    assert.equal(opensslVerifies(pem, parts), true, 'openssl verifies the Server ID file with the PEM');
    writeFileSync(parts.input, `${readFileSync(parts.input, 'utf8')}x`);
    assert.equal(opensslVerifies(pem, parts), false, 'and refuses a changed document');
    const jwk = JSON.parse((await cliOk(['server-key', '--data', data, '--jwk'])).stdout);
    assert.equal(jwk.kty, 'OKP');
    assert.equal(jwk.crv, 'Ed25519');

    // A refusal to overwrite names the flag that forces it.
    const again = await cli(['server-key', '--data', data, '--out', pem]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /refusing to overwrite it \(.*give --force to overwrite it\)/);

    const stopped = JSON.parse((await cliOk(['server', 'stop', '--data', data, '--json'])).stdout);
    assert.deepEqual(stopped, { id: server.info.serverId, pid: server.info.pid, stopped: true });
    const exit = await server.exited;
    assert.equal(exit.code, 0, 'the server stopped cleanly on SIGTERM');
    const after = await cli(['server', 'status', '--data', data]);
    assert.equal(after.code, 1);
    assert.match(after.stdout, /No License Server is running on /);
    const stopAgain = await cli(['server', 'stop', '--data', data]);
    assert.equal(stopAgain.code, 1);
    assert.match(stopAgain.stderr, /^tessera: no License Server is running on /);

    // Started again in another mode: status says it changed, and where the new one came from.
    const als = await startServer(data, { args: ['--mode', 'als'] });
    const changed = (await cliOk(['server', 'status', '--data', data])).stdout;
    assert.match(changed, /mode changed perpetual when it last ran, als now \(from flag --mode\)/);
    await cliOk(['server', 'stop', '--data', data]);
    await als.exited;
  });

  test('with --json a failure is also an error object on stdout', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const data = makeDir(join(dir, 'srv'));
    writeFileSync(join(dir, 'bad.lic'), 'not a license\n');

    const refused = await cli(['license', 'install', join(dir, 'bad.lic'), '--data', data, '--json']);
    assert.equal(refused.code, 1);
    const body = JSON.parse(refused.stdout) as { error: { code: string; message: string } };
    assert.match(body.error.code, /^DOC_/, 'the catalog code of the refusal');
    assert.ok(refused.stderr.includes(body.error.message), 'the same words as the stderr line');

    const usage = await cli(['server', 'status', '--no-such-flag', '--json']);
    assert.equal(usage.code, 2);
    assert.equal(JSON.parse(usage.stdout).error.code, 'USAGE');

    const missing = await cli(['license', 'install', join(dir, 'missing.lic'), '--data', data, '--json']);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, 'CLI_FAILED');

    // Without --json stdout stays empty; after `--` the word belongs to another program.
    const plain = await cli(['license', 'install', join(dir, 'bad.lic'), '--data', data]);
    assert.equal(plain.stdout, '');
    assert.equal(wantsJson(['node', 'tessera', 'lease', 'run', '--feature', 'asr', '--', 'tool', '--json']), false);
    assert.equal(wantsJson(['node', 'tessera', 'license', 'list', '--json', '--data', data]), true);
  });
});
