import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../config/client-properties.js';
import { loadClientProperties } from './load-client-properties.js';
import { openLicenseClient } from './open-license-client.js';

describe('loadClientProperties', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-client-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads and parses the file', async () => {
    const path = join(dir, 'client_property.conf');
    await writeFile(path, '[GLOBAL]\nLICENSE_SERVERS = a:1\nLICENSE_CACHE_PERIOD = 0\n');
    const config = await loadClientProperties(path);
    assert.equal(config.servers[0]?.url, 'http://a:1');
    assert.equal(config.cacheSeconds, 0);
  });

  test('errors name the file by the path it was read from', async () => {
    const path = join(dir, 'bad.conf');
    await writeFile(path, '[GLOBAL]\nLICENSE_CACHE_PERIOD = abc\n');
    await assert.rejects(loadClientProperties(path), {
      name: 'ConfigError',
      message: `${path}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "abc"`,
    });
  });

  test('a missing file is a ConfigError that says so', async () => {
    const path = join(dir, 'nope.conf');
    await assert.rejects(loadClientProperties(path), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `${path}: cannot read: no such file`);
      return true;
    });
  });

  test('openLicenseClient passes warnings to the logger and uses the configured servers', async () => {
    const path = join(dir, 'warn.conf');
    await writeFile(path, '[GLOBAL]\nLICENSE_SERVERS = a:1\nCOLOR = blue\n');
    const warnings: string[] = [];
    const client = await openLicenseClient(path, { logger: { warn: (m) => warnings.push(m) } });
    assert.deepEqual(warnings, [`${path}:3: unknown key COLOR in [GLOBAL]; ignored`]);
    assert.equal(client.currentServer, 'http://a:1');
    await client.close();
  });
});
