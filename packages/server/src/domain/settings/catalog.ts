/**
 * The License Server's settings (docs/settings.md): every key of `DIR/server.conf`, its flag, its
 * default, how a text value is read and checked, and whether a running server can take a new
 * value at once or only at its next start. Pure: no I/O here; reading files and probing the
 * Cloud happen in the settings service.
 */
import { createHash } from 'node:crypto';
import { LEASE_POLICY } from '@tessera/core';
import { isLoopback, parseListen } from '@tessera/service-kit';
import { LICENSING_MODES, type LicensingMode, type TimeOfDay } from '../licensing-mode.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings in force, as the server uses them. */
export interface Settings {
  mode: LicensingMode;
  enrollmentCode: string | null;
  /** Cloud node URLs in failover order. */
  cloudNodes: string[];
  /** Bare `host:port` nodes are reached over HTTPS, and plain HTTP is refused but to loopback. */
  cloudHttps: boolean;
  /** PEM file of the CA(s) that sign the Cloud's certificates, beside the system's. */
  cloudCaFile: string | null;
  portalUrl: string | null;
  syncTime: TimeOfDay | null;
  leaseSeconds: number;
  heartbeatSeconds: number;
  clientListen: string;
  adminListen: string;
  adminTlsCert: string | null;
  adminTlsKey: string | null;
  /** `sha256:HEX` of the token clients must present; null: the client API is open. */
  clientTokenHash: string | null;
  logLevel: LogLevel;
}

export const SETTING_KEYS = [
  'mode',
  'enrollment_code',
  'cloud_nodes',
  'cloud_https',
  'cloud_ca_file',
  'portal_url',
  'sync_time',
  'lease_seconds',
  'heartbeat_seconds',
  'client_listen',
  'admin_listen',
  'admin_tls_cert',
  'admin_tls_key',
  'client_token',
  'log_level',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export function isSettingKey(s: string): s is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(s);
}

/** Raw text values by key, as in the file or given on the command line; absent = not set there. */
export type RawSettings = Partial<Record<SettingKey, string>>;

export interface SettingDefinition {
  key: SettingKey;
  /** The `tessera server start` flag that overrides it; null: none (a secret is not put on a command line). */
  flag: string | null;
  /** The default, as text; null: none. */
  default: string | null;
  /** `live`: a running server takes it at once; `restart`: at its next start. */
  apply: 'live' | 'restart';
  /** Shown masked (`(set)`), stored hashed. */
  secret?: true;
  description: string;
  /** Reads the text value into `Settings`, or throws a `SettingProblem` that says what is wrong. */
  read(value: string, into: Settings): void;
}

/** A value that cannot be used; `message` names the key's rule. */
export class SettingProblem extends Error {}

const bad = (message: string): never => {
  throw new SettingProblem(message);
};

/**
 * A value as a message quotes it: JSON-escaped (a control character cannot reach a terminal)
 * and cut to a readable length (a file may hold a megabyte on one line).
 */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function integerIn(value: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(value)) bad(`${what} must be a whole number of seconds, got ${quoted(value)}`);
  const n = Number(value);
  if (n < min || n > max) bad(`${what} must be ${min}..${max}, got ${n}`);
  return n;
}

function yesNo(value: string, what: string): boolean {
  const v = value.toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(v)) return true;
  if (['no', 'false', 'off', '0'].includes(v)) return false;
  return bad(`${what} must be yes or no, got ${quoted(value)}`);
}

function listen(value: string, what: string): string {
  try {
    parseListen(value, what);
  } catch {
    bad(`${what} must be HOST:PORT (port 0-65535), got ${quoted(value)}`);
  }
  return value.trim();
}

function httpUrl(value: string, what: string): string {
  if (!URL.canParse(value)) bad(`${what} must be a URL such as https://host:port, got ${quoted(value)}`);
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(`${what} must be http(s), got ${quoted(value)}`);
  if (url.username || url.password) bad(`${what} must not carry credentials, got ${quoted(value)}`);
  return value.replace(/\/+$/, '');
}

