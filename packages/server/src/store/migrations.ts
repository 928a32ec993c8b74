/**
 * Versioned schema of the License Server's SQLite file. Each entry runs once, in order, in
 * one transaction with the `user_version` bump, so a crash mid-migration leaves the old schema.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE licenses (
        license_id   TEXT PRIMARY KEY,
        revision     INTEGER NOT NULL,
        customer     TEXT NOT NULL,
        server_id    TEXT NOT NULL,
        claims       TEXT NOT NULL,   -- verified payload, JSON
        document     TEXT NOT NULL,   -- the signed file as installed
        issued_at    TEXT NOT NULL,
        installed_at TEXT NOT NULL
      ) STRICT;

      -- Uninstall is permanent: a license id here is never accepted again.
      CREATE TABLE license_tombstones (
        license_id     TEXT PRIMARY KEY,
        revision       INTEGER NOT NULL,
        uninstalled_at TEXT NOT NULL,
        certificate    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE leases (
        lease_id     TEXT PRIMARY KEY,
        license_id   TEXT NOT NULL,
        feature      TEXT NOT NULL,
        count        INTEGER NOT NULL,
        client_id    TEXT NOT NULL,
        host         TEXT,
        app          TEXT,
        version      TEXT,
        release_date TEXT NOT NULL,
        created_at   INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- Leases taken away by the server, so the holder hears why at its next heartbeat.
      CREATE TABLE gone_leases (
        lease_id TEXT PRIMARY KEY,
        reason   TEXT NOT NULL,
        gone_at  INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE users (
        username      TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('view', 'manage', 'admin')),
        must_change   INTEGER NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE api_tokens (
        token_hash TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        role       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT,
        outcome TEXT NOT NULL,
        detail  TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'dashboard sessions and usage hours',
    sql: `
      -- Dashboard sign-ins. The cookie holds a random 256-bit id; only its SHA-256 is kept here.
      CREATE TABLE sessions (
        id_hash    TEXT PRIMARY KEY,
        username   TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,  -- epoch ms
        last_seen  INTEGER NOT NULL   -- epoch ms, for the idle timeout
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sessions_by_user ON sessions (username);

      -- Usage per feature and closed UTC hour (docs/flexible.md): absolute values, never a client,
      -- host, user or app name. The current hour is rewritten as it runs.
      CREATE TABLE usage_hours (
        feature      TEXT NOT NULL,
        hour         TEXT NOT NULL,     -- start of the hour, YYYY-MM-DDTHH:00:00Z
        peak_seats   INTEGER NOT NULL,
        seat_seconds INTEGER NOT NULL,
        checkouts    INTEGER NOT NULL,
        denials      INTEGER NOT NULL,
        PRIMARY KEY (feature, hour)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX usage_hours_by_hour ON usage_hours (hour);
    `,
  },
  {
    version: 3,
    name: 'flexible licensing state',
    sql: `
      -- Flexible licensing (docs/flexible.md), kept whatever mode the server runs in: the licenses of
      -- the last Sync applied, every Sync applied, the Reports written, and a few counters.
      CREATE TABLE flexible_licenses (
        license_id   TEXT PRIMARY KEY,
        revision     INTEGER NOT NULL,
        customer     TEXT NOT NULL,
        claims       TEXT NOT NULL,     -- LicenseClaims the lease engine serves, JSON
        sync_counter INTEGER NOT NULL   -- the Sync that brought it
      ) STRICT;

      CREATE TABLE flexible_syncs (
        sync_counter         INTEGER PRIMARY KEY,
        report_sequence      INTEGER NOT NULL,
        acknowledged_through TEXT,
        issued_at            TEXT NOT NULL,
        valid_until          TEXT NOT NULL,
        next_sync_seconds    INTEGER NOT NULL,
        applied_at           TEXT NOT NULL,
        source               TEXT NOT NULL,  -- online | file
        document             TEXT NOT NULL
      ) STRICT;

      -- One row per Report written; the sequence is taken here before the file exists.
      CREATE TABLE flexible_reports (
        sequence             INTEGER PRIMARY KEY,
        created_at           TEXT NOT NULL,
        acknowledged_through TEXT,
        hours                INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE flexible_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'user management',
    sql: `
      -- A disabled user cannot sign in; their sessions are ended when they are disabled.
      ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
      -- When the user last signed in to the Dashboard (ISO instant); NULL until they do.
      ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
    `,
  },
  {
    version: 5,
    name: 'refusals by code',
    sql: `
      -- Checkouts refused per feature, hour and code, for the Usage page's "why": NO_SEATS stays in
      -- usage_hours.denials (the Cloud gets that one); the others (a lapsed license or maintenance
      -- date, a clock set back) are the operator's alone. Refusals of features no license has are
      -- not counted, so a client cannot grow this table with made-up names.
      CREATE TABLE usage_refusals (
        feature TEXT NOT NULL,
        hour    TEXT NOT NULL,     -- start of the hour, YYYY-MM-DDTHH:00:00Z
        code    TEXT NOT NULL,
        count   INTEGER NOT NULL,
        PRIMARY KEY (feature, hour, code)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX usage_refusals_by_hour ON usage_refusals (hour);
    `,
  },
];
