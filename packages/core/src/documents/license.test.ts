import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keyring } from '../keys.js';
import type { LicenseClaims } from '../license.js';
import { DOC_TYPES, signDocument } from './jws.js';
import { signLicense, validateLicenseClaims, verifyLicense } from './license.js';
import {
  flipChar,
  jwsOf,
  newKey,
  newServer,
  rejectsWith,
  sampleLicense,
  throwsWith,
  withJws,
} from './test-support/fixtures.js';

describe('license documents', () => {
  it('round trip: a license signed by a trusted vendor key verifies to the same claims', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const claims = sampleLicense(server);
    const text = await signLicense(claims, vendor.privateKey);
    const verified = await verifyLicense(text, await Keyring.from([vendor.publicKey]));
    assert.deepEqual(verified.claims, claims);
    assert.equal(verified.kid, vendor.kid);
    assert.equal(verified.jws, jwsOf(text));
  });

  it('verify with any key of the keyring, so vendor keys can rotate', async () => {
    const old = await newKey();
    const current = await newKey();
    const ring = await Keyring.from([old.publicKey, current.publicKey]);
    const claims = sampleLicense(await newServer());
    for (const k of [old, current]) {
      assert.equal((await verifyLicense(await signLicense(claims, k.privateKey), ring)).kid, k.kid);
    }
  });

  it('refuse a binding that names no hardware factor: it would fit every machine holding the server key', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const claims: LicenseClaims = { ...sampleLicense(server), binding: { serverId: server.serverId, factors: {} } };
    throwsWith(
      () => validateLicenseClaims(claims),
      'DOC_INVALID',
      /binding\.factors must name at least one hardware factor/,
    );
    await rejectsWith(signLicense(claims, vendor.privateKey), 'DOC_INVALID', /binding\.factors/);
    const unchecked = await signDocument(DOC_TYPES.license, claims, vendor.privateKey);
    await rejectsWith(
      verifyLicense(unchecked, await Keyring.from([vendor.publicKey])),
      'DOC_INVALID',
      /binding\.factors/,
    );
  });

  it('carry a human summary: id, revision, customer, binding, one line per feature', async () => {
    const vendor = await newKey();
    const server = await newServer();
    const text = await signLicense(sampleLicense(server), vendor.privateKey);
    const comments = text.split('\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(comments.slice(0, 4), [
      '# Tessera license lic_acme-0001 rev 2 for ACME Speech Ltd',
      `# bound to ${server.serverId}`,
      '# feature asr.en: 10 seats, expires never, maintenance until 2027-06-30',
      '# feature tts.en: 2 seats, expires 2026-12-31, maintenance until no limit',
    ]);
  });

  it('a tampered payload byte is DOC_BAD_SIGNATURE', async () => {
    const vendor = await newKey();
    const text = await signLicense(sampleLicense(await newServer()), vendor.privateKey);
    await rejectsWith(
      verifyLicense(withJws(text, flipChar(jwsOf(text), 1)), await Keyring.from([vendor.publicKey])),
      'DOC_BAD_SIGNATURE',
    );
  });

  it('a license from a foreign vendor key is DOC_UNKNOWN_KEY', async () => {
    const vendor = await newKey();
    const foreign = await newKey();
    const text = await signLicense(sampleLicense(await newServer()), foreign.privateKey);
    await rejectsWith(
      verifyLicense(text, await Keyring.from([vendor.publicKey])),
      'DOC_UNKNOWN_KEY',
      new RegExp(foreign.kid),
    );
  });

  it('another document kind signed by the vendor is DOC_WRONG_TYPE, not a license', async () => {
    const vendor = await newKey();
    const text = await signDocument(DOC_TYPES.sync, sampleLicense(await newServer()), vendor.privateKey);
    await rejectsWith(verifyLicense(text, await Keyring.from([vendor.publicKey])), 'DOC_WRONG_TYPE');
  });

  it('correctly signed but invalid claims are DOC_INVALID, naming the field', async () => {
    const vendor = await newKey();
    const bad = { ...sampleLicense(await newServer()), revision: 0 };
    const text = await signDocument(DOC_TYPES.license, bad, vendor.privateKey);
    await rejectsWith(
      verifyLicense(text, await Keyring.from([vendor.publicKey])),
      'DOC_INVALID',
      /revision must be an integer ≥ 1/,
    );
  });

  it('the vendor cannot sign invalid claims', async () => {
    const vendor = await newKey();
    const bad = sampleLicense(await newServer());
    bad.features[1]!.count = 0;
    await rejectsWith(signLicense(bad, vendor.privateKey), 'DOC_INVALID', /features\[1\]\.count/);
  });
});

