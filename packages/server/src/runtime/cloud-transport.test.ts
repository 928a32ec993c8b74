/**
 * HTTPS to the Cloud with the trust the settings name: a node whose certificate a private CA
 * signed is refused on the system's CAs alone, and reached once `cloud_ca_file` names that CA;
 * the Settings check says so in words before anything is saved.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postReport, transportReason } from '../domain/flexible/cloud-link.js';
import { startTestServer, type TestServer } from '../test-support/fixtures.js';
import { cloudRequest } from './cloud-transport.js';

/** A CA and a certificate it signed for 127.0.0.1, made with openssl. */
function privateCa(dir: string): { caFile: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync(
    'openssl',
    ['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=Tessera Test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')],
    { stdio: 'pipe' },
  );
  execFileSync('openssl', ['req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', f('node.key'), '-out', f('node.csr')], {
    stdio: 'pipe',
  });
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f('node.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      f('ext.cnf'),
      '-out',
      f('node.pem'),
    ],
    { stdio: 'pipe' },
  );
  return { caFile: f('ca.pem'), cert: readFileSync(f('node.pem'), 'utf8'), key: readFileSync(f('node.key'), 'utf8') };
}

describe('HTTPS to the Cloud with a CA file', () => {
  let dir: string;
  let ca: ReturnType<typeof privateCa>;
  let node: Server;
  let url = '';
  let server: TestServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    ca = privateCa(dir);
    node = createServer({ cert: ca.cert, key: ca.key }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/healthz') res.end('{"status":"ok"}');
      else {
        res.statusCode = 403;
        res.end('{"error":{"code":"SERVER_UNKNOWN","message":"not enrolled"}}');
      }
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(node.address() as { port: number }).port}`;
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
    await new Promise((resolve) => node.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('refused on the system CAs alone, answered with the CA file', async () => {
    const refused = await cloudRequest(`${url}/healthz`, { method: 'GET', timeoutMs: 3000 }).catch((e: unknown) => e);
    assert.ok(refused instanceof Error);
    assert.match(transportReason(refused), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
    const ok = await cloudRequest(`${url}/healthz`, {
      method: 'GET',
      timeoutMs: 3000,
      ca: readFileSync(ca.caFile, 'utf8'),
    });
    assert.equal(ok.status, 200);
    // The exchange uses the same trust: the node's refusal of the Report comes through in words.
    const answer = await postReport(
      { urls: [url], ca: readFileSync(ca.caFile, 'utf8'), request: cloudRequest },
      'x',
    ).catch((e: Error) => e);
    assert.match(String(answer), /refused the report: SERVER_UNKNOWN: not enrolled/);
  });

  test('the settings warn that the node cannot be verified, and are quiet once the CA file is set', async () => {
    const put = (values: Record<string, string>) =>
      server.server.admin.inject({
        method: 'PUT',
        url: '/api/v1/settings',
        headers: { authorization: `Bearer ${server.token}` },
        payload: { values },
      });
    const without = await put({ mode: 'pls', cloud_nodes: url });
    assert.equal(without.statusCode, 200);
    assert.match(without.json().warnings.cloud_nodes, /no Cloud node answers .*(UNABLE_TO_VERIFY|SELF_SIGNED)/);
    const notACert = join(dir, 'not-a-cert.pem');
    writeFileSync(notACert, 'hello\n');
    const bad = await put({ cloud_ca_file: notACert });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.details.errors.cloud_ca_file, /holds no PEM certificate/);
    const withCa = await put({ cloud_ca_file: ca.caFile });
    assert.equal(withCa.statusCode, 200, withCa.body);
    assert.deepEqual(withCa.json().warnings, {});
    assert.equal(server.core.settings.cloudConnection().ca, readFileSync(ca.caFile, 'utf8'));
  });
});