/** `12:30`, or `none`. */
export function parseTimeOfDay(value: string): TimeOfDay | null {
  if (value.toLowerCase() === 'none') return null;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value);
  if (!m) return bad(`sync_time must be HH:MM (local time, 00:00-23:59) or none, got ${quoted(value)}`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 23) bad(`sync_time hour must be 0-23, got ${hour}`);
  if (minute > 59) bad(`sync_time minute must be 0-59, got ${minute}`);
  return { hour, minute };
}

export function formatTimeOfDay(t: TimeOfDay | null): string {
  return t ? `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}` : 'none';
}

/** What `client_token` holds in the file: the token's SHA-256, never the token. */
export function hashClientToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

export const SETTINGS: readonly SettingDefinition[] = [
  {
    key: 'mode',
    flag: '--mode',
    default: 'perpetual',
    apply: 'live',
    description:
      'licensing mode: perpetual (installed license files), flexible (synced with the Cloud), als (offline, Report and Sync files), pls (online, also relays for ALS servers)',
    read(value, s) {
      if (!(LICENSING_MODES as readonly string[]).includes(value)) {
        bad(`mode must be one of ${LICENSING_MODES.join(', ')}, got ${quoted(value)}`);
      }
      s.mode = value as LicensingMode;
    },
  },
  {
    key: 'enrollment_code',
    flag: '--enroll',
    default: null,
    apply: 'live',
    description:
      "one-time enrollment code from the vendor's portal, sent with the first Report (modes flexible, als, pls)",
    read(value, s) {
      if (!/^[A-Za-z0-9_-]{4,128}$/.test(value)) {
        bad(`enrollment_code must be the code the portal gave (letters, digits, - and _), got ${quoted(value)}`);
      }
      s.enrollmentCode = value;
    },
  },
  {
    key: 'cloud_nodes',
    flag: '--cloud',
    default: null,
    apply: 'live',
    description: 'Cloud licensing nodes in failover order, `;`-separated: https://host:port URLs or bare host:port',
    read(value, s) {
      const entries = value
        .split(';')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      if (entries.length === 0) bad('cloud_nodes must name at least one node (or be left unset)');
      s.cloudNodes = entries;
    },
  },
  {
    key: 'cloud_https',
    flag: '--cloud-https',
    default: 'yes',
    apply: 'live',
    description:
      'yes: bare host:port Cloud nodes are reached over HTTPS and http:// nodes are refused unless on loopback; no: allow plain HTTP',
    read(value, s) {
      s.cloudHttps = yesNo(value, 'cloud_https');
    },
  },
  {
    key: 'cloud_ca_file',
    flag: '--cloud-ca-file',
    default: null,
    apply: 'live',
    description: "PEM file with the CA certificate(s) of the Cloud's TLS, trusted beside the system's",
    read(value, s) {
      s.cloudCaFile = value;
    },
  },
  {
    key: 'portal_url',
    flag: '--portal-url',
    default: null,
    apply: 'live',
    description: 'the vendor portal, opened by "Go To Website" in the Dashboard',
    read(value, s) {
      s.portalUrl = httpUrl(value, 'portal_url');
    },
  },
  {
    key: 'sync_time',
    flag: '--sync-time',
    default: 'none',
    apply: 'live',
    description:
      "preferred local time HH:MM of the scheduled sync; the vendor's interval stays the longest wait, this picks the moment within it (none: by the interval alone)",
    read(value, s) {
      s.syncTime = parseTimeOfDay(value);
    },
  },
  {
    key: 'lease_seconds',
    flag: '--lease-seconds',
    default: String(LEASE_POLICY.defaultLeaseSeconds),
    apply: 'live',
    description: 'a lease lives this long past its last heartbeat (new value from the next checkout or heartbeat)',
    read(value, s) {
      s.leaseSeconds = integerIn(value, LEASE_POLICY.minLeaseSeconds, LEASE_POLICY.maxLeaseSeconds, 'lease_seconds');
    },
  },
  {
    key: 'heartbeat_seconds',
    flag: '--heartbeat-seconds',
    default: String(LEASE_POLICY.defaultHeartbeatSeconds),
    apply: 'live',
    description: 'clients are asked to heartbeat this often; less than lease_seconds',
    read(value, s) {
      s.heartbeatSeconds = integerIn(
        value,
        LEASE_POLICY.minHeartbeatSeconds,
        LEASE_POLICY.maxLeaseSeconds,
        'heartbeat_seconds',
      );
    },
  },
  {
    key: 'client_listen',
    flag: '--client-listen',
    default: '0.0.0.0:7569',
    apply: 'restart',
    description: 'address of the client API, HOST:PORT (port 0: any free port)',
    read(value, s) {
      s.clientListen = listen(value, 'client_listen');
    },
  },
  {
    key: 'admin_listen',
    flag: '--admin-listen',
    default: '127.0.0.1:7570',
    apply: 'restart',
    description: 'address of the admin API and Dashboard, HOST:PORT; off loopback it needs admin_tls_cert and _key',
    read(value, s) {
      s.adminListen = listen(value, 'admin_listen');
    },
  },
  {
    key: 'admin_tls_cert',
    flag: '--admin-tls-cert',
    default: null,
    apply: 'restart',
    description: 'TLS certificate (PEM file) of the admin API',
    read(value, s) {
      s.adminTlsCert = value;
    },
  },
  {
    key: 'admin_tls_key',
    flag: '--admin-tls-key',
    default: null,
    apply: 'restart',
    description: 'TLS private key (PEM file) of the admin API',
    read(value, s) {
      s.adminTlsKey = value;
    },
  },
  {
    key: 'client_token',
    flag: null,
    default: null,
    apply: 'live',
    secret: true,
    description:
      'clients must present this token (client_property.conf AUTHENTICATION_PASSWORD); kept as its SHA-256. Unset: the client API is open',
    read(value, s) {
      if (/^sha256:[0-9a-f]{64}$/.test(value)) s.clientTokenHash = value;
      else if (value.length < 16) bad('client_token must be at least 16 characters');
      else s.clientTokenHash = hashClientToken(value);
    },
  },
  {
    key: 'log_level',
    flag: '--log-level',
    default: 'info',
    apply: 'live',
    description: `log detail on stderr: ${LOG_LEVELS.join(', ')}`,
    read(value, s) {
      if (!(LOG_LEVELS as readonly string[]).includes(value)) {
        bad(`log_level must be one of ${LOG_LEVELS.join(', ')}, got ${quoted(value)}`);
      }
      s.logLevel = value as LogLevel;
    },
  },
];

