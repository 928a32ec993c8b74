import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TesseraError } from '../errors.js';
import type { LicenseBinding } from '../license.js';
import type { FactorHashes } from './factors.js';
import { assertFingerprint, FACTOR_LABELS, FINGERPRINT_RULE, matchFingerprint } from './match.js';

const SERVER = 'srv_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
// Hashes stand in as short strings: the rule only compares them.
const FULL: Required<FactorHashes> = {
  machineId: 'm1',
  macs: 'n1',
  cpu: 'c1',
  productUuid: 'p1',
  rootFsId: 'r1',
  hostname: 'h1',
};
const binding = (factors: FactorHashes = FULL): LicenseBinding => ({ serverId: SERVER, factors });
const now = (factors: FactorHashes, serverId = SERVER) => ({ serverId, factors });

describe('fingerprint match rule', () => {
  it('the rule is the MAC anchor, machine id fallback, and 60% of the other factors', () => {
    assert.deepEqual(FINGERPRINT_RULE, { anchor: 'macs', anchorFallback: 'machineId', otherFactorsMinRatio: 0.6 });
    assert.equal(FACTOR_LABELS.productUuid, 'DMI product uuid');
  });

  it('all factors the same: matches', () => {
    const m = matchFingerprint(binding(), now(FULL));
    assert.deepEqual(m, {
      ok: true,
      serverKeyMatches: true,
      anchor: 'macs',
      changed: [],
      ratio: 1,
      message: 'the hardware fingerprint matches this machine',
    });
  });

  it('MAC addresses changed: fails however many others match, naming the MACs', () => {
    const m = matchFingerprint(binding(), now({ ...FULL, macs: 'n2' }));
    assert.equal(m.ok, false);
    assert.deepEqual(m.changed, ['macs']);
    assert.equal(m.ratio, 1);
    assert.equal(m.message, 'bound to another machine: MAC addresses changed (1 of 6 factors)');
  });

  it('MAC addresses absent now, where the license has them: fails (the anchor must be there)', () => {
    const { macs: _, ...noMacs } = FULL;
    const m = matchFingerprint(binding(), now(noMacs));
    assert.equal(m.ok, false);
    assert.deepEqual(m.changed, ['macs']);
    assert.match(m.message, /MAC addresses missing/);
  });

  it('no MACs at issue time: the machine id is the anchor, and must match', () => {
    const { macs: _, ...noMacs } = FULL;
    const same = matchFingerprint(binding(noMacs), now(noMacs));
    assert.equal(same.ok, true);
    assert.equal(same.anchor, 'machineId');
    assert.equal(same.ratio, 1, 'the ratio is over the 4 others, without the anchor');

    const moved = matchFingerprint(binding(noMacs), now({ ...noMacs, machineId: 'm2' }));
    assert.equal(moved.ok, false);
    assert.deepEqual(moved.changed, ['machineId']);
    assert.match(moved.message, /^bound to another machine: machine id changed/);

    // MACs appearing later (a NIC added) do not matter: the license had none.
    assert.equal(matchFingerprint(binding(noMacs), now({ ...noMacs, macs: 'n9' })).ok, true);
  });

  it('2 of the 5 other factors changed: still matches at exactly 60%', () => {
    const m = matchFingerprint(binding(), now({ ...FULL, cpu: 'c2', hostname: 'h2' }));
    assert.equal(m.ok, true);
    assert.equal(m.ratio, 0.6);
    assert.deepEqual(m.changed, ['cpu', 'hostname']);
    assert.match(m.message, /matches this machine \(CPU, hostname changed, 2 of 6 factors, within tolerance\)/);
  });

  it('3 of the 5 other factors changed: fails, naming them', () => {
    const m = matchFingerprint(binding(), now({ ...FULL, cpu: 'c2', rootFsId: 'r2', hostname: 'h2' }));
    assert.equal(m.ok, false);
    assert.equal(m.ratio, 0.4);
    assert.deepEqual(m.changed, ['cpu', 'rootFsId', 'hostname']);
    assert.equal(
      m.message,
      'bound to another machine: CPU, root filesystem id, hostname changed (3 of 6 factors; 40% of the other factors match, 60% needed)',
    );
  });

  it('a factor absent now neither matches nor mismatches', () => {
    // 3 others unreadable now; of the 2 left, 1 changed: 50% < 60%.
    const m = matchFingerprint(binding(), now({ macs: 'n1', machineId: 'm1', hostname: 'h2' }));
    assert.equal(m.ratio, 0.5);
    assert.equal(m.ok, false);
    assert.deepEqual(m.changed, ['hostname'], 'absent factors are not listed as changed');
    // All others unreadable now: nothing comparable is left, so that part passes.
    const bare = matchFingerprint(binding(), now({ macs: 'n1' }));
    assert.equal(bare.ok, true);
    assert.equal(bare.ratio, null);
  });

  it('a factor absent at issue time is not compared, even if present now', () => {
    const m = matchFingerprint(binding({ macs: 'n1', cpu: 'c1' }), now({ ...FULL, hostname: 'h9' }));
    assert.equal(m.ok, true);
    assert.equal(m.ratio, 1);
    assert.deepEqual(m.changed, []);
  });

  it('a binding with no anchor factor at all is judged by the other factors', () => {
    const m = matchFingerprint(binding({ cpu: 'c1', hostname: 'h1' }), now({ cpu: 'c1', hostname: 'h2' }));
    assert.equal(m.anchor, null);
    assert.equal(m.ratio, 0.5);
    assert.equal(m.ok, false);
  });

  it('a license for another server id fails as bound to another server, comparing no factors', () => {
    const m = matchFingerprint(binding(), now(FULL, 'srv_bbbb'));
    assert.equal(m.ok, false);
    assert.equal(m.serverKeyMatches, false);
    assert.deepEqual(m.changed, []);
    assert.match(m.message, /^bound to another server: the license is for srv_a+, this is srv_bbbb$/);
  });
});

describe('assertFingerprint', () => {
  it('returns the match when it fits', () => {
    assert.equal(assertFingerprint(binding(), now(FULL)).ok, true);
  });

  it('throws WRONG_SERVER for another server id', () => {
    assert.throws(
      () => assertFingerprint(binding(), now(FULL, 'srv_other')),
      (e: unknown) => e instanceof TesseraError && e.code === 'WRONG_SERVER' && /another server/.test(e.message),
    );
  });

  it('throws FINGERPRINT_MISMATCH naming the changed factors in the message and details', () => {
    assert.throws(
      () => assertFingerprint(binding(), now({ ...FULL, macs: 'n2', hostname: 'h2' })),
      (e: unknown) => {
        assert.ok(e instanceof TesseraError);
        assert.equal(e.code, 'FINGERPRINT_MISMATCH');
        assert.equal(e.message, 'bound to another machine: MAC addresses, hostname changed (2 of 6 factors)');
        assert.deepEqual(e.details, { changed: ['macs', 'hostname'] });
        return true;
      },
    );
  });
});
