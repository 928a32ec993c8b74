/** The portal's pure modules: routes, errors in words, deployment choices, pools, scope; and its API types. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  AccountView,
  AllocationView,
  CustomerView,
  DeploymentLineView,
  DeploymentView,
  DeploymentWithFile,
  EnrollmentView,
  EntitlementChangeResult,
  EntitlementView,
  FeatureView,
  FlexibleServerView,
  NewAccountView,
  NewUserView,
  ResetPasswordView,
  ReturnView,
  ServerView,
  SessionView,
  SubscriptionUsage,
  UsagePoint,
  UsageView,
  UserView,
} from '@tessera/cloud';
import { PORTAL_PAGES } from '@tessera/cloud';
import type { AuditEntryView } from '@tessera/cloud/client';
import { MAX_DOCUMENT_BYTES as CORE_DOCUMENT_LIMIT } from '@tessera/core';
import { MAX_DOCUMENT_BYTES } from '@tessera/web-kit/documents';
import { dateState } from '@tessera/web-kit/format';
import { bestFirst, featureChoices, linesText } from '../src/deploy.js';
import { describeError, sentenceFor } from '../src/errors.js';
import { poolTotals, shortId } from '../src/format.js';
import { APP_PATTERNS, matchPath, navFor, pathOf } from '../src/routes.js';
import { scopeOf } from '../src/scope.js';
import type * as Portal from '../src/types.js';
import { bucketFor, bucketsOf, featureUsage, seatHours, serverTotals } from '../src/usage.js';

// The portal reads the API through its own types (docs/architecture.md); these fail to compile when the Cloud's drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesAgree: [
  Same<Portal.CustomerView, CustomerView>,
  Same<Portal.UserView, UserView>,
  Same<Portal.EntitlementView, EntitlementView>,
  Same<Portal.ServerView, ServerView>,
  Same<Portal.DeploymentView, DeploymentView>,
  Same<Portal.ReturnView, ReturnView>,
  Same<Portal.AccountView, AccountView>,
  Same<Portal.NewAccountView, NewAccountView>,
  Same<Portal.EntitlementChangeResult, EntitlementChangeResult>,
  Same<Portal.SubscriptionUsage, SubscriptionUsage>,
  Same<Portal.EnrollmentView, EnrollmentView>,
  Same<Portal.AllocationView, AllocationView>,
  Same<Portal.UsageView, UsageView>,
  Same<Portal.FlexibleServerView, FlexibleServerView>,
  Same<Portal.FeatureView, FeatureView>,
  Same<Portal.NewUserView, NewUserView>,
  Same<Portal.ResetPasswordView, ResetPasswordView>,
  Same<Portal.DeploymentLineView, DeploymentLineView>,
  Same<Portal.DeploymentWithFile, DeploymentWithFile>,
  Same<Portal.UsagePoint, UsagePoint>,
  Same<Portal.AuditEntry, AuditEntryView>,
  Same<Portal.SessionView, SessionView>,
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
];

const ent = (o: Partial<EntitlementView> & { id: string; feature: string }): EntitlementView => ({
  customerId: 'cus_1',
  type: 'perpetual',
  count: 10,
  used: 0,
  available: 10,
  maintenanceUntil: null,
  expires: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...o,
});

describe('portal model', () => {
  test('the API types agree with the Cloud’s views', () => {
    assert.ok(typesAgree.every(Boolean));
  });

  test('the Cloud serves index.html at exactly the paths the router shows', () => {
    assert.deepEqual([...APP_PATTERNS].sort(), [...PORTAL_PAGES].sort());
  });

  test('paths match pages, with the id of a page about one thing', () => {
    assert.equal(matchPath('/')?.page.id, 'overview');
    assert.equal(matchPath('/deployments')?.page.id, 'deployments');
    assert.equal(matchPath('/deployments/')?.page.id, 'deployments');
    assert.deepEqual(
      [matchPath('/deployments/lic_1')?.page.id, matchPath('/deployments/lic_1')?.id],
      ['deployment', 'lic_1'],
    );
    assert.equal(matchPath('/customers/cus%201')?.id, 'cus 1');
    assert.equal(matchPath('/deployments/lic_1/file'), undefined);
    assert.equal(matchPath('/nowhere'), undefined);
    assert.equal(pathOf('deployment', 'lic 1'), '/deployments/lic%201');
  });

  test("a customer's navigation offers no vendor page", () => {
    const titles = (role: 'vendor' | 'customer') => navFor(role).flatMap((g) => g.pages.map((p) => p.id));
    assert.ok(titles('vendor').includes('customers'));
    assert.ok(titles('vendor').includes('catalog'));
    assert.deepEqual(
      titles('customer').filter((id) => id === 'customers' || id === 'catalog'),
      [],
    );
  });

  test("vendor staff choose the customer in the address; a customer's user is always its own", () => {
    assert.equal(scopeOf('vendor', null, new URLSearchParams('customer=cus_2')), 'cus_2');
    assert.equal(scopeOf('vendor', null, new URLSearchParams('')), null);
    assert.equal(scopeOf('customer', 'cus_1', new URLSearchParams('customer=cus_2')), 'cus_1');
  });

  test('errors read as a sentence for the reason, then the server’s message with code and reason', () => {
    assert.match(sentenceFor('CONFLICT', 'ALREADY_RETURNED'), /returned already/);
    assert.match(sentenceFor('CONFLICT'), /conflicts/);
    assert.match(sentenceFor('SOMETHING_NEW'), /refused/);
    assert.deepEqual(describeError('CONFLICT', 'only 3 are free', 'OVER_ALLOCATION'), {
      sentence: 'There are not that many free seats in the entitlement.',
      detail: 'only 3 are free (CONFLICT OVER_ALLOCATION)',
    });
    assert.equal(describeError('NETWORK', '').detail, 'NETWORK');
  });

  test('a deployment form offers live perpetual seats per feature, best entitlement first', () => {
    const list = [
      ent({ id: 'ent_a', feature: 'asr', maintenanceUntil: '2027-01-01', available: 4 }),
      ent({ id: 'ent_b', feature: 'asr', maintenanceUntil: '2028-01-01', available: 2 }),
      ent({ id: 'ent_c', feature: 'tts', expires: '2020-01-01' }),
      ent({ id: 'ent_d', feature: 'tts', type: 'subscription' }),
    ];
    const choices = featureChoices(list, '2026-06-01');
    assert.deepEqual(
      choices.map((c) => [c.feature, c.entitlements.map((e) => e.id), c.free, c.maxOneDraw]),
      [['asr', ['ent_b', 'ent_a'], 6, 4]],
      'expired and subscription entitlements are not offered',
    );
    const bound = featureChoices(list, '2026-06-01', [
      { feature: 'asr', count: 1, entitlementId: 'ent_a', maintenanceUntil: null, expires: null },
    ]);
    assert.deepEqual(
      bound[0]?.entitlements.map((e) => e.id),
      ['ent_a'],
      'a feature in the license keeps its entitlement',
    );
    assert.equal(bound[0]?.boundTo, 'ent_a');
    assert.ok(
      bestFirst(ent({ id: 'x', feature: 'f' }), ent({ id: 'y', feature: 'f', maintenanceUntil: '2030-01-01' })) < 0,
    );
    assert.equal(
      linesText([
        { feature: 'asr', count: 4 },
        { feature: 'tts', count: 2 },
      ]),
      'asr × 4, tts × 2',
    );
  });

  test('pools sum a feature’s entitlements; expired seats are not available', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    assert.deepEqual(
      poolTotals(
        [
          ent({ id: '1', feature: 'tts', count: 4, used: 1, available: 3 }),
          ent({ id: '2', feature: 'asr', count: 10, used: 4, available: 6 }),
          ent({ id: '3', feature: 'asr', count: 5, used: 0, available: 5, expires: '2026-05-31' }),
        ],
        now,
      ),
      [
        { feature: 'asr', count: 15, used: 4, available: 6 },
        { feature: 'tts', count: 4, used: 1, available: 3 },
      ],
    );
    assert.equal(dateState('2026-06-20', now), 'soon');
    assert.equal(dateState('2026-05-31', now), 'past');
    assert.equal(shortId('srv_abcdefghijklmnopqrstuvwxyz'), 'srv_abcdefghij…');
  });

  test("usage: every bucket of the range, servers' peaks added per bucket, totals that agree with the bars", () => {
    const now = Date.parse('2026-03-10T14:20:00Z');
    assert.deepEqual(bucketsOf('2026-03-10T11:00:00Z', 'hour', now), [
      '2026-03-10T11:00:00Z',
      '2026-03-10T12:00:00Z',
      '2026-03-10T13:00:00Z',
      '2026-03-10T14:00:00Z',
    ]);
    assert.deepEqual(bucketsOf('2026-03-08T14:00:00Z', 'day', now), ['2026-03-08', '2026-03-09', '2026-03-10']);
    assert.deepEqual([bucketFor(7), bucketFor(30)], ['hour', 'day']);
    const p = (t: string, peakSeats: number, seatSeconds: number, checkouts = 0, denials = 0) => ({
      t,
      peakSeats,
      seatSeconds,
      checkouts,
      denials,
    });
    const view: Portal.UsageView = {
      customerId: 'cus_1',
      serverId: null,
      bucket: 'hour',
      from: '2026-03-10T11:00:00Z',
      series: [
        { serverId: 'srv_a', feature: 'tts', points: [p('2026-03-10T12:00:00Z', 1, 1800)] },
        {
          serverId: 'srv_a',
          feature: 'asr',
          points: [p('2026-03-10T12:00:00Z', 2, 5400, 4), p('2026-03-10T13:00:00Z', 3, 7200, 2, 1)],
        },
        { serverId: 'srv_b', feature: 'asr', points: [p('2026-03-10T12:00:00Z', 2, 3600, 1)] },
      ],
      totals: [],
    };
    const [asr, tts] = featureUsage(view, now);
    assert.equal(asr?.feature, 'asr');
    assert.deepEqual(
      asr?.points.map((x) => [x.t.slice(11, 13), x.peakSeats]),
      [
        ['11', 0],
        ['12', 4],
        ['13', 3],
        ['14', 0],
      ],
    );
    assert.deepEqual(
      [asr?.peakSeats, asr?.seatSeconds, asr?.checkouts, asr?.denials, asr?.servers],
      [4, 16200, 7, 1, ['srv_a', 'srv_b']],
    );
    assert.equal(seatHours(asr?.seatSeconds ?? 0), 4.5);
    assert.deepEqual([tts?.peakSeats, tts?.points.length], [1, 4]);
    assert.deepEqual(
      serverTotals(view).map((r) => [r.serverId, r.feature, r.peakSeats, r.seatSeconds]),
      [
        ['srv_a', 'tts', 1, 1800],
        ['srv_a', 'asr', 3, 12600],
        ['srv_b', 'asr', 2, 3600],
      ],
    );
  });
});

test("the UIs refuse a picked file over the servers' one document limit, and no lower", () => {
  assert.equal(MAX_DOCUMENT_BYTES, CORE_DOCUMENT_LIMIT);
});
