/** The Dashboard's pure modules: tree keyboard rules, dates, error sentences, pages. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as Server from '@tessera/server';
import type { AuditFilter as ApiAuditFilter } from '@tessera/service-kit';
import type { AuditFilter as UiAuditFilter } from '@tessera/web-kit/audit-filter';
import { dateState, relativeDays } from '@tessera/web-kit/format';
import { DASHBOARD_PAGES } from '../../server/src/http/admin/dashboard-static.js';
import { ACTION_LABELS, ACTIONS_BY_MODE } from '../src/actions.js';
import { describeError, sentenceFor } from '../src/errors.js';
import { APP_PATHS } from '../src/routes.js';
import {
  buildTree,
  featureNodeId,
  featureTotals,
  featureTotalText,
  keyEffect,
  licenseNodeId,
  SERVER_NODE,
  visibleNodes,
} from '../src/tree.js';
import type * as Dashboard from '../src/types.js';
import type { LicenseTree } from '../src/types.js';

// The Dashboard reads the admin API through its own types; these fail to compile when the server's drift.
// Server.LicenseView and the other views of the admin API are its routes' schemas (Static<>): what is sent.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The Dashboard reads part of an answer: every field it names is one the server sends, and the values fit. */
type Reads<A, B> = [Exclude<keyof A, keyof B>] extends [never] ? ([B] extends [A] ? true : false) : false;
type Item<T> = T extends readonly (infer E)[] ? E : never;
const typesAgree: [
  Same<Dashboard.Role, Server.Actor['role']>,
  Same<Dashboard.ServerMode, Server.LicensingMode>,
  Same<Dashboard.ServerInfo, Server.ServerInfo>,
  Same<Dashboard.SessionView, Server.SessionView>,
  Same<Dashboard.FeatureView, Server.LicenseFeatureView>,
  Same<Dashboard.LicenseView, Server.LicenseView>,
  Same<Dashboard.LicenseTree, Server.LicenseTree>,
  Same<Dashboard.LeaseView, Server.LeaseView>,
  Same<Dashboard.SeatHolderView, Server.SeatHolderView>,
  Same<Dashboard.SeatsPage, Server.SeatsPage>,
  Same<Dashboard.SeatsReleased, Server.SeatsReleased>,
  Same<Dashboard.UsageFeature, Server.UsageFeatureView>,
  Same<Dashboard.UsageView, Server.UsageView>,
  Same<Dashboard.AuditEntry, Server.AuditEntry>,
  // Both UIs filter the audit log with web-kit's copy of the APIs' filter (web-kit imports no product code).
  Same<UiAuditFilter, ApiAuditFilter>,
  Same<Dashboard.UserView, Server.UserView>,
  // Setting keys stay plain strings in the Dashboard: it shows whatever the server's catalog lists.
  Reads<Dashboard.SettingView, Server.SettingView>,
  Reads<Dashboard.SettingsUpdate, Server.SettingsUpdate>,
  Reads<Item<Dashboard.SettingsUpdate['changes']>, Server.SettingChange>,
  Reads<Dashboard.SyncApplied, Server.SyncApplied>,
  Reads<Dashboard.FlexibleStatus, Server.FlexibleStatus>,
  Reads<NonNullable<Dashboard.FlexibleStatus['lastSync']>, NonNullable<Server.FlexibleStatus['lastSync']>>,
  Reads<Dashboard.ReportMade, Server.ReportMade>,
] = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];

const feature = (name: string) => ({
  name,
  count: 5,
  inUse: 1,
  available: 4,
  expires: null,
  maintenanceUntil: null,
  expired: false,
});
const tree: LicenseTree = {
  server: { serverId: 'srv_x', hostName: 'h', poolId: 'srv_x', version: '0.1.0', clockTampered: false },
  licenses: ['a', 'b'].map((id) => ({
    licenseId: id,
    revision: 1,
    customer: 'C',
    mode: 'perpetual',
    issuedAt: '2026-01-01T00:00:00Z',
    installedAt: '2026-01-01T00:00:00Z',
    features: [feature('asr'), feature('tts')],
  })),
  uninstalled: [],
};

describe('the admin API’s types', () => {
  test('agree with the server’s views', () => {
    assert.ok(typesAgree.every(Boolean));
  });
});

