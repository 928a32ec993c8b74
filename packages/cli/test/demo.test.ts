import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, cleanup, features, REPO_ROOT, tempDir } from './support.js';

after(cleanup);

test('tessera demo starts a Cloud and a License Server licensed through it, prints URLs and passwords, serves the demo licenses and subscription seats, and stops on SIGTERM', {
  timeout: 40_000,
}, async () => {
  const dir = join(tempDir(), 'demo');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(
    process.execPath,
    [
      CLI,
      'demo',
      '--data',
      dir,
      ...['--client-port', '0', '--admin-port', '0', '--cloud-port', '0'],
      ...['--flexible-client-port', '0', '--flexible-admin-port', '0'],
    ],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  try {
    const deadline = Date.now() + 25_000;
    while (!/stop with Ctrl-C/.test(stdout)) {
      if (child.exitCode !== null) assert.fail(`the demo exited early:\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) assert.fail(`the demo did not start in time:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const adminUrl = /Dashboard +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    const clientUrl = /client API +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(adminUrl && clientUrl, `URLs in the banner:\n${stdout}`);
    const passwords = [...stdout.matchAll(/password +(\S+) +\(from (\S+);/g)];
    assert.equal(passwords.length, 3, `the two Dashboards' and the portal's passwords in the banner:\n${stdout}`);
    assert.match(stdout, /user +admin/);
    const [serverPassword, portalPassword, flexiblePassword] = passwords;
    assert.equal(flexiblePassword![2], join(dir, 'flexible-server', 'initial-admin-password'));
    assert.equal(serverPassword![2], join(dir, 'server', 'initial-admin-password'));
    assert.equal(readFileSync(serverPassword![2]!, 'utf8').trim(), serverPassword![1]);
    assert.equal(portalPassword![2], join(dir, 'cloud', 'initial-admin-password'));
    assert.equal(readFileSync(portalPassword![2]!, 'utf8').trim(), portalPassword![1]);
    assert.match(stdout, /LICENSE_SERVERS = 127\.0\.0\.1:\d+/, 'an example client_property.conf');
    const portalUrl = /portal +(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
    assert.ok(portalUrl, `the portal URL in the banner:\n${stdout}`);
    assert.match(
      stdout,
      new RegExp(`LICENSE_SERVERS = ${portalUrl.replaceAll('.', '\\.')}`),
      'the subscription config',
    );
    assert.match(stdout, /AUTHENTICATION_PASSWORD = \S+/);

    // The flexible License Server: enrolled, allocated tts=3 and synced before the banner.
    const flexibleUrl = /flexible +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(flexibleUrl, `the flexible server's Dashboard in the banner:\n${stdout}`);
    const flexToken = readFileSync(join(dir, 'flexible-server', 'admin.token'), 'utf8').trim();
    const flexStatus = (await (
      await fetch(`${flexibleUrl}/api/v1/flexible/status`, { headers: { authorization: `Bearer ${flexToken}` } })
    ).json()) as { mode: string; enrolled: boolean; lastSync: { appliedAt: string } | null };
    assert.deepEqual([flexStatus.mode, flexStatus.enrolled], ['flexible', true]);
    assert.ok(flexStatus.lastSync?.appliedAt, 'it has synced: the Dashboard shows the last sync');
    assert.match(stdout, /flexible License Server \S+: 3 tts seats of 6 allocated and synced/);

    const health = await fetch(`${adminUrl}/healthz`);
    assert.equal(health.status, 200);
    const served = await features(clientUrl);
    const byName = new Map(served.features.map((f) => [f.feature, f]));
    assert.equal(byName.get('asr')?.total, 12, 'asr: 10 seats and the old contract’s 2');
    assert.equal(byName.get('asr')?.licenses.length, 2);
    assert.equal(byName.get('tts')?.total, 4);

    // The installed licenses are the Cloud's deployments: they came through the portal flow.
    const token = readFileSync(join(dir, 'cloud', 'admin.token'), 'utf8').trim();
    const res = await fetch(`${portalUrl}/api/v1/deployments`, { headers: { authorization: `Bearer ${token}` } });
    const deployments = (await res.json()) as { id: string }[];
    const installed = served.features.flatMap((f) => f.licenses.map((l) => l.licenseId));
    assert.deepEqual([...new Set(installed)].sort(), deployments.map((d) => d.id).sort());

    // Quiet by default: the sample clients are summed up every 5 s, a subscription seat of the Cloud among them.
    while (!/sample clients, last 5 s: .*Cloud subscription: [1-9]\d* granted/.test(stdout)) {
      if (Date.now() > deadline + 10_000) assert.fail(`no subscription seat from the Cloud:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.doesNotMatch(stdout, / granted by /, 'quiet: no line per client event without --verbose');
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const end = await exited;
    clearTimeout(timer);
    assert.deepEqual(end, { code: 0, signal: null }, `the demo stops cleanly on SIGTERM:\n${stderr}`);
  }
  assert.match(stdout, /demo stopped/);
  assert.equal(existsSync(join(dir, 'server', 'server.json')), false, 'the server removed its server.json');
  assert.equal(existsSync(join(dir, 'cloud', 'cloud.json')), false, 'the Cloud removed its cloud.json');
});