describe('license claims', () => {
  const base = async () => sampleLicense(await newServer());
  type Mutate = (c: LicenseClaims & Record<string, unknown>) => void;
  const cases: [string, Mutate, RegExp][] = [
    [
      'licenseId is non-empty',
      (c) => {
        c.licenseId = '';
      },
      /licenseId must be 1–128 characters/,
    ],
    [
      'licenseId is at most 128 characters',
      (c) => {
        c.licenseId = 'x'.repeat(129);
      },
      /licenseId must be 1–128/,
    ],
    [
      'licenseId uses [A-Za-z0-9._:-]',
      (c) => {
        c.licenseId = 'lic 1';
      },
      /licenseId must be .*\[A-Za-z0-9\._:-\]/,
    ],
    [
      'revision is an integer',
      (c) => {
        c.revision = 1.5;
      },
      /revision must be an integer ≥ 1, got 1\.5/,
    ],
    [
      'revision is a number',
      (c) => {
        (c as Record<string, unknown>).revision = '2';
      },
      /revision must be an integer/,
    ],
    [
      'customer is non-empty',
      (c) => {
        c.customer = '  ';
      },
      /customer must not be blank/,
    ],
    [
      'binding is an object',
      (c) => {
        (c as Record<string, unknown>).binding = 'srv_x';
      },
      /binding must be a JSON object/,
    ],
    [
      "binding.serverId starts with 'srv_'",
      (c) => {
        c.binding.serverId = 'abc';
      },
      /binding\.serverId must be .*'srv_'/,
    ],
    [
      'binding.factors has only known factor names',
      (c) => {
        (c.binding.factors as Record<string, string>).gpu = 'aaaa';
      },
      /binding\.factors\.gpu is not a known factor/,
    ],
    [
      'binding.factors values are base64url',
      (c) => {
        c.binding.factors.cpu = 'a+b/';
      },
      /binding\.factors\.cpu must be a base64url hash/,
    ],
    [
      'features is non-empty',
      (c) => {
        c.features = [];
      },
      /features must be a non-empty array/,
    ],
    [
      'features are objects',
      (c) => {
        (c.features as unknown[])[0] = 'asr';
      },
      /features\[0\] must be a JSON object/,
    ],
    [
      'feature names are 1–64 of [A-Za-z0-9._-]',
      (c) => {
        c.features[0]!.name = 'asr en';
      },
      /features\[0\]\.name must be 1–64 characters of \[A-Za-z0-9\._-\]/,
    ],
    [
      'feature names are at most 64 characters',
      (c) => {
        c.features[0]!.name = 'a'.repeat(65);
      },
      /features\[0\]\.name must be 1–64/,
    ],
    [
      'feature names are unique',
      (c) => {
        c.features[1]!.name = 'asr.en';
      },
      /features\[1\]\.name "asr\.en" repeats features\[0\]\.name/,
    ],
    [
      'count is at least 1',
      (c) => {
        c.features[1]!.count = 0;
      },
      /features\[1\]\.count must be an integer from 1 to 1000000, got 0/,
    ],
    [
      'count is at most 1000000',
      (c) => {
        c.features[0]!.count = 1_000_001;
      },
      /features\[0\]\.count must be an integer from 1 to 1000000/,
    ],
    [
      'count is an integer',
      (c) => {
        c.features[0]!.count = 2.5;
      },
      /features\[0\]\.count must be an integer/,
    ],
    [
      'expires is a real date',
      (c) => {
        c.features[1]!.expires = '2026-02-30';
      },
      /features\[1\]\.expires must be null or a date YYYY-MM-DD/,
    ],
    [
      'expires is present (null for none)',
      (c) => {
        delete (c.features[0] as Partial<LicenseClaims['features'][0]>).expires;
      },
      /features\[0\]\.expires is missing/,
    ],
    [
      'maintenanceUntil is a date or null',
      (c) => {
        c.features[0]!.maintenanceUntil = '30/06/2027';
      },
      /features\[0\]\.maintenanceUntil must be null or a date/,
    ],
    [
      'issuedAt is an RFC 3339 UTC instant',
      (c) => {
        c.issuedAt = '2026-01-15 09:30';
      },
      /issuedAt must be an RFC 3339 UTC instant/,
    ],
    [
      'issuedAt is in UTC',
      (c) => {
        c.issuedAt = '2026-01-15T09:30:00+02:00';
      },
      /issuedAt must be an RFC 3339 UTC instant/,
    ],
    [
      'unknown fields are refused',
      (c) => {
        c.exp = 123;
      },
      /exp is not a known field/,
    ],
    [
      'unknown feature fields are refused',
      (c) => {
        (c.features[0] as unknown as Record<string, unknown>).seats = 3;
      },
      /features\[0\]\.seats is not a known field/,
    ],
  ];
  for (const [rule, mutate, message] of cases) {
    it(`${rule} (DOC_INVALID naming the field)`, async () => {
      const c = (await base()) as LicenseClaims & Record<string, unknown>;
      mutate(c);
      throwsWith(() => validateLicenseClaims(c), 'DOC_INVALID', message);
    });
  }

  it('the payload must be a JSON object (DOC_INVALID)', () => {
    for (const payload of [null, [], 'license', 42]) {
      throwsWith(() => validateLicenseClaims(payload), 'DOC_INVALID', /the payload must be a JSON object/);
    }
  });

  it('a license may have neither expiry nor maintenance limit', async () => {
    const c = await base();
    c.features = [{ name: 'asr', count: 1, expires: null, maintenanceUntil: null }];
    assert.deepEqual(validateLicenseClaims(c), c);
  });

  it('validation returns a fresh copy holding only the declared fields', async () => {
    const c = await base();
    const v = validateLicenseClaims(c);
    assert.notEqual(v, c);
    assert.notEqual(v.features[0], c.features[0]);
    assert.deepEqual(v, c);
  });
});
