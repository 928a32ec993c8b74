/**
 * Versioned migrations of the Cloud's schema, written once with kysely's schema builder for
 * both dialects. Where the dialects differ, a migration branches on `dialect`. They run at
 * start (kysely's Migrator records them in `kysely_migration`); on PostgreSQL under an
 * advisory lock, so nodes starting together migrate once.
 *
 * Never edit a migration that has shipped: add the next one.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was, not as it is typed now
type AnyDb = Kysely<any>;

function domain(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await createAccountTables(db);
      await createLicenseTables(db, dialect);
    },
  };
}

/** The first half of the `domain` migration: settings, users, the catalog, customers, entitlements. */
async function createAccountTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('must_change', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint('users_role', sql`role in ('vendor', 'customer')`)
    .addCheckConstraint(
      'users_customer_scope',
      sql`(role = 'vendor' and customer_id is null) or (role = 'customer' and customer_id is not null)`,
    )
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('features')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('entitlements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull().references('features.name'))
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('maintenance_until', 'text')
    .addColumn('expires', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('entitlements_type', sql`type in ('perpetual', 'flexible', 'subscription')`)
    // The last word on over-allocation: whatever the code above it does, the database
    // refuses a row with more seats taken than the entitlement holds.
    .addCheckConstraint('entitlements_seats', sql`count >= 1 and used >= 0 and used <= count`)
    .execute();
  await db.schema
    .createIndex('entitlements_by_customer')
    .on('entitlements')
    .columns(['customer_id', 'type', 'feature'])
    .execute();
}

/** The second half of the `domain` migration: servers, deployments, revisions, returns, audit. */
async function createLicenseTables(db: AnyDb, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('host_name', 'text', (c) => c.notNull())
    .addColumn('product_version', 'text', (c) => c.notNull())
    .addColumn('public_key_jwk', 'text', (c) => c.notNull())
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('servers_by_customer').on('servers').column('customer_id').execute();

  await db.schema
    .createTable('deployments')
    .addColumn('license_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('server_id', 'text', (c) => c.notNull().references('servers.id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('returned_at', 'text')
    .addCheckConstraint('deployments_status', sql`status in ('active', 'returned')`)
    .execute();
  await db.schema.createIndex('deployments_by_customer').on('deployments').column('customer_id').execute();

  await db.schema
    .createTable('deployment_lines')
    .addColumn('license_id', 'text', (c) => c.notNull().references('deployments.license_id'))
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('entitlement_id', 'text', (c) => c.notNull().references('entitlements.id'))
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_lines_pk', ['license_id', 'feature'])
    .addCheckConstraint('deployment_lines_count', sql`count >= 1`)
    .execute();
  await db.schema
    .createIndex('deployment_lines_by_entitlement')
    .on('deployment_lines')
    .column('entitlement_id')
    .execute();

  await db.schema
    .createTable('license_revisions')
    .addColumn('license_id', 'text', (c) => c.notNull().references('deployments.license_id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('license_revisions_pk', ['license_id', 'revision'])
    .execute();

  await db.schema
    .createTable('returns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('license_id', 'text', (c) => c.notNull().unique().references('deployments.license_id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('certificate_hash', 'text', (c) => c.notNull().unique())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('uninstalled_at', 'text', (c) => c.notNull())
    .addColumn('returned_at', 'text', (c) => c.notNull())
    .addColumn('seats', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_by_customer').on('audit').columns(['customer_id', 'id']).execute();

  if (dialect === 'postgres') {
    // Entitlement rows are updated at every seat change; room on the page lets PostgreSQL
    // update them in place (HOT) instead of growing the table and its indexes.
    await sql`alter table entitlements set (fillfactor = 70)`.execute(db);
  }
}

function licensingNodes(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema.createIndex('accounts_by_customer').on('accounts').column('customer_id').execute();

      await db.schema
        .createTable('leases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('entitlement_id', 'text', (c) => c.notNull().references('entitlements.id'))
        .addColumn('feature', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('host', 'text')
        .addColumn('app', 'text')
        .addColumn('version', 'text')
        .addColumn('release_date', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('end_reason', 'text')
        .execute();
      // Only live leases are swept by expiry; ended ones wait to be pruned.
      await db.schema
        .createIndex('leases_live_by_expiry')
        .on('leases')
        .column('expires_at')
        .where(sql.ref('ended_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('leases_live_by_entitlement')
        .on('leases')
        .columns(['entitlement_id', 'created_at'])
        .where(sql.ref('ended_at'), 'is', null)
        .execute();
      await db.schema.createIndex('leases_by_end').on('leases').column('ended_at').execute();

      await db.schema
        .createTable('nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .execute();

      if (dialect === 'postgres') {
        // Every heartbeat batch rewrites expires_at; leave room for in-place (HOT) updates.
        await sql`alter table leases set (fillfactor = 80)`.execute(db);
      }
    },
  };
}

function flexible(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('enrollments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('server_id', 'text')
        .execute();
      await db.schema.createIndex('enrollments_by_customer').on('enrollments').column('customer_id').execute();

      await db.schema
        .createTable('allocations')
        .addColumn('server_id', 'text', (c) => c.notNull().references('servers.id'))
        .addColumn('entitlement_id', 'text', (c) => c.notNull().references('entitlements.id'))
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('feature', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('license_id', 'text', (c) => c.notNull().unique())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('issued', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('allocations_pk', ['server_id', 'entitlement_id'])
        .addCheckConstraint('allocations_count', sql`count >= 0`)
        .execute();
      await db.schema.createIndex('allocations_by_entitlement').on('allocations').column('entitlement_id').execute();

      await db.schema
        .createTable('server_sync')
        .addColumn('server_id', 'text', (c) => c.primaryKey().references('servers.id'))
        .addColumn('sync_counter', 'bigint', (c) => c.notNull())
        .addColumn('last_sequence', 'bigint', (c) => c.notNull())
        .addColumn('last_report_at', 'text')
        .addColumn('last_factors', 'text')
        .addColumn('last_sync_at', 'text')
        .addColumn('valid_until', 'text')
        .addColumn('acknowledged_through', 'text')
        .addColumn('last_sync', 'text')
        .execute();

      await db.schema
        .createTable('reports')
        .addColumn('server_id', 'text', (c) => c.notNull().references('servers.id'))
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addColumn('payload_hash', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('hours', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('reports_pk', ['server_id', 'sequence'])
        .execute();

      await db.schema
        .createTable('usage_hours')
        .addColumn('server_id', 'text', (c) => c.notNull().references('servers.id'))
        .addColumn('feature', 'text', (c) => c.notNull())
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('peak_seats', 'integer', (c) => c.notNull())
        .addColumn('seat_seconds', 'bigint', (c) => c.notNull())
        .addColumn('checkouts', 'bigint', (c) => c.notNull())
        .addColumn('denials', 'bigint', (c) => c.notNull())
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_hours_pk', ['server_id', 'feature', 'hour'])
        .execute();
      await db.schema
        .createIndex('usage_hours_by_customer')
        .on('usage_hours')
        .columns(['customer_id', 'hour'])
        .execute();

      await db.schema
        .createTable('server_flags')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('server_flags_by_server').on('server_flags').columns(['server_id', 'id']).execute();
    },
  };
}

/**
 * `usage_hours` on PostgreSQL, for Reports of 100,000 hours (issue 15). Its foreign key to
 * `servers` fired a trigger per row (a third of PostgreSQL's CPU for new hours); the only writer,
 * `UsageRepo.upsert`, now takes the lock that trigger took (`FOR KEY SHARE` on the server's row)
 * once per Report and refuses an unknown server, so every row still names a server that cannot
 * vanish before the rows commit. `fillfactor` 70 leaves room on each page, so a newer Report
 * repeating stored hours updates them in place (HOT: no new index entries, as no indexed column
 * changes); at 100 each update moved the row and added entries to both indexes. SQLite keeps its
 * foreign key (its check is an index probe, not a trigger) and has no fillfactor: nothing to do.
 */
function usageBulkWrites(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect !== 'postgres') return;
      await sql`alter table usage_hours drop constraint usage_hours_server_id_fkey`.execute(db);
      await sql`alter table usage_hours set (fillfactor = 70)`.execute(db);
    },
  };
}

/**
 * Users managed after they are added (docs/cloud.md): a disabled flag (a disabled user cannot
 * sign in, nor use its API tokens) and the time of the last sign-in, null until the first.
 */
function userState(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('users')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('users').addColumn('last_sign_in_at', 'text').execute();
    },
  };
}

/** The migrations, by name; names sort in the order they run. */
export function cloudMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_domain': domain(dialect),
    '0002_licensing_nodes': licensingNodes(dialect),
    '0003_flexible': flexible(),
    '0004_usage_bulk_writes': usageBulkWrites(dialect),
    '0005_user_state': userState(),
  };
}
