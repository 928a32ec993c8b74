import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseClientProperties } from './client-properties.js';
import { parseServerAddress } from './server-address.js';

const FILE = 'client_property.conf';

/** Asserts that parsing throws a ConfigError whose message is exactly `message`. */
function assertConfigError(text: string, message: string | RegExp): void {
  assert.throws(
    () => parseClientProperties(text, FILE),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

describe('client_property.conf', () => {
  test('a valid file gives servers in order, cache period and credentials', () => {
    const config = parseClientProperties(
      [
        '# Tessera client configuration',
        '; another comment style',
        '',
        '[GLOBAL]',
        'LICENSE_SERVERS = lic1.example.com:7569;10.0.0.2:7000 ; https://cloud.example.com:8600',
        '  LICENSE_CACHE_PERIOD=120  ',
        '',
        '[AUTHENTICATION]',
        'AUTHENTICATION_USERNAME = acct_123',
        'AUTHENTICATION_PASSWORD = s3cr;et#with=signs',
      ].join('\n'),
      FILE,
    );
    assert.deepEqual(
      config.servers.map((s) => s.url),
      ['http://lic1.example.com:7569', 'http://10.0.0.2:7000', 'https://cloud.example.com:8600'],
    );
    assert.equal(config.servers[2]?.secure, true);
    assert.equal(config.cacheSeconds, 120);
    assert.deepEqual(config.auth, { username: 'acct_123', password: 's3cr;et#with=signs' });
  });

  test('a mistake quotes a long or odd line shortened and escaped, not whole (fuzz finding)', () => {
    const long = 'a'.repeat(100_000);
    for (const text of [
      `[GLOBAL]\nLICENSE_SERVERS = ${long}:1\n`,
      `[GLOBAL]\n${long}\n`,
      `[${long}\n`,
      `[GLOBAL]\nLICENSE_CACHE_PERIOD = ${long}\n`,
      `[GLOBAL]\nLICENSE_SERVERS = host:${long}\n`,
      '[GLOBAL]\nNO\u001b[31mEQUALS\n',
    ]) {
      assertConfigError(text, /^client_property\.conf:\d: /);
      try {
        parseClientProperties(text, FILE);
      } catch (err) {
        assert.ok((err as Error).message.length < 400, `message of ${(err as Error).message.length} characters`);
        assert.ok(!(err as Error).message.includes('\u001b'), 'control characters are escaped');
      }
    }
  });

  test('an empty file gives the defaults: 127.0.0.1:7569, 30 s cache, no auth, no warnings', () => {
    const config = parseClientProperties('', FILE);
    assert.deepEqual(config, {
      servers: [{ host: '127.0.0.1', port: 7569, secure: false, url: 'http://127.0.0.1:7569' }],
      cacheSeconds: 30,
      warnings: [],
    });
  });

  test('section and key names match case-insensitively; CRLF and a BOM are fine', () => {
    const config = parseClientProperties(
      '\uFEFF[global]\r\nlicense_servers = a:1\r\nLicense_Cache_Period = 0\r\n',
      FILE,
    );
    assert.equal(config.servers[0]?.url, 'http://a:1');
    assert.equal(config.cacheSeconds, 0);
  });

  test('servers accept bare hosts, URLs and bracketed IPv6, with the expected default ports', () => {
    const config = parseClientProperties(
      '[GLOBAL]\nLICENSE_SERVERS = lichost;http://h1;https://h2/;[::1]:9000;http://[fe80::1]:81\n',
      FILE,
    );
    assert.deepEqual(
      config.servers.map((s) => s.url),
      ['http://lichost:7569', 'http://h1:80', 'https://h2:443', 'http://[::1]:9000', 'http://[fe80::1]:81'],
    );
  });

  test('a server listed twice is kept once, with a warning', () => {
    const config = parseClientProperties('[GLOBAL]\nLICENSE_SERVERS = a:1;http://a:1;b:2\n', FILE);
    assert.deepEqual(
      config.servers.map((s) => s.url),
      ['http://a:1', 'http://b:2'],
    );
    assert.deepEqual(config.warnings, [
      `${FILE}:2: LICENSE_SERVERS lists http://a:1 more than once; later copies ignored`,
    ]);
  });

  describe('warnings (returned, not thrown)', () => {
    test('an unknown key is a warning naming file, line and the key as written', () => {
      const config = parseClientProperties('[GLOBAL]\nLicense_Timeout = 5\n', FILE);
      assert.deepEqual(config.warnings, [`${FILE}:2: unknown key License_Timeout in [GLOBAL]; ignored`]);
    });

    test('a known key in the wrong section is a warning that says where it belongs', () => {
      const config = parseClientProperties('[GLOBAL]\nAUTHENTICATION_USERNAME = x\n', FILE);
      assert.equal(config.auth, undefined);
      assert.deepEqual(config.warnings, [
        `${FILE}:2: unknown key AUTHENTICATION_USERNAME in [GLOBAL]; ignored (it belongs in [AUTHENTICATION])`,
      ]);
    });

    test('an unknown section is one warning and its keys are ignored', () => {
      const config = parseClientProperties('[Proxy]\nHOST = x\nPORT = 1\n[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n', FILE);
      assert.deepEqual(config.warnings, [`${FILE}:1: unknown section [Proxy]; its keys are ignored`]);
      assert.equal(config.cacheSeconds, 5);
    });

    test('credentials with a plain-HTTP server off this machine are a warning', () => {
      const config = parseClientProperties(
        '[GLOBAL]\nLICENSE_SERVERS = localhost:7569;lic.example.com:7569;https://cloud.example.com\n' +
          '[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\nAUTHENTICATION_PASSWORD = p\n',
        FILE,
      );
      assert.deepEqual(config.warnings, [
        `${FILE}:2: credentials will be sent unencrypted to http://lic.example.com:7569; use https:// for servers off this machine`,
      ]);
    });
  });

  describe('malformed lines are errors naming file:line', () => {
    test('a line without "=" is an error', () => {
      assertConfigError(
        '[GLOBAL]\n\nLICENSE_SERVERS lic1:7569\n',
        `${FILE}:3: expected KEY = VALUE, got "LICENSE_SERVERS lic1:7569"`,
      );
    });

    test('a key outside any section is an error', () => {
      assertConfigError(
        '# comment\nLICENSE_SERVERS = a:1\n',
        `${FILE}:2: LICENSE_SERVERS is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]`,
      );
    });

    test('an unterminated section header is an error', () => {
      assertConfigError(
        '[GLOBAL\nLICENSE_SERVERS = a:1\n',
        `${FILE}:1: unterminated section header "[GLOBAL" (expected [NAME])`,
      );
    });

    test('an empty section name is an error', () => {
      assertConfigError('[ ]\n', `${FILE}:1: empty section name "[]"`);
    });

    test('a missing key is an error', () => {
      assertConfigError('[GLOBAL]\n = 5\n', `${FILE}:2: missing key before "=" in "= 5"`);
    });

    test('a duplicate key is an error, even in another case or a repeated section', () => {
      assertConfigError(
        '[GLOBAL]\nLICENSE_CACHE_PERIOD = 5\n[AUTHENTICATION]\n[global]\nlicense_cache_period = 6\n',
        `${FILE}:5: duplicate key license_cache_period (first set on line 2)`,
      );
    });

    test('a bad cache period is an error quoting the value', () => {
      assertConfigError(
        '[GLOBAL]\nLICENSE_SERVERS = a:1\n\n\n\n\nLICENSE_CACHE_PERIOD = abc\n',
        `${FILE}:7: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "abc"`,
      );
    });

    test('a bad port is an error naming the entry', () => {
      assertConfigError(
        '[GLOBAL]\nLICENSE_SERVERS = a:1;b:65536\n',
        `${FILE}:2: LICENSE_SERVERS entry "b:65536": port must be 1..65535, got "65536"`,
      );
      assertConfigError(
        '[GLOBAL]\nLICENSE_SERVERS = b:0\n',
        /:2: LICENSE_SERVERS entry "b:0": port must be 1\.\.65535/,
      );
      assertConfigError('[GLOBAL]\nLICENSE_SERVERS = b:http\n', /:2: LICENSE_SERVERS entry "b:http": port must be/);
    });

    test('a bad host is an error naming the entry', () => {
      assertConfigError(
        '[GLOBAL]\nLICENSE_SERVERS = bad_host!:7569\n',
        `${FILE}:2: LICENSE_SERVERS entry "bad_host!:7569": invalid host "bad_host!"`,
      );
      assertConfigError('[GLOBAL]\nLICENSE_SERVERS = ftp://a:1\n', /unsupported scheme "ftp:\/\/"/);
      assertConfigError('[GLOBAL]\nLICENSE_SERVERS = http://a:1/tessera\n', /must be just scheme:\/\/host:port/);
      assertConfigError('[GLOBAL]\nLICENSE_SERVERS = ::1:7569\n', /IPv6 address must be written in brackets/);
    });

    test('an empty server list is an error', () => {
      assertConfigError(
        '[GLOBAL]\nLICENSE_SERVERS = ;\n',
        `${FILE}:2: LICENSE_SERVERS must list at least one server (host:port;host2:port)`,
      );
    });
  });

  describe('LICENSE_CACHE_PERIOD bounds', () => {
    for (const ok of ['0', '1', '30', '3600']) {
      test(`${ok} is accepted`, () => {
        assert.equal(parseClientProperties(`[GLOBAL]\nLICENSE_CACHE_PERIOD = ${ok}\n`, FILE).cacheSeconds, Number(ok));
      });
    }
    for (const bad of ['3601', '-1', '1.5', '', '30s', '1e3', '99999']) {
      test(`"${bad}" is refused`, () => {
        assertConfigError(
          `[GLOBAL]\nLICENSE_CACHE_PERIOD = ${bad}\n`,
          `${FILE}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "${bad}"`,
        );
      });
    }
  });

  describe('authentication is both keys or neither', () => {
    test('a username without a password is an error at the username line', () => {
      assertConfigError(
        '[AUTHENTICATION]\nAUTHENTICATION_USERNAME = u\n',
        `${FILE}:2: AUTHENTICATION_USERNAME is set but AUTHENTICATION_PASSWORD is not (set both or neither)`,
      );
    });

    test('a password without a username is an error at the password line', () => {
      assertConfigError(
        '[AUTHENTICATION]\n\nauthentication_password = p\n',
        `${FILE}:3: authentication_password is set but AUTHENTICATION_USERNAME is not (set both or neither)`,
      );
    });

    test('an empty credential is an error', () => {
      assertConfigError(
        '[AUTHENTICATION]\nAUTHENTICATION_USERNAME =\nAUTHENTICATION_PASSWORD = p\n',
        `${FILE}:2: AUTHENTICATION_USERNAME must not be empty`,
      );
    });

    test('neither key means no auth', () => {
      assert.equal(parseClientProperties('[AUTHENTICATION]\n', FILE).auth, undefined);
    });
  });

  test('parseServerAddress throws RangeError for a bad entry and parses a good one', () => {
    assert.deepEqual(parseServerAddress('https://cloud.example.com:8600'), {
      host: 'cloud.example.com',
      port: 8600,
      secure: true,
      url: 'https://cloud.example.com:8600',
    });
    assert.throws(() => parseServerAddress('a:b:c'), RangeError);
  });
});
