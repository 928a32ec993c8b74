import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TesseraError } from '@tessera/core';
import { hashClientToken, layer, resolveSettings } from './catalog.js';
import { confTemplate, editConf, parseConf } from './conf-file.js';

function refusal(text: string): TesseraError {
  try {
    parseConf(text, 'server.conf');
  } catch (err) {
    assert.ok(err instanceof TesseraError);
    assert.equal(err.code, 'SETTINGS_INVALID');
    return err;
  }
  assert.fail(`parseConf accepted ${JSON.stringify(text)}`);
}

describe('server.conf: reading', () => {
  test('key = value lines, comments and blank lines; values keep inner spaces', () => {
    const { values, lineOf } = parseConf(
      '# settings\n\nmode = flexible\n  cloud_nodes=https://a.example:7600 ; b.example:7600\nsync_time = 03:30\n',
    );
    assert.deepEqual(values, {
      mode: 'flexible',
      cloud_nodes: 'https://a.example:7600 ; b.example:7600',
      sync_time: '03:30',
    });
    assert.deepEqual(lineOf, { mode: 3, cloud_nodes: 4, sync_time: 5 });
  });

  test('a mistake quotes a long or odd value shortened and escaped, not whole (fuzz finding)', () => {
    const long = 'x'.repeat(100_000);
    for (const text of [
      `mode = ${long}\n`,
      `${long}\n`,
      `${long} = 1\n`,
      `client_listen = ${long}\n`,
      `portal_url = ${long}\n`,
      'mode = \u001b[31mred\n',
    ]) {
      const err = refusal(text);
      assert.match(err.message, /^server\.conf:1: /);
      assert.ok(err.message.length < 400, `message of ${err.message.length} characters`);
      assert.ok(!err.message.includes('\u001b'), 'control characters are escaped');
    }
  });

  test('each mistake names the file and line, and says what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['mode = perpetual\nmdoe = als\n', /^server\.conf:2: unknown key "mdoe" \(known: mode, /],
      ['# ok\nsync_time = 25:00\n', /^server\.conf:2: sync_time hour must be 0-23, got 25$/],
      ['lease_seconds = -5\n', /^server\.conf:1: lease_seconds must be a whole number of seconds, got "-5"$/],
      ['lease_seconds = 3\n', /^server\.conf:1: lease_seconds must be 5\.\.86400, got 3$/],
      ['mode = lease\n', /^server\.conf:1: mode must be one of perpetual, flexible, als, pls, got "lease"$/],
      ['\n\nmode\n', /^server\.conf:3: expected "key = value", got "mode"$/],
      ['mode = als\nmode = pls\n', /^server\.conf:2: mode is set twice \(first on line 1\)$/],
      ['portal_url =\n', /^server\.conf:1: portal_url has no value/],
      ['client_listen = 10.0.0.1\n', /^server\.conf:1: client_listen must be HOST:PORT/],
      ['cloud_https = maybe\n', /^server\.conf:1: cloud_https must be yes or no, got "maybe"$/],
      ['client_token = short\n', /^server\.conf:1: client_token must be at least 16 characters$/],
    ];
    for (const [text, pattern] of cases) {
      const err = refusal(text);
      assert.match(err.message, pattern, text);
      assert.equal(typeof err.details?.line, 'number');
    }
  });

  test('the template a first start writes parses to no values and names every key', () => {
    const text = confTemplate();
    assert.deepEqual(parseConf(text).values, {});
    for (const key of ['mode', 'cloud_nodes', 'sync_time', 'client_token', 'log_level']) {
      assert.match(text, new RegExp(`^# ${key} =`, 'm'));
    }
  });
});

