import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock, TesseraError, verifyPassword } from '@tessera/core';
import type { UserRecord } from '../store/rows.js';
import { DIALECTS, openTestStore, type TestStore } from '../test-support/db.js';
import type { Actor } from './actor.js';
import { AuditLog } from './audit.js';
import { type DomainContext, PoolIds } from './context.js';
import { actorOf } from './session-ports.js';
import { UserAdminService } from './user-admin-service.js';

const AT = '2026-01-01T00:00:00.000Z';

function user(username: string, role: 'vendor' | 'customer', customerId: string | null = null): UserRecord {
  return {
    id: `usr_${username}`,
    username,
    passwordHash: 'scrypt$x',
    role,
    customerId,
    mustChange: false,
    createdAt: AT,
    disabled: false,
    lastSignInAt: null,
  };
}

async function refusedWith(code: string, p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof TesseraError && err.code === code);
}

for (const dialect of DIALECTS) {
  describe(`managing users (${dialect})`, { timeout: 60_000 }, () => {
    let t: TestStore;
    let users: UserAdminService;
    const actors: Record<string, Actor> = {};
    const seed = [
      user('admin', 'vendor'),
      user('staff', 'vendor'),
      user('acme-admin', 'customer', 'cus_acme'),
      user('acme-dev', 'customer', 'cus_acme'),
      user('globex-dev', 'customer', 'cus_globex'),
    ];
    const stored = async (name: string) => (await t.store.users.byUsername(name))!;
    const audit = async (action: string) =>
      t.store.db.selectFrom('audit').selectAll().where('action', '=', action).orderBy('id').execute();
    const session = (name: string, n: number) => ({
      idHash: `h_${name}_${n}`,
      userId: `usr_${name}`,
      csrfToken: 'c',
      createdAt: 1,
      lastSeen: 1,
    });

    before(async () => {
      t = await openTestStore(dialect);
      for (const id of ['cus_acme', 'cus_globex']) await t.store.customers.insert({ id, name: id, createdAt: AT });
      for (const u of seed) {
        await t.store.users.insert(u);
        actors[u.username] = actorOf(u, 'user');
      }
      const ctx: DomainContext = {
        store: t.store,
        clock: systemClock,
        audit: new AuditLog(systemClock),
        pools: new PoolIds('p'),
      };
      users = new UserAdminService(ctx);
    });
    after(() => t?.close());

    test("a customer's user manages its own customer's users only; others are not found", async () => {
      const acme = actors['acme-admin']!;
      await refusedWith('NOT_FOUND', users.setDisabled(acme, 'globex-dev', true));
      await refusedWith('NOT_FOUND', users.resetPassword(acme, 'staff'));
      await refusedWith('NOT_FOUND', users.delete(acme, 'nobody'));
      await refusedWith('FORBIDDEN', users.setRole(acme, 'acme-dev', { role: 'vendor' }));
      assert.equal((await stored('globex-dev')).disabled, false);
      assert.equal((await stored('acme-dev')).role, 'customer');
      const refusals = (await audit('user.disable')).filter((e) => e.outcome === 'refused:NOT_FOUND');
      assert.equal(refusals.length, 1, 'the refusal is audited');
    });

    test('disabling ends the sessions and is audited with the old and new value; enabling undoes it', async () => {
      await t.store.sessions.insert(session('acme-dev', 1));
      await t.store.sessions.insert(session('acme-dev', 2));
      const view = await users.setDisabled(actors['acme-admin']!, 'acme-dev', true);
      assert.equal(view.disabled, true);
      assert.equal((await stored('acme-dev')).disabled, true);
      assert.equal(await t.store.sessions.get('h_acme-dev_1'), undefined);
      assert.equal(await t.store.sessions.get('h_acme-dev_2'), undefined);
      const [entry] = (await audit('user.disable')).filter((e) => e.outcome === 'ok');
      assert.equal(entry?.actor, 'user:acme-admin');
      assert.equal(entry?.target, 'acme-dev');
      assert.equal(entry?.customer_id, 'cus_acme');
      assert.deepEqual(JSON.parse(entry!.detail!), { old: { disabled: false }, new: { disabled: true } });
      assert.equal((await users.setDisabled(actors.admin!, 'acme-dev', false)).disabled, false);
      assert.equal((await stored('acme-dev')).disabled, false);
    });

    test('nobody acts on their own account', async () => {
      await refusedWith('OWN_ACCOUNT', users.setDisabled(actors.staff!, 'staff', true));
      await refusedWith('OWN_ACCOUNT', users.resetPassword(actors['acme-admin']!, 'acme-admin'));
      await refusedWith('OWN_ACCOUNT', users.delete(actors.admin!, 'admin'));
    });

    test('a reset password is new, shown once, must be changed, and ends the sessions', async () => {
      await t.store.sessions.insert(session('acme-dev', 3));
      const reset = await users.resetPassword(actors['acme-admin']!, 'acme-dev');
      assert.equal(reset.username, 'acme-dev');
      const after = await stored('acme-dev');
      assert.ok(await verifyPassword(reset.password, after.passwordHash));
      assert.equal(after.mustChange, true);
      assert.equal(await t.store.sessions.get('h_acme-dev_3'), undefined);
      const [entry] = await audit('user.password.reset');
      assert.ok(!entry!.detail!.includes(reset.password), 'the password is not audited');
    });

    test('a role change moves a user between vendor staff and a customer, revoking its tokens', async () => {
      await t.store.tokens.replace({
        id: 'tok_1',
        name: 't1',
        tokenHash: 'th1',
        userId: 'usr_acme-dev',
        createdAt: AT,
      });
      await refusedWith('BAD_REQUEST', users.setRole(actors.admin!, 'acme-dev', { role: 'customer' }));
      await refusedWith('NOT_FOUND', users.setRole(actors.admin!, 'acme-dev', { role: 'customer', customerId: 'x' }));
      const moved = await users.setRole(actors.admin!, 'acme-dev', { role: 'customer', customerId: 'cus_globex' });
      assert.equal(moved.customerId, 'cus_globex');
      assert.equal(await t.store.tokens.userByTokenHash('th1'), undefined);
      const promoted = await users.setRole(actors.admin!, 'acme-dev', { role: 'vendor' });
      assert.deepEqual([promoted.role, promoted.customerId], ['vendor', null]);
      const [, entry] = (await audit('user.role')).filter((e) => e.outcome === 'ok');
      assert.deepEqual(JSON.parse(entry!.detail!), {
        old: { role: 'customer', customerId: 'cus_globex' },
        new: { role: 'vendor', customerId: null },
      });
      await users.delete(actors.admin!, 'acme-dev');
    });

    test('the Cloud always keeps an enabled vendor staff user (LAST_ADMIN)', async () => {
      await users.setDisabled(actors.admin!, 'staff', true);
      // `admin` is now the only enabled vendor staff user: staff (re-enabled later) cannot act as
      // it is disabled, so a second vendor user tries.
      const other = user('other', 'vendor');
      await t.store.users.insert({ ...other, disabled: true });
      const otherActor = actorOf(other, 'user');
      await refusedWith('LAST_ADMIN', users.setDisabled(otherActor, 'admin', true));
      await refusedWith('LAST_ADMIN', users.delete(otherActor, 'admin'));
      await refusedWith('LAST_ADMIN', users.setRole(otherActor, 'admin', { role: 'customer', customerId: 'cus_acme' }));
      assert.equal((await stored('admin')).disabled, false);
      // A disabled vendor user may go: it is not the one kept.
      await users.delete(actors.admin!, 'other');
      await users.setDisabled(actors.admin!, 'staff', false);
      await users.setDisabled(actors.staff!, 'admin', true);
      assert.equal((await stored('admin')).disabled, true);
      await users.setDisabled(actors.staff!, 'admin', false);
    });

    test('deleting takes the sessions and tokens; the audit entries stay', async () => {
      await t.store.sessions.insert(session('globex-dev', 1));
      await t.store.tokens.replace({
        id: 'tok_2',
        name: 't2',
        tokenHash: 'th2',
        userId: 'usr_globex-dev',
        createdAt: AT,
      });
      await users.delete(actors.staff!, 'globex-dev');
      assert.equal(await t.store.users.byUsername('globex-dev'), undefined);
      assert.equal(await t.store.sessions.get('h_globex-dev_1'), undefined);
      const entries = (await audit('user.delete')).filter((e) => e.target === 'globex-dev');
      assert.deepEqual(JSON.parse(entries[0]!.detail!), {
        old: { role: 'customer', customerId: 'cus_globex', disabled: false },
        new: null,
      });
    });
  });
}
