import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TesseraError } from '@tessera/core';
import { explainUntrustedSync } from './untrusted-key.js';

const keys = { shipped: ['shippedKid1', 'shippedKid2'], files: [] };
const unknownKey = () =>
  new TesseraError(
    'DOC_UNKNOWN_KEY',
    'the document is signed by key strangerKid, which is not among the 2 trusted key(s)',
    {
      details: { kid: 'strangerKid', trusted: ['shippedKid1', 'shippedKid2'] },
    },
  );

describe('a Sync signed by a key the server does not trust, in words', () => {
  test('an online Sync names the key, the Cloud it came from and every key the server trusts, with where it came from', () => {
    const e = explainUntrustedSync(unknownKey(), keys, { source: 'online', cloudUrls: ['https://lic1.example:7600'] });
    assert.ok(e instanceof TesseraError);
    assert.equal(e.code, 'DOC_UNKNOWN_KEY', 'the code stays: clients and scripts key on it');
    assert.equal(
      e.message,
      'this Sync is signed by vendor key strangerKid (its thumbprint), which this server does not trust; nothing was changed. ' +
        'The Sync came from the Cloud at https://lic1.example:7600. The server trusts 2 keys shipped with Tessera ' +
        '(shippedKid1, shippedKid2) and no key given with --vendor-key. It learns no key from the Cloud: the key the ' +
        "Cloud it enrolled with signs Syncs with must be one of these. If the Cloud is your vendor's, ask the vendor " +
        'for its public key file and start the server with --vendor-key FILE; otherwise check the Cloud nodes (--cloud, cloud_nodes).',
    );
    assert.deepEqual(e.details?.trusted, { shipped: ['shippedKid1', 'shippedKid2'], vendorKeyFiles: [] });
  });

  test('other errors pass through unchanged', () => {
    const bad = new TesseraError('DOC_BAD_SIGNATURE');
    assert.equal(explainUntrustedSync(bad, keys, { source: 'file', cloudUrls: [] }), bad);
    const plain = new Error('boom');
    assert.equal(explainUntrustedSync(plain, keys, { source: 'file', cloudUrls: [] }), plain);
  });
});