const BY_KEY = new Map(SETTINGS.map((d) => [d.key, d]));

export function definitionOf(key: SettingKey): SettingDefinition {
  return BY_KEY.get(key) as SettingDefinition;
}

/** Errors (the value cannot be used) and warnings (it can, but probably not as meant), by key. */
export interface SettingsCheck {
  errors: Partial<Record<SettingKey, string>>;
  warnings: Partial<Record<SettingKey, string>>;
}

function emptySettings(): Settings {
  return {
    mode: 'perpetual',
    enrollmentCode: null,
    cloudNodes: [],
    cloudHttps: true,
    cloudCaFile: null,
    portalUrl: null,
    syncTime: null,
    leaseSeconds: LEASE_POLICY.defaultLeaseSeconds,
    heartbeatSeconds: LEASE_POLICY.defaultHeartbeatSeconds,
    clientListen: '0.0.0.0:7569',
    adminListen: '127.0.0.1:7570',
    adminTlsCert: null,
    adminTlsKey: null,
    clientTokenHash: null,
    logLevel: 'info',
  };
}

/** The text value of each key after layering: default, then the file, then flags. */
export function layer(file: RawSettings, flags: RawSettings): Record<SettingKey, string | null> {
  const out = {} as Record<SettingKey, string | null>;
  for (const d of SETTINGS) out[d.key] = flags[d.key] ?? file[d.key] ?? d.default;
  return out;
}

