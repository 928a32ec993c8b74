/**
 * The Cloud's query layer: one class per aggregate, all on one kysely instance, the same
 * code for SQLite and PostgreSQL (the few differences are branches on `dialect` here).
 * `Store.transaction` runs a function with a store bound to one transaction; on PostgreSQL a
 * deadlock or serialization failure re-runs it.
 */
import { type Expression, type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import { type CloudDb, type Dialect, dbNowMs, isRetryableConflict } from './db.js';
import { FlexibleRepo } from './flexible.js';
import type {
  AccountRecord,
  AuditRecord,
  CustomerRecord,
  DeploymentLineRecord,
  DeploymentRecord,
  EntitlementRecord,
  FeatureRecord,
  LeaseExpiry,
  LeaseRecord,
  LicenseRevisionRecord,
  NewLease,
  NodeRecord,
  ReturnRecord,
  ServerRecord,
  SessionRecord,
  UserRecord,
} from './rows.js';
import type {
  AccountTable,
  AuditTable,
  CloudDatabase,
  DeploymentTable,
  EntitlementTable,
  EntitlementType,
  LeaseTable,
  ReturnTable,
  ServerTable,
  UserTable,
} from './schema.js';

type Db = Kysely<CloudDatabase>;

/** Most times a transaction is re-run after a deadlock or serialization failure. */
const MAX_CONFLICT_RETRIES = 5;

export class Store {
  readonly meta: MetaRepo;
  readonly users: UserRepo;
  readonly tokens: TokenRepo;
  readonly sessions: SessionRepo;
  readonly features: FeatureRepo;
  readonly customers: CustomerRepo;
  readonly entitlements: EntitlementRepo;
  readonly servers: ServerRepo;
  readonly deployments: DeploymentRepo;
  readonly revisions: RevisionRepo;
  readonly returns: ReturnRepo;
  readonly accounts: AccountRepo;
  readonly leases: LeaseRepo;
  readonly nodes: NodeRepo;
  readonly audit: AuditRepo;
  readonly flexible: FlexibleRepo;

  constructor(
    readonly db: CloudDb,
    readonly dialect: Dialect,
    private readonly inTransaction = false,
  ) {
    this.meta = new MetaRepo(db);
    this.users = new UserRepo(db);
    this.tokens = new TokenRepo(db);
    this.sessions = new SessionRepo(db);
    this.features = new FeatureRepo(db);
    this.customers = new CustomerRepo(db);
    this.entitlements = new EntitlementRepo(db, dialect);
    this.servers = new ServerRepo(db);
    this.deployments = new DeploymentRepo(db);
    this.revisions = new RevisionRepo(db);
    this.returns = new ReturnRepo(db);
    this.accounts = new AccountRepo(db);
    this.leases = new LeaseRepo(db, dialect);
    this.nodes = new NodeRepo(db, dialect);
    this.audit = new AuditRepo(db);
    this.flexible = new FlexibleRepo(db, dialect);
  }

  /**
   * Runs `fn` in one transaction and commits, or rolls back if it throws. `fn` may be run
   * again after a deadlock, so it must not have effects outside the store.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db
          .transaction()
          .execute((trx: Transaction<CloudDatabase>) => fn(new Store(trx, this.dialect, true)));
      } catch (err) {
        if (attempt < MAX_CONFLICT_RETRIES && isRetryableConflict(err)) continue;
        throw err;
      }
    }
  }

  /**
   * Runs `fn` holding the Cloud's bootstrap lock: a PostgreSQL advisory lock held by one
   * connection, so nodes that start together migrate and make the first admin one at a time.
   * On SQLite (one node) it just runs `fn`.
   */
  async withBootstrapLock<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.dialect !== 'postgres') return fn(this);
    return this.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${BOOTSTRAP_LOCK_KEY})`.execute(conn);
      try {
        return await fn(new Store(conn, this.dialect));
      } finally {
        await sql`select pg_advisory_unlock(${BOOTSTRAP_LOCK_KEY})`.execute(conn);
      }
    });
  }

  /**
   * A cheap round trip, to learn whether the database can serve: it answers, and on PostgreSQL
   * it takes writes (a standby after a failover answers reads and refuses every write, so a
   * node must not take it for back). A read-only one throws as a write would (SQLSTATE 25006).
   */
  async ping(): Promise<void> {
    if (this.dialect === 'sqlite') {
      await sql`select 1`.execute(this.db);
      return;
    }
    const { rows } = await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(this.db);
    if (rows[0]?.ro === 'on') {
      throw Object.assign(new Error('the database takes no writes (transaction_read_only is on)'), {
        code: '25006',
      });
    }
  }
}

/** Arbitrary, fixed: the advisory lock number all Tessera Cloud nodes agree on. */
const BOOTSTRAP_LOCK_KEY = 7_569_860_001;

const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(s: string): T => JSON.parse(s) as T;

// ---------------------------------------------------------------- meta

export class MetaRepo {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** Sets `key` unless it is set already; returns the value now stored. */
  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.get(key)) as string;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

// ---------------------------------------------------------------- users, tokens, sessions

function toUser(r: UserTable): UserRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    customerId: r.customer_id,
    mustChange: Number(r.must_change) === 1,
    createdAt: r.created_at,
  };
}

export class UserRepo {
  constructor(private readonly db: Db) {}

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async byUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return r && toUser(r);
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  /** Users of one customer, or every user when `customerId` is undefined. */
  async list(filter: { customerId?: string | undefined; role?: UserRecord['role'] }): Promise<UserRecord[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('username');
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId);
    if (filter.role !== undefined) q = q.where('role', '=', filter.role);
    return (await q.execute()).map(toUser);
  }

  async insert(u: UserRecord): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        username: u.username,
        password_hash: u.passwordHash,
        role: u.role,
        customer_id: u.customerId,
        must_change: u.mustChange ? 1 : 0,
        created_at: u.createdAt,
      })
      .execute();
  }

  async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, must_change: mustChange ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }
}

export class TokenRepo {
  constructor(private readonly db: Db) {}

  async userByTokenHash(hash: string): Promise<{ tokenName: string; user: UserRecord } | undefined> {
    const r = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select('api_tokens.name as token_name')
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!r) return undefined;
    const { token_name, ...user } = r;
    return { tokenName: token_name, user: toUser(user) };
  }

  /** Makes or replaces the token called `name`. */
  async replace(t: { id: string; name: string; tokenHash: string; userId: string; createdAt: string }): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('name', '=', t.name).execute();
    await this.db
      .insertInto('api_tokens')
      .values({ id: t.id, name: t.name, token_hash: t.tokenHash, user_id: t.userId, created_at: t.createdAt })
      .execute();
  }
}

export class SessionRepo {
  constructor(private readonly db: Db) {}

  async insert(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        last_seen: s.lastSeen,
      })
      .execute();
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return (
      r && {
        idHash: r.id_hash,
        userId: r.user_id,
        csrfToken: r.csrf_token,
        createdAt: Number(r.created_at),
        lastSeen: Number(r.last_seen),
      }
    );
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen: at }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteOthersOf(userId: string, keepIdHash: string): Promise<number> {
    const r = await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where('id_hash', '<>', keepIdHash)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async prune(idleBefore: number, createdBefore: number): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_seen', '<', idleBefore), eb('created_at', '<', createdBefore)]))
      .execute();
  }
}

// ---------------------------------------------------------------- catalog and customers

export class FeatureRepo {
  constructor(private readonly db: Db) {}

  async list(): Promise<FeatureRecord[]> {
    const rows = await this.db.selectFrom('features').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, description: r.description, createdAt: r.created_at }));
  }

  async get(name: string): Promise<FeatureRecord | undefined> {
    const r = await this.db.selectFrom('features').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { name: r.name, description: r.description, createdAt: r.created_at };
  }

  /** Inserts the feature; false when one with that name exists. */
  async insert(f: FeatureRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('features')
      .values({ name: f.name, description: f.description, created_at: f.createdAt })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}

export class CustomerRepo {
  constructor(private readonly db: Db) {}

  async list(onlyId?: string): Promise<CustomerRecord[]> {
    let q = this.db.selectFrom('customers').selectAll().orderBy('name').orderBy('id');
    if (onlyId !== undefined) q = q.where('id', '=', onlyId);
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async get(id: string): Promise<CustomerRecord | undefined> {
    const r = await this.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  async insert(c: CustomerRecord): Promise<void> {
    await this.db.insertInto('customers').values({ id: c.id, name: c.name, created_at: c.createdAt }).execute();
  }
}

// ---------------------------------------------------------------- entitlements

function toEntitlement(r: EntitlementTable): EntitlementRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    type: r.type,
    feature: r.feature,
    count: Number(r.count),
    used: Number(r.used),
    maintenanceUntil: r.maintenance_until,
    expires: r.expires,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface EntitlementFilter {
  customerId?: string | undefined;
  type?: EntitlementType | undefined;
  feature?: string | undefined;
}

/** A customer's seats of one feature that a batch of checkouts may draw from. */
export interface SeatKey {
  customerId: string;
  feature: string;
}

export class EntitlementRepo {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async list(f: EntitlementFilter): Promise<EntitlementRecord[]> {
    let q = this.db.selectFrom('entitlements').selectAll().orderBy('customer_id').orderBy('feature').orderBy('id');
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    if (f.feature !== undefined) q = q.where('feature', '=', f.feature);
    return (await q.execute()).map(toEntitlement);
  }

  async get(id: string): Promise<EntitlementRecord | undefined> {
    const r = await this.db.selectFrom('entitlements').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toEntitlement(r);
  }

  async insert(e: EntitlementRecord): Promise<void> {
    await this.db
      .insertInto('entitlements')
      .values({
        id: e.id,
        customer_id: e.customerId,
        type: e.type,
        feature: e.feature,
        count: e.count,
        used: e.used,
        maintenance_until: e.maintenanceUntil,
        expires: e.expires,
        created_at: e.createdAt,
        updated_at: e.updatedAt,
      })
      .execute();
  }

  async update(
    id: string,
    set: {
      count?: number;
      used?: number;
      maintenanceUntil?: string | null;
      expires?: string | null;
      updatedAt: string;
    },
  ): Promise<void> {
    await this.db
      .updateTable('entitlements')
      .set({
        ...(set.count !== undefined ? { count: set.count } : {}),
        ...(set.used !== undefined ? { used: set.used } : {}),
        ...(set.maintenanceUntil !== undefined ? { maintenance_until: set.maintenanceUntil } : {}),
        ...(set.expires !== undefined ? { expires: set.expires } : {}),
        updated_at: set.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Sets the seats taken of several entitlements (absolute values computed under their row locks). */
  async setUsed(changes: Iterable<{ id: string; used: number }>): Promise<void> {
    for (const c of changes) {
      await this.db.updateTable('entitlements').set({ used: c.used }).where('id', '=', c.id).execute();
    }
  }

  /**
   * Reads and locks (PostgreSQL: `FOR NO KEY UPDATE`, in id order so two nodes never deadlock on
   * them) the entitlements of `type` matching the customer/feature keys, plus those named
   * in `ids`. Inside a transaction, no other node can change their seat counts until commit.
   * On SQLite the transaction itself is exclusive for writers.
   */
  async lockForSeats(
    type: EntitlementType,
    keys: readonly SeatKey[],
    ids: readonly string[] = [],
    lock = true,
  ): Promise<EntitlementRecord[]> {
    if (keys.length === 0 && ids.length === 0) return [];
    let q = this.db
      .selectFrom('entitlements')
      .selectAll()
      .where((eb) => {
        const any: Expression<SqlBool>[] = keys.map((k) =>
          eb.and([eb('customer_id', '=', k.customerId), eb('feature', '=', k.feature), eb('type', '=', type)]),
        );
        if (ids.length > 0) any.push(eb('id', 'in', [...ids]));
        return eb.or(any);
      })
      .orderBy('id');
    // NO KEY UPDATE: strong enough to serialize seat counts, and it does not make other
    // transactions' foreign-key checks (a lease or deployment line inserted) wait.
    if (lock && this.dialect === 'postgres') q = q.forNoKeyUpdate();
    return (await q.execute()).map(toEntitlement);
  }

  /** The same rows as {@link lockForSeats}, read without locking them (a snapshot). */
  forSeats(type: EntitlementType, keys: readonly SeatKey[]): Promise<EntitlementRecord[]> {
    return this.lockForSeats(type, keys, [], false);
  }

  /** Locks entitlements by id (see {@link lockForSeats}). */
  lockByIds(ids: readonly string[]): Promise<EntitlementRecord[]> {
    return this.lockForSeats('perpetual', [], ids);
  }
}

// ---------------------------------------------------------------- servers

function toServer(r: ServerTable): ServerRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    hostName: r.host_name,
    productVersion: r.product_version,
    publicKeyJwk: parse(r.public_key_jwk),
    factors: parse(r.factors),
    document: r.document,
    registeredAt: r.registered_at,
    updatedAt: r.updated_at,
  };
}

export class ServerRepo {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<ServerRecord | undefined> {
    const r = await this.db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toServer(r);
  }

  async list(customerId?: string): Promise<ServerRecord[]> {
    let q = this.db.selectFrom('servers').selectAll().orderBy('registered_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toServer);
  }

  /** Inserts the server; false when that server id is registered already. */
  async insert(s: ServerRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('servers')
      .values({
        id: s.id,
        customer_id: s.customerId,
        host_name: s.hostName,
        product_version: s.productVersion,
        public_key_jwk: json(s.publicKeyJwk),
        factors: json(s.factors),
        document: s.document,
        registered_at: s.registeredAt,
        updated_at: s.updatedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** A newer Server ID file of the same server (say, after a hardware change). */
  async updateDocument(
    id: string,
    s: Pick<ServerRecord, 'hostName' | 'productVersion' | 'factors' | 'document' | 'updatedAt'>,
  ): Promise<void> {
    await this.db
      .updateTable('servers')
      .set({
        host_name: s.hostName,
        product_version: s.productVersion,
        factors: json(s.factors),
        document: s.document,
        updated_at: s.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }
}

// ---------------------------------------------------------------- deployments

function toDeployment(r: DeploymentTable): DeploymentRecord {
  return {
    licenseId: r.license_id,
    customerId: r.customer_id,
    serverId: r.server_id,
    revision: Number(r.revision),
    status: r.status,
    binding: parse(r.binding),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    returnedAt: r.returned_at,
  };
}

export class DeploymentRepo {
  constructor(private readonly db: Db) {}

  async get(licenseId: string): Promise<DeploymentRecord | undefined> {
    const r = await this.db
      .selectFrom('deployments')
      .selectAll()
      .where('license_id', '=', licenseId)
      .executeTakeFirst();
    return r && toDeployment(r);
  }

  async list(f: { customerId?: string | undefined; serverId?: string | undefined }): Promise<DeploymentRecord[]> {
    let q = this.db.selectFrom('deployments').selectAll().orderBy('created_at').orderBy('license_id');
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.serverId !== undefined) q = q.where('server_id', '=', f.serverId);
    return (await q.execute()).map(toDeployment);
  }

  async insert(d: DeploymentRecord): Promise<void> {
    await this.db
      .insertInto('deployments')
      .values({
        license_id: d.licenseId,
        customer_id: d.customerId,
        server_id: d.serverId,
        revision: d.revision,
        status: d.status,
        binding: json(d.binding),
        created_at: d.createdAt,
        updated_at: d.updatedAt,
        returned_at: d.returnedAt,
      })
      .execute();
  }

  /**
   * Moves an active deployment from revision `from` to `from + 1`; false when it is no
   * longer at `from` or no longer active (another request revised or returned it first).
   */
  async advanceRevision(licenseId: string, from: number, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('deployments')
      .set({ revision: from + 1, updated_at: at })
      .where('license_id', '=', licenseId)
      .where('revision', '=', from)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Marks an active deployment returned; false when it was returned already. */
  async markReturned(licenseId: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('deployments')
      .set({ status: 'returned', returned_at: at, updated_at: at })
      .where('license_id', '=', licenseId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async lines(licenseId: string): Promise<DeploymentLineRecord[]> {
    const rows = await this.db
      .selectFrom('deployment_lines')
      .selectAll()
      .where('license_id', '=', licenseId)
      .orderBy('feature')
      .execute();
    return rows.map((r) => ({
      licenseId: r.license_id,
      feature: r.feature,
      entitlementId: r.entitlement_id,
      count: Number(r.count),
    }));
  }

  /** Active deployments drawing on an entitlement (to re-issue when its dates change). */
  async activeUsingEntitlement(entitlementId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('deployment_lines')
      .innerJoin('deployments', 'deployments.license_id', 'deployment_lines.license_id')
      .select('deployments.license_id')
      .where('deployment_lines.entitlement_id', '=', entitlementId)
      .where('deployments.status', '=', 'active')
      .orderBy('deployments.license_id')
      .execute();
    return rows.map((r) => r.license_id);
  }

  async upsertLine(l: DeploymentLineRecord): Promise<void> {
    await this.db
      .insertInto('deployment_lines')
      .values({ license_id: l.licenseId, feature: l.feature, entitlement_id: l.entitlementId, count: l.count })
      .onConflict((oc) => oc.columns(['license_id', 'feature']).doUpdateSet({ count: l.count }))
      .execute();
  }
}

export class RevisionRepo {
  constructor(private readonly db: Db) {}

  async insert(r: LicenseRevisionRecord): Promise<void> {
    await this.db
      .insertInto('license_revisions')
      .values({
        license_id: r.licenseId,
        revision: r.revision,
        claims: json(r.claims),
        file: r.file,
        issued_at: r.issuedAt,
        reason: r.reason,
      })
      .execute();
  }

  async get(licenseId: string, revision: number): Promise<LicenseRevisionRecord | undefined> {
    const r = await this.db
      .selectFrom('license_revisions')
      .selectAll()
      .where('license_id', '=', licenseId)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return (
      r && {
        licenseId: r.license_id,
        revision: Number(r.revision),
        claims: parse(r.claims),
        file: r.file,
        issuedAt: r.issued_at,
        reason: r.reason,
      }
    );
  }

  /** Every revision of a license, oldest first, without the file text. */
  async history(licenseId: string): Promise<{ revision: number; issuedAt: string; reason: string }[]> {
    const rows = await this.db
      .selectFrom('license_revisions')
      .select(['revision', 'issued_at', 'reason'])
      .where('license_id', '=', licenseId)
      .orderBy('revision')
      .execute();
    return rows.map((r) => ({ revision: Number(r.revision), issuedAt: r.issued_at, reason: r.reason }));
  }
}

// ---------------------------------------------------------------- returns

function toReturn(r: ReturnTable): ReturnRecord {
  return {
    id: r.id,
    licenseId: r.license_id,
    revision: Number(r.revision),
    serverId: r.server_id,
    customerId: r.customer_id,
    certificateHash: r.certificate_hash,
    certificate: r.certificate,
    uninstalledAt: r.uninstalled_at,
    returnedAt: r.returned_at,
    seats: parse(r.seats),
  };
}

export class ReturnRepo {
  constructor(private readonly db: Db) {}

  async insert(r: ReturnRecord): Promise<void> {
    await this.db
      .insertInto('returns')
      .values({
        id: r.id,
        license_id: r.licenseId,
        revision: r.revision,
        server_id: r.serverId,
        customer_id: r.customerId,
        certificate_hash: r.certificateHash,
        certificate: r.certificate,
        uninstalled_at: r.uninstalledAt,
        returned_at: r.returnedAt,
        seats: json(r.seats),
      })
      .execute();
  }

  async byLicense(licenseId: string): Promise<ReturnRecord | undefined> {
    const r = await this.db.selectFrom('returns').selectAll().where('license_id', '=', licenseId).executeTakeFirst();
    return r && toReturn(r);
  }

  async byCertificateHash(hash: string): Promise<ReturnRecord | undefined> {
    const r = await this.db.selectFrom('returns').selectAll().where('certificate_hash', '=', hash).executeTakeFirst();
    return r && toReturn(r);
  }

  async list(customerId?: string): Promise<ReturnRecord[]> {
    let q = this.db.selectFrom('returns').selectAll().orderBy('returned_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toReturn);
  }

  /** Returns since `sinceIso` that gave seats back to any of `entitlementIds`. */
  async countTouching(entitlementIds: readonly string[], sinceIso: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (entitlementIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('returns')
      .innerJoin('deployment_lines', 'deployment_lines.license_id', 'returns.license_id')
      .select(['deployment_lines.entitlement_id as id'])
      .where('deployment_lines.entitlement_id', 'in', [...entitlementIds])
      .where('returns.returned_at', '>=', sinceIso)
      .execute();
    for (const r of rows) out.set(r.id, (out.get(r.id) ?? 0) + 1);
    return out;
  }
}

// ---------------------------------------------------------------- subscription accounts

function toAccount(r: AccountTable): AccountRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    secretHash: r.secret_hash,
    label: r.label,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

export class AccountRepo {
  constructor(private readonly db: Db) {}

  async insert(a: AccountRecord): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({
        id: a.id,
        customer_id: a.customerId,
        secret_hash: a.secretHash,
        label: a.label,
        created_at: a.createdAt,
        disabled_at: a.disabledAt,
      })
      .execute();
  }

  async get(id: string): Promise<AccountRecord | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAccount(r);
  }

  async list(customerId?: string): Promise<AccountRecord[]> {
    let q = this.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id');
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    return (await q.execute()).map(toAccount);
  }

  async disable(id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('accounts')
      .set({ disabled_at: at })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

// ---------------------------------------------------------------- leases

function toLease(r: LeaseTable): LeaseRecord {
  return {
    id: r.id,
    customerId: r.customer_id,
    entitlementId: r.entitlement_id,
    feature: r.feature,
    count: Number(r.count),
    accountId: r.account_id,
    clientId: r.client_id,
    host: r.host,
    app: r.app,
    version: r.version,
    releaseDate: r.release_date,
    nodeId: r.node_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    endReason: r.end_reason,
  };
}

/** A lease that ended by this statement: what it held, to give back. */
export interface EndedLease {
  id: string;
  entitlementId: string;
  count: number;
}

/**
 * Subscription leases. Times are the database's: `expires_at` is set to its now plus the
 * lease time, and expiry compares with its now, so nodes with different clocks agree.
 */
export class LeaseRepo {
  private readonly now: ReturnType<typeof dbNowMs>;

  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {
    this.now = dbNowMs(dialect);
  }

  /** Inserts leases expiring `ttlMs` after the database's now; returns their expiry. */
  async insertMany(leases: readonly NewLease[], ttlMs: number): Promise<LeaseExpiry[]> {
    if (leases.length === 0) return [];
    if (this.dialect === 'postgres') {
      // One array per column instead of one parameter per value: a batch of hundreds of
      // leases is parsed and planned in half the time.
      const col = <K extends keyof NewLease>(k: K) => leases.map((l) => l[k]);
      const { rows } = await sql<{ id: string; expires_at: number; db_now: number }>`
        insert into leases (id, customer_id, entitlement_id, feature, count, account_id, client_id,
                            host, app, version, release_date, node_id, created_at, expires_at)
        select u.*, ${this.now} + ${ttlMs} from unnest(
          ${col('id')}::text[], ${col('customerId')}::text[], ${col('entitlementId')}::text[],
          ${col('feature')}::text[], ${col('count')}::integer[], ${col('accountId')}::text[],
          ${col('clientId')}::text[], ${col('host')}::text[], ${col('app')}::text[], ${col('version')}::text[],
          ${col('releaseDate')}::text[], ${col('nodeId')}::text[], ${col('createdAt')}::bigint[]
        ) as u
        returning id, expires_at, ${this.now} as db_now`.execute(this.db);
      return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
    }
    const rows = await this.db
      .insertInto('leases')
      .values(
        leases.map((l) => ({
          id: l.id,
          customer_id: l.customerId,
          entitlement_id: l.entitlementId,
          feature: l.feature,
          count: l.count,
          account_id: l.accountId,
          client_id: l.clientId,
          host: l.host,
          app: l.app,
          version: l.version,
          release_date: l.releaseDate,
          node_id: l.nodeId,
          created_at: l.createdAt,
          expires_at: sql<number>`${this.now} + ${ttlMs}`,
          ended_at: null,
          end_reason: null,
        })),
      )
      .returning(['id', 'expires_at'])
      .returning(this.now.as('db_now'))
      .execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
  }

  /** Ends live leases (by id, of one customer) for `reason`; returns what they held. */
  async end(customerId: string | undefined, ids: readonly string[], reason: string): Promise<EndedLease[]> {
    if (ids.length === 0) return [];
    let q = this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: reason })
      .where('id', 'in', [...ids])
      .where('ended_at', 'is', null);
    if (customerId !== undefined) q = q.where('customer_id', '=', customerId);
    const rows = await q.returning(['id', 'entitlement_id', 'count']).execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /**
   * Extends live, unexpired leases of one customer by `ttlMs` from the database's now: one
   * statement for a whole batch of heartbeats. Ids not returned are gone (see {@link statusOf}).
   */
  async extend(customerId: string, ids: readonly string[], ttlMs: number): Promise<LeaseExpiry[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ expires_at: sql<number>`${this.now} + ${ttlMs}` })
      .where('customer_id', '=', customerId)
      .where('id', 'in', [...ids])
      .where('ended_at', 'is', null)
      .where('expires_at', '>', this.now)
      .returning(['id', 'expires_at'])
      .returning(this.now.as('db_now'))
      .execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), dbNow: Number(r.db_now) }));
  }

  /** Why leases are not live: ended (with the reason), expired but not yet swept, or unknown. */
  async statusOf(customerId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('leases')
      .select(['id', 'end_reason', 'ended_at'])
      .select(sql<number>`case when expires_at <= ${this.now} then 1 else 0 end`.as('lapsed'))
      .where('customer_id', '=', customerId)
      .where('id', 'in', [...ids])
      .execute();
    for (const r of rows) {
      out.set(r.id, r.ended_at !== null ? (r.end_reason ?? 'RELEASED') : Number(r.lapsed) === 1 ? 'EXPIRED' : 'LIVE');
    }
    return out;
  }

  /** Entitlements that have live leases past their expiry, by the database's clock. */
  async entitlementsWithLapsed(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('leases')
      .select('entitlement_id')
      .distinct()
      .where('ended_at', 'is', null)
      .where('expires_at', '<=', this.now)
      .limit(limit)
      .execute();
    return rows.map((r) => r.entitlement_id);
  }

  /** Ends the lapsed leases of these entitlements (their rows locked by the caller). */
  async endLapsed(entitlementIds: readonly string[]): Promise<EndedLease[]> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: 'EXPIRED' })
      .where('entitlement_id', 'in', [...entitlementIds])
      .where('ended_at', 'is', null)
      .where('expires_at', '<=', this.now)
      .returning(['id', 'entitlement_id', 'count'])
      .execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /** Entitlements past their last day (`expires < today`) that still have live leases. */
  async entitlementsPastTerm(today: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('leases')
      .innerJoin('entitlements', 'entitlements.id', 'leases.entitlement_id')
      .select('leases.entitlement_id')
      .distinct()
      .where('leases.ended_at', 'is', null)
      .where('entitlements.expires', 'is not', null)
      .where('entitlements.expires', '<', today)
      .limit(limit)
      .execute();
    return rows.map((r) => r.entitlement_id);
  }

  /** Ends every live lease of these entitlements (their rows locked by the caller) for `reason`. */
  async endAllOf(entitlementIds: readonly string[], reason: string): Promise<EndedLease[]> {
    if (entitlementIds.length === 0) return [];
    const rows = await this.db
      .updateTable('leases')
      .set({ ended_at: this.now, end_reason: reason })
      .where('entitlement_id', 'in', [...entitlementIds])
      .where('ended_at', 'is', null)
      .returning(['id', 'entitlement_id', 'count'])
      .execute();
    return rows.map((r) => ({ id: r.id, entitlementId: r.entitlement_id, count: Number(r.count) }));
  }

  /** Live leases of an entitlement, oldest first (revocation takes the newest). */
  async liveOfEntitlement(entitlementId: string): Promise<LeaseRecord[]> {
    const rows = await this.db
      .selectFrom('leases')
      .selectAll()
      .where('entitlement_id', '=', entitlementId)
      .where('ended_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toLease);
  }

  /** Live leases of a customer (for the portal: who holds what). */
  async liveOfCustomer(customerId: string, limit = 1000): Promise<LeaseRecord[]> {
    const rows = await this.db
      .selectFrom('leases')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', this.now)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toLease);
  }

  async get(id: string): Promise<LeaseRecord | undefined> {
    const r = await this.db.selectFrom('leases').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toLease(r);
  }

  /** Sum of seats held by live leases, per entitlement (a consistency check for tests and metrics). */
  async seatsHeldByEntitlement(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('leases')
      .select(['entitlement_id'])
      .select((eb) => eb.fn.sum<number>('count').as('seats'))
      .where('ended_at', 'is', null)
      .groupBy('entitlement_id')
      .execute();
    return new Map(rows.map((r) => [r.entitlement_id, Number(r.seats)]));
  }

  /** Deletes leases that ended more than `keepMs` ago. */
  async pruneEnded(keepMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('leases')
      .where('ended_at', 'is not', null)
      .where('ended_at', '<', sql<number>`${this.now} - ${keepMs}`)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

// ---------------------------------------------------------------- nodes and audit

export class NodeRepo {
  private readonly now: ReturnType<typeof dbNowMs>;

  constructor(
    private readonly db: Db,
    dialect: Dialect,
  ) {
    this.now = dbNowMs(dialect);
  }

  async upsert(n: Omit<NodeRecord, 'seenAt'>): Promise<void> {
    await this.db
      .insertInto('nodes')
      .values({ id: n.id, url: n.url, version: n.version, started_at: n.startedAt, seen_at: this.now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ url: n.url, version: n.version, started_at: n.startedAt, seen_at: this.now }),
      )
      .execute();
  }

  async touch(id: string): Promise<void> {
    await this.db.updateTable('nodes').set({ seen_at: this.now }).where('id', '=', id).execute();
  }

  /** Nodes seen within `withinMs` by the database's clock, oldest start first. */
  async live(withinMs: number): Promise<NodeRecord[]> {
    const rows = await this.db
      .selectFrom('nodes')
      .selectAll()
      .where('seen_at', '>=', sql<number>`${this.now} - ${withinMs}`)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      version: r.version,
      startedAt: r.started_at,
      seenAt: Number(r.seen_at),
    }));
  }
}

function toAudit(r: AuditTable): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    customerId: r.customer_id,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail === null ? null : parse(r.detail),
  };
}

export class AuditRepo {
  constructor(private readonly db: Db) {}

  async append(a: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit')
      .values({
        id: a.id,
        at: a.at,
        actor: a.actor,
        customer_id: a.customerId,
        action: a.action,
        target: a.target,
        outcome: a.outcome,
        detail: a.detail === undefined || a.detail === null ? null : json(a.detail),
      })
      .execute();
  }

  /** Newest first, before `beforeId` (ids sort by time), of one customer or all. */
  async page(f: {
    customerId?: string | undefined;
    beforeId?: string | undefined;
    limit: number;
  }): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
    return (await q.execute()).map(toAudit);
  }
}
