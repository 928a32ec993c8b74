/**
 * The Cloud's query layer: one repository per aggregate (each in its own file beside this
 * one), all on one kysely instance, the same code for SQLite and PostgreSQL (the few
 * differences are branches on `dialect` in the repositories). This file only assembles them.
 * `Store.transaction` runs a function with a store bound to one transaction; on PostgreSQL a
 * deadlock or serialization failure re-runs it.
 */
import { sql, type Transaction } from 'kysely';
import { AccountRepo } from './accounts.js';
import { AllocationRepo } from './allocations.js';
import { AuditRepo } from './audit.js';
import { CustomerRepo } from './customers.js';
import { type CloudDb, type Dialect, isRetryableConflict } from './db.js';
import { DeploymentRepo, RevisionRepo } from './deployments.js';
import { EnrollmentRepo } from './enrollments.js';
import { EntitlementRepo } from './entitlements.js';
import { FeatureRepo } from './features.js';
import { LeaseRepo } from './leases.js';
import { MetaRepo } from './meta.js';
import { NodeRepo } from './nodes.js';
import { ReturnRepo } from './returns.js';
import type { CloudDatabase } from './schema.js';
import { ServerFlagRepo } from './server-flags.js';
import { ServerSyncRepo } from './server-sync.js';
import { ServerRepo } from './servers.js';
import { SessionRepo } from './sessions.js';
import { UsageRepo } from './usage.js';
import { TokenRepo, UserRepo } from './users.js';

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
  readonly enrollments: EnrollmentRepo;
  readonly allocations: AllocationRepo;
  readonly serverSync: ServerSyncRepo;
  readonly usage: UsageRepo;
  readonly serverFlags: ServerFlagRepo;

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
    this.enrollments = new EnrollmentRepo(db);
    this.allocations = new AllocationRepo(db);
    this.serverSync = new ServerSyncRepo(db);
    this.usage = new UsageRepo(db, dialect);
    this.serverFlags = new ServerFlagRepo(db);
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
