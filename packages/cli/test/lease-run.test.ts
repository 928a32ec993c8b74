/**
 * `tessera lease run`'s command line, with real processes: which conf file it reads, how it
 * says a conf file is wrong, a command it cannot run, the command's stdio and options, the
 * application name the server shows. (Holding, releasing, denials, signals and failover are
 * in the SDK conformance suite: sdk/conformance/lease-run.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CLI,
  type CliResult,
  cleanup,
  cli,
  cliOk,
  features,
  issueInProcess,
  oneStderrLine,
  type ServerProcess,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

/** `tessera lease run ...args` with `stdin` as its input, to its end. */
function leaseRun(args: readonly string[], o: { cwd?: string; stdin?: string } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [CLI, 'lease', 'run', ...args], { cwd: o.cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(o.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function inUse(server: ServerProcess, feature: string): Promise<number> {
  return (await features(server.clientUrl)).features.find((f) => f.feature === feature)?.inUse ?? 0;
}

describe('tessera lease run', { timeout: 120_000 }, () => {
  const work = tempDir();
  let server: ServerProcess;
  let confFile: string;
  let address: string;

  before(async () => {
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    server = await startServer(join(work, 'srv'), { vendorKeys: [vendor.pub] });
    const info = join(work, 'info.bts');
    await cliOk(['server-id', '--data', server.dataDir, '--out', info]);
    const lic = join(work, 'asr.lic');
    await issueInProcess(vendor, info, lic, ['asr=2']);
    await cliOk(['license', 'install', lic, '--data', server.dataDir]);
    address = new URL(server.clientUrl).host;
    confFile = join(work, 'client_property.conf');
    writeFileSync(confFile, `[GLOBAL]\nLICENSE_SERVERS = ${address}\nLICENSE_CACHE_PERIOD = 0\n`);
  });

  test("the command's stdin, stdout and options are its own; its status is tessera's", async () => {
    // `-e` and `--` after the command are node's, not tessera's.
    const script = [
      "let s = '';",
      "process.stdin.on('data', (d) => (s += d));",
      "process.stdin.on('end', () => { process.stdout.write(s.toUpperCase() + process.argv.slice(1).join(',')); process.exit(4); });",
    ].join(' ');
    const r = await leaseRun(
      ['--feature', 'asr', '--conf', confFile, process.execPath, '-e', script, '--', 'a', '-b'],
      {
        stdin: 'hello ',
      },
    );
    assert.equal(r.stdout, 'HELLO a,-b');
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(await inUse(server, 'asr'), 0);
  });

  test('the conf file is ./client_property.conf unless --conf says otherwise', async () => {
    const cwd = tempDir();
    const missing = await leaseRun(['--feature', 'asr', 'true'], { cwd });
    assert.equal(missing.code, 1);
    assert.equal(oneStderrLine(missing), 'tessera: client_property.conf: cannot read: no such file');

    writeFileSync(join(cwd, 'client_property.conf'), `[GLOBAL]\nLICENSE_SERVERS = ${address}\n`);
    const found = await leaseRun(['--feature', 'asr', process.execPath, '-e', 'console.log(process.cwd())'], { cwd });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout.trim(), cwd, 'the command runs in the same directory');
  });

  test('a wrong conf file is one line naming FILE:LINE, exit 1; warnings are noted and the command runs', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, `[GLOBAL]\nLICENSE_SERVERS = ${address}\nLICENSE_CACHE_PERIOD = soon\n`);
    const marker = join(dir, 'ran');
    const r = await leaseRun(['--feature', 'asr', '--conf', bad, 'touch', marker]);
    assert.equal(r.code, 1);
    assert.equal(oneStderrLine(r), `tessera: ${bad}:3: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "soon"`);
    assert.equal(existsSync(marker), false);

    const odd = join(dir, 'odd.conf');
    writeFileSync(odd, `[GLOBAL]\nLICENSE_SERVERS = ${address}\nCOLOUR = blue\n`);
    const warned = await leaseRun(['--feature', 'asr', '--conf', odd, 'touch', marker]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(oneStderrLine(warned), `tessera: warning: ${odd}:3: unknown key COLOUR in [GLOBAL]; ignored`);
    assert.equal(existsSync(marker), true);
  });

  test('a command that cannot be found exits 127 and the seat is released', async () => {
    const r = await leaseRun(['--feature', 'asr', '--conf', confFile, 'tessera-no-such-command-here', '--x']);
    assert.equal(r.code, 127);
    assert.equal(oneStderrLine(r), 'tessera: tessera-no-such-command-here: command not found');
    assert.equal(await inUse(server, 'asr'), 0);
  });

  test('--app, --count and --release-date reach the server', async () => {
    const dir = tempDir();
    const done = join(dir, 'done');
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const wait = `setInterval(() => require('node:fs').existsSync(${JSON.stringify(done)}) && process.exit(0), 50)`;
    const child = spawn(
      process.execPath,
      [
        CLI,
        'lease',
        'run',
        '--feature',
        'asr',
        '--count',
        '2',
        '--app',
        'nightly',
        '--release-date',
        '2026-01-15',
      ].concat(['--conf', confFile, process.execPath, '-e', wait]),
      { env, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const token = readFileSync(join(server.dataDir, 'admin.token'), 'utf8').trim();
    type HeldLease = { app: string; count: number; releaseDate: string };
    let lease: HeldLease | undefined;
    for (let i = 0; i < 200 && !lease; i++) {
      const res = await fetch(`${server.adminUrl}/api/v1/leases?feature=asr`, {
        headers: { authorization: `Bearer ${token}` },
      });
      lease = ((await res.json()) as { leases: HeldLease[] }).leases[0];
      if (!lease) await new Promise((r) => setTimeout(r, 50));
    }
    writeFileSync(done, '');
    assert.equal(await exited, 0);
    assert.deepEqual(
      { app: lease?.app, count: lease?.count, releaseDate: lease?.releaseDate },
      { app: 'nightly', count: 2, releaseDate: '2026-01-15' },
    );
  });

  test('usage errors exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['lease', 'run', 'true'], /required option '--feature <name>' not specified/],
      [['lease', 'run', '--feature', 'asr'], /missing required argument 'command'/],
      [['lease', 'run', '--feature', 'asr', '--count', '0', 'true'], /--count must be an integer from 1/],
      [['lease', 'run', '--feature', 'asr', '--release-date', '2026-13-01', 'true'], /a date is written YYYY-MM-DD/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `tessera ${args.join(' ')}: ${r.stderr}`);
      assert.match(oneStderrLine(r), pattern);
    }
  });
});