describe('license tree keyboard (WAI-ARIA tree pattern)', () => {
  const root = buildTree(tree);
  const all = new Set([SERVER_NODE, licenseNodeId('a'), licenseNodeId('b')]);

  test('Down and Up walk the visible nodes; collapsed children are skipped', () => {
    const open = new Set([SERVER_NODE, licenseNodeId('a')]);
    assert.deepEqual(
      visibleNodes(root, open).map((v) => [v.node.id, v.level]),
      [
        [SERVER_NODE, 1],
        [licenseNodeId('a'), 2],
        [featureNodeId('a', 'asr'), 3],
        [featureNodeId('a', 'tts'), 3],
        [licenseNodeId('b'), 2],
      ],
    );
    assert.deepEqual(keyEffect('ArrowDown', root, open, featureNodeId('a', 'tts')), { focus: licenseNodeId('b') });
    assert.deepEqual(keyEffect('ArrowUp', root, open, licenseNodeId('b')), { focus: featureNodeId('a', 'tts') });
    assert.equal(keyEffect('ArrowDown', root, open, licenseNodeId('b')), null, 'the last node stays');
  });

  test('Right opens a closed node, then moves to its first child; on a leaf it does nothing', () => {
    const open = new Set([SERVER_NODE]);
    assert.deepEqual(keyEffect('ArrowRight', root, open, licenseNodeId('a')), { expand: [licenseNodeId('a')] });
    assert.deepEqual(keyEffect('ArrowRight', root, all, licenseNodeId('a')), { focus: featureNodeId('a', 'asr') });
    assert.equal(keyEffect('ArrowRight', root, all, featureNodeId('a', 'asr')), null);
  });

  test('Left closes an open node, else moves to the parent', () => {
    assert.deepEqual(keyEffect('ArrowLeft', root, all, licenseNodeId('a')), { collapse: licenseNodeId('a') });
    assert.deepEqual(keyEffect('ArrowLeft', root, all, featureNodeId('b', 'tts')), { focus: licenseNodeId('b') });
    assert.equal(keyEffect('ArrowLeft', root, new Set(), SERVER_NODE), null);
  });

  test('Home, End and * (open all siblings)', () => {
    assert.deepEqual(keyEffect('Home', root, all, featureNodeId('b', 'tts')), { focus: SERVER_NODE });
    assert.deepEqual(keyEffect('End', root, all, SERVER_NODE), { focus: featureNodeId('b', 'tts') });
    assert.deepEqual(keyEffect('*', root, new Set([SERVER_NODE]), licenseNodeId('a')), {
      expand: [licenseNodeId('a'), licenseNodeId('b')],
    });
  });
});

describe('seat totals in the tree', () => {
  test('the server row has one total per feature, never a sum across features', () => {
    const totals = featureTotals(tree.licenses.flatMap((l) => l.features));
    assert.deepEqual(totals, [
      { name: 'asr', count: 10, inUse: 2, available: 8, licenses: 2 },
      { name: 'tts', count: 10, inUse: 2, available: 8, licenses: 2 },
    ]);
    assert.equal(featureTotalText(totals[0]!), 'asr: 10 seats from 2 licenses, 2 in use');
    assert.equal(
      featureTotalText({ name: 'tts', count: 1, inUse: 0, available: 1, licenses: 1 }),
      'tts: 1 seat, 0 in use',
    );
  });
});

describe('dates in the tree', () => {
  const now = Date.UTC(2026, 5, 1, 15);
  test('within 30 days is soon, before today is past', () => {
    assert.equal(dateState(null, now), 'none');
    assert.equal(dateState('2026-06-01', now), 'soon');
    assert.equal(dateState('2026-07-01', now), 'soon');
    assert.equal(dateState('2026-07-02', now), 'ok');
    assert.equal(dateState('2026-05-31', now), 'past');
    assert.equal(relativeDays('2026-06-13', now), 'in 12 days');
    assert.equal(relativeDays('2026-05-29', now), '3 days ago');
  });
});

describe('errors in words', () => {
  test('the server’s refusals become sentences, followed by its message and code', () => {
    for (const code of [
      'WRONG_SERVER',
      'FINGERPRINT_MISMATCH',
      'DOC_BAD_SIGNATURE',
      'LICENSE_UNINSTALLED',
      'REVISION_NOT_NEWER',
    ]) {
      assert.notEqual(sentenceFor(code), sentenceFor('SOMETHING_ELSE'), code);
    }
    assert.match(sentenceFor('WRONG_SERVER'), /bound to another server/);
    const d = describeError('FINGERPRINT_MISMATCH', 'machine id and MAC addresses differ');
    assert.match(d.sentence, /hardware no longer matches/);
    assert.equal(d.detail, 'machine id and MAC addresses differ (FINGERPRINT_MISMATCH)');
  });
});

describe('pages and buttons', () => {
  test('the server serves index.html at every path the Dashboard routes', () => {
    assert.deepEqual([...APP_PATHS].sort(), [...DASHBOARD_PAGES].sort());
  });

  test('perpetual servers show the seed’s five buttons in order; other modes have their places', () => {
    assert.deepEqual(
      ACTIONS_BY_MODE.perpetual.groups.flat().map((id) => ACTION_LABELS[id]),
      ['Make Server ID File', 'Install License', 'Uninstall License', 'Renew License', 'Go To Website'],
    );
    assert.ok(ACTIONS_BY_MODE.flexible.syncIndicator);
    assert.ok(ACTIONS_BY_MODE.als.groups.flat().includes('importSync'));
    assert.ok(ACTIONS_BY_MODE.pls.groups.flat().includes('sendReport'));
  });
});
