/**
 * What a Cloud node does to its database before it serves: migrate, agree on the pool-id
 * prefix and the vendor key with the nodes before it, and make the first admin. On
 * PostgreSQL all of it happens under the bootstrap lock, so nodes that start together do it
 * once.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, TesseraError } from '@tessera/core';
import { type Dialect, migrateToLatest } from '../store/db.js';
import type { Store } from '../store/store.js';
import { AuditLog } from './audit.js';
import { AuthService } from './auth-service.js';
import { PoolIds } from './context.js';

export interface BootstrapOptions {
  dialect: Dialect;
  clock: Clock;
  /** The `kid` of this node's vendor signing key. */
  vendorKeyId: string;
  /** Where the first admin's password goes (a file, the caller's business). */
  initialPassword: {
    /** Called with it when this start makes the admin, before that commits; if it throws, no admin is made. */
    write: (password: string) => void;
    /** Called when making the admin failed: whatever `write` left must go. */
    discard: () => void;
  };
}

export interface Bootstrapped {
  poolIdPrefix: string;
  /** Migrations this start applied. */
  applied: string[];
  /** True when this start made the first admin. */
  initialPasswordWritten: boolean;
}

/**
 * @throws TesseraError CONFLICT when the database's licenses are signed with another vendor key.
 */
export async function bootstrapDatabase(store: Store, o: BootstrapOptions): Promise<Bootstrapped> {
  return store.withBootstrapLock(async (locked) => {
    const applied = await migrateToLatest(locked.db, o.dialect);
    const prefix = await locked.meta.setIfAbsent('pool.prefix', `pool_${randomBytes(6).toString('hex')}`);
    const kid = await locked.meta.setIfAbsent('vendor.kid', o.vendorKeyId);
    if (kid !== o.vendorKeyId) {
      throw new TesseraError(
        'CONFLICT',
        `this database's licenses are signed with vendor key ${kid}, and this node's key is ${o.vendorKeyId}; ` +
          "start the node with --signing-key set to the other nodes' vendor.key",
      );
    }
    const bootstrap = new AuthService({
      store: locked,
      clock: o.clock,
      audit: new AuditLog(o.clock),
      pools: new PoolIds(prefix),
    });
    let initialPasswordWritten: boolean;
    try {
      initialPasswordWritten = await bootstrap.bootstrapAdmin(locked, o.initialPassword.write);
    } catch (err) {
      o.initialPassword.discard();
      throw err;
    }
    return { poolIdPrefix: prefix, applied, initialPasswordWritten };
  });
}