describe('server.conf: editing', () => {
  test("a key's line changes in place, comments and order stay, new keys go last, null removes", () => {
    const before = '# my server\nmode = perpetual   \n\n# where the vendor lives\nportal_url = https://old.example\n';
    const after = editConf(before, { mode: 'als', portal_url: null, sync_time: '02:00' });
    assert.equal(after, '# my server\nmode = als\n\n# where the vendor lives\nsync_time = 02:00\n');
    assert.deepEqual(parseConf(after).values, { mode: 'als', sync_time: '02:00' });
  });

  test('removing a key from an empty file leaves it empty, not one blank line (fuzz finding)', () => {
    assert.equal(editConf('', { cloud_https: null }), '');
    assert.equal(editConf('mode = als\n', { mode: null }), '');
    assert.equal(editConf('', { mode: 'als' }), 'mode = als\n');
  });

  test('a commented-out key is left alone and the value added below', () => {
    const after = editConf('# mode = perpetual\n', { mode: 'pls' });
    assert.equal(after, '# mode = perpetual\nmode = pls\n');
  });
});

describe('settings: layering and keys together', () => {
  test('flags win over the file, the file over defaults', () => {
    const values = layer({ lease_seconds: '60', mode: 'als' }, { lease_seconds: '90' });
    const { settings, errors } = resolveSettings(values);
    assert.deepEqual(errors, {});
    assert.equal(settings.leaseSeconds, 90);
    assert.equal(settings.mode, 'als');
    assert.equal(settings.heartbeatSeconds, 30);
    assert.equal(settings.clientListen, '0.0.0.0:7569');
  });

  test('an online mode needs Cloud nodes; bare host:port goes over HTTPS; plain HTTP only to loopback', () => {
    assert.match(resolveSettings(layer({ mode: 'pls' }, {})).errors.cloud_nodes ?? '', /mode pls talks to the Cloud/);
    const ok = resolveSettings(layer({ mode: 'flexible', cloud_nodes: 'lic1.example:7600;http://127.0.0.1:9' }, {}));
    assert.deepEqual(ok.errors, {});
    assert.deepEqual(ok.settings.cloudNodes, ['https://lic1.example:7600', 'http://127.0.0.1:9']);
    const plain = resolveSettings(layer({ mode: 'flexible', cloud_nodes: 'http://lic1.example:7600' }, {}));
    assert.match(
      plain.errors.cloud_nodes ?? '',
      /plain HTTP to another machine; use https:\/\/ or set cloud_https = no/,
    );
    const allowed = resolveSettings(layer({ mode: 'flexible', cloud_nodes: 'lic1.example:80', cloud_https: 'no' }, {}));
    assert.deepEqual(allowed.settings.cloudNodes, ['http://lic1.example:80']);
  });

  test('kept but unused values are warnings, not errors, so switching mode back and forth loses nothing', () => {
    const r = resolveSettings(
      layer({ mode: 'als', cloud_nodes: 'https://lic1.example', enrollment_code: 'ABCD-1234' }, {}),
    );
    assert.deepEqual(r.errors, {});
    assert.match(r.warnings.cloud_nodes ?? '', /not used in mode als/);
  });

  test('heartbeat below lease; admin off loopback needs TLS; cert and key together', () => {
    assert.match(
      resolveSettings(layer({ lease_seconds: '30', heartbeat_seconds: '30' }, {})).errors.heartbeat_seconds ?? '',
      /must be less than lease_seconds \(30\)/,
    );
    assert.match(
      resolveSettings(layer({ admin_listen: '10.0.0.5:7570' }, {})).errors.admin_listen ?? '',
      /not loopback, so it needs admin_tls_cert and admin_tls_key/,
    );
    assert.match(
      resolveSettings(layer({ admin_tls_cert: '/etc/admin.crt' }, {})).errors.admin_tls_key ?? '',
      /go together/,
    );
  });

  test('a client token is kept as its SHA-256; a hash in the file is taken as is', () => {
    const plain = resolveSettings(layer({ client_token: 'a-token-of-some-length' }, {}));
    assert.equal(plain.settings.clientTokenHash, hashClientToken('a-token-of-some-length'));
    const hashed = hashClientToken('another-long-token');
    assert.equal(resolveSettings(layer({ client_token: hashed }, {})).settings.clientTokenHash, hashed);
  });
});