/**
 * Reads layered text values into `Settings` and checks each key and the keys together.
 * `settings` is complete only when `errors` is empty.
 */
export function resolveSettings(values: Record<SettingKey, string | null>): SettingsCheck & { settings: Settings } {
  const settings = emptySettings();
  const check: SettingsCheck = { errors: {}, warnings: {} };
  for (const d of SETTINGS) {
    const v = values[d.key];
    if (v === null) continue;
    try {
      d.read(v, settings);
    } catch (err) {
      if (!(err instanceof SettingProblem)) throw err;
      check.errors[d.key] = err.message;
    }
  }
  crossCheck(settings, check);
  return { settings, ...check };
}

/** URL of a Cloud node entry: a URL as given, or `host:port` with the scheme `cloud_https` picks. */
export function cloudNodeUrl(entry: string, https: boolean): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return entry.replace(/\/+$/, '');
  return `${https ? 'https' : 'http'}://${entry}`;
}

function crossCheck(s: Settings, check: SettingsCheck): void {
  const { errors, warnings } = check;
  if (!errors.cloud_nodes) {
    const urls: string[] = [];
    for (const entry of s.cloudNodes) {
      const url = cloudNodeUrl(entry, s.cloudHttps);
      if (!URL.canParse(url)) {
        errors.cloud_nodes = `cloud_nodes: ${quoted(entry)} is neither a URL nor host:port`;
        break;
      }
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        errors.cloud_nodes = `cloud_nodes: ${quoted(entry)} must be http(s)`;
        break;
      }
      if (parsed.username || parsed.password) {
        errors.cloud_nodes = `cloud_nodes: ${quoted(entry)} must not carry credentials`;
        break;
      }
      if (parsed.protocol === 'http:' && s.cloudHttps && !isLoopback(parsed.hostname.replace(/^\[|\]$/g, ''))) {
        errors.cloud_nodes = `cloud_nodes: ${quoted(entry)} is plain HTTP to another machine; use https:// or set cloud_https = no`;
        break;
      }
      urls.push(url);
    }
    if (!errors.cloud_nodes) s.cloudNodes = urls;
  }
  const online = s.mode === 'flexible' || s.mode === 'pls';
  if (online && s.cloudNodes.length === 0 && !errors.cloud_nodes && !errors.mode) {
    errors.cloud_nodes = `mode ${s.mode} talks to the Cloud: name its nodes in cloud_nodes (or give --cloud URL[;URL...])`;
  }
  if (!online && s.cloudNodes.length > 0 && !errors.mode) {
    warnings.cloud_nodes = `not used in mode ${s.mode} (kept for a switch back to flexible or pls)`;
  }
  if (s.mode === 'perpetual' && s.enrollmentCode !== null) {
    warnings.enrollment_code = 'not used in mode perpetual';
  }
  if (!errors.lease_seconds && !errors.heartbeat_seconds && s.heartbeatSeconds >= s.leaseSeconds) {
    errors.heartbeat_seconds = `heartbeat_seconds (${s.heartbeatSeconds}) must be less than lease_seconds (${s.leaseSeconds})`;
  }
  if ((s.adminTlsCert === null) !== (s.adminTlsKey === null)) {
    errors[s.adminTlsCert === null ? 'admin_tls_cert' : 'admin_tls_key'] =
      'admin_tls_cert and admin_tls_key go together';
  }
  if (!errors.admin_listen && s.adminTlsCert === null) {
    const host = parseListen(s.adminListen, 'admin_listen').host;
    if (!isLoopback(host)) {
      errors.admin_listen = `the admin listener on ${host} is not loopback, so it needs admin_tls_cert and admin_tls_key`;
    }
  }
}

/** A value as the page and `config get` show it: secrets masked. */
export function displayValue(key: SettingKey, value: string | null): string | null {
  if (value === null) return null;
  return definitionOf(key).secret ? '(set)' : value;
}
