/**
 * `client_property.conf` (docs/sdk/README.md): INI-style `KEY = VALUE` lines under `[SECTION]` headers,
 * compatible with the file the seed's vendor ships. Pure: text in, typed config out; reading
 * the file lives in `../node/`.
 */
import { DEFAULT_PORT, isLoopback, quoted, type ServerAddress, tryParseServerAddress } from './server-address.js';

/** Credentials sent as HTTP Basic auth (a Cloud subscription account's id and secret). */
export interface ClientAuth {
  username: string;
  password: string;
}

/** What a `client_property.conf` says, with defaults filled in. */
export interface ClientConfig {
  /** Servers in failover order; never empty. */
  servers: ServerAddress[];
  /** `LICENSE_CACHE_PERIOD`: seconds a released seat is kept for reuse; 0 disables the cache. */
  cacheSeconds: number;
  auth?: ClientAuth;
  /** Unknown sections and keys and other doubtful lines, each `file:line: ...`; never printed by the parser. */
  warnings: string[];
}

/** A malformed `client_property.conf`; the message starts with `file:line:`. */
export class ConfigError extends Error {
  readonly fileName: string;
  /** 1-based line number, or undefined when the problem is with the file as a whole. */
  readonly line: number | undefined;

  constructor(fileName: string, line: number | undefined, detail: string, opts?: { cause?: unknown }) {
    super(line === undefined ? `${fileName}: ${detail}` : `${fileName}:${line}: ${detail}`, opts);
    this.name = 'ConfigError';
    this.fileName = fileName;
    this.line = line;
  }
}

export const DEFAULT_SERVERS = `127.0.0.1:${DEFAULT_PORT}`;
export const DEFAULT_CACHE_SECONDS = 30;
export const MAX_CACHE_SECONDS = 3600;

/** The keys we know, by upper-case section then upper-case key. */
const KNOWN: Record<string, ReadonlySet<string>> = {
  GLOBAL: new Set(['LICENSE_SERVERS', 'LICENSE_CACHE_PERIOD']),
  AUTHENTICATION: new Set(['AUTHENTICATION_USERNAME', 'AUTHENTICATION_PASSWORD']),
};

interface Setting {
  /** The key as written, for messages. */
  key: string;
  value: string;
  line: number;
}

/**
 * Parses the text of a `client_property.conf`.
 *
 * Rules: `#` and `;` start comment lines (only whole lines, so a password may contain them);
 * blank lines are fine; section and key names match case-insensitively and are reported as
 * written; values are trimmed and otherwise literal (no quotes, no escapes). Unknown sections
 * and keys become warnings; anything malformed throws.
 *
 * @param text the file's content
 * @param fileName how messages name the file (usually the path it was read from)
 * @throws ConfigError naming `fileName:line` for a line without `=`, a key outside any section,
 *   an unterminated or empty section header, a duplicate key, a bad value, or only one of the
 *   two authentication keys.
 * @example
 * const config = parseClientProperties(
 *   '[GLOBAL]\nLICENSE_SERVERS = lic1:7569;lic2:7569\nLICENSE_CACHE_PERIOD = 60\n',
 *   'client_property.conf',
 * );
 * config.servers.map((s) => s.url); // ['http://lic1:7569', 'http://lic2:7569']
 * config.cacheSeconds; // 60
 */
export function parseClientProperties(text: string, fileName: string): ClientConfig {
  const warnings: string[] = [];
  const settings = new Map<string, Setting>(); // 'SECTION.KEY' -> setting
  let section: { name: string; known: boolean } | undefined;

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    const fail = (detail: string) => new ConfigError(fileName, lineNo, detail);
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    if (line.startsWith('[')) {
      if (!line.endsWith(']')) throw fail(`unterminated section header ${quoted(line)} (expected [NAME])`);
      const name = line.slice(1, -1).trim();
      if (name === '') throw fail('empty section name "[]"');
      const known = Object.hasOwn(KNOWN, name.toUpperCase());
      if (!known) warnings.push(`${fileName}:${lineNo}: unknown section [${name}]; its keys are ignored`);
      section = { name, known };
      continue;
    }

    const eq = raw.indexOf('=');
    if (eq < 0) throw fail(`expected KEY = VALUE, got ${quoted(line)}`);
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    if (key === '') throw fail(`missing key before "=" in ${quoted(line)}`);
    if (section === undefined) throw fail(`${key} is outside any [SECTION]; put it under [GLOBAL] or [AUTHENTICATION]`);
    if (!section.known) continue; // already warned about the section once

    const sectionId = section.name.toUpperCase();
    const keyId = key.toUpperCase();
    if (!KNOWN[sectionId]?.has(keyId)) {
      const home = Object.entries(KNOWN).find(([, keys]) => keys.has(keyId))?.[0];
      warnings.push(
        `${fileName}:${lineNo}: unknown key ${key} in [${section.name}]; ignored` +
          (home ? ` (it belongs in [${home}])` : ''),
      );
      continue;
    }
    const id = `${sectionId}.${keyId}`;
    const previous = settings.get(id);
    if (previous) throw fail(`duplicate key ${key} (first set on line ${previous.line})`);
    settings.set(id, { key, value, line: lineNo });
  }

  const servers = parseServers(settings.get('GLOBAL.LICENSE_SERVERS'), fileName, warnings);
  const cacheSeconds = parseCachePeriod(settings.get('GLOBAL.LICENSE_CACHE_PERIOD'), fileName);
  const auth = parseAuth(
    settings.get('AUTHENTICATION.AUTHENTICATION_USERNAME'),
    settings.get('AUTHENTICATION.AUTHENTICATION_PASSWORD'),
    fileName,
  );

  if (auth) {
    // Basic auth over plain HTTP is readable by anyone on the path; loopback never leaves the machine.
    const serversLine = settings.get('GLOBAL.LICENSE_SERVERS')?.line;
    for (const s of servers) {
      if (!s.secure && !isLoopback(s)) {
        warnings.push(
          `${fileName}${serversLine === undefined ? '' : `:${serversLine}`}: credentials will be sent unencrypted to ${s.url}; use https:// for servers off this machine`,
        );
      }
    }
  }

  return auth ? { servers, cacheSeconds, auth, warnings } : { servers, cacheSeconds, warnings };
}

function parseServers(setting: Setting | undefined, fileName: string, warnings: string[]): ServerAddress[] {
  if (!setting) return [tryParseServerAddress(DEFAULT_SERVERS) as ServerAddress];
  const servers: ServerAddress[] = [];
  // Empty entries (a trailing ';') are skipped: harmless, and common in hand-edited lists.
  const entries = setting.value
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) {
    throw new ConfigError(
      fileName,
      setting.line,
      `${setting.key} must list at least one server (host:port;host2:port)`,
    );
  }
  for (const entry of entries) {
    const r = tryParseServerAddress(entry);
    if (typeof r === 'string')
      throw new ConfigError(fileName, setting.line, `${setting.key} entry ${quoted(entry)}: ${r}`);
    if (servers.some((s) => s.url === r.url)) {
      warnings.push(`${fileName}:${setting.line}: ${setting.key} lists ${r.url} more than once; later copies ignored`);
      continue;
    }
    servers.push(r);
  }
  return servers;
}

function parseCachePeriod(setting: Setting | undefined, fileName: string): number {
  if (!setting) return DEFAULT_CACHE_SECONDS;
  const n = /^\d{1,4}$/.test(setting.value) ? Number(setting.value) : Number.NaN;
  if (!(n >= 0 && n <= MAX_CACHE_SECONDS)) {
    throw new ConfigError(
      fileName,
      setting.line,
      `${setting.key} must be an integer 0..${MAX_CACHE_SECONDS}, got ${quoted(setting.value)}`,
    );
  }
  return n;
}

function parseAuth(user: Setting | undefined, pass: Setting | undefined, fileName: string): ClientAuth | undefined {
  for (const s of [user, pass]) {
    if (s && s.value === '') throw new ConfigError(fileName, s.line, `${s.key} must not be empty`);
  }
  if (user && !pass) {
    throw new ConfigError(
      fileName,
      user.line,
      `${user.key} is set but AUTHENTICATION_PASSWORD is not (set both or neither)`,
    );
  }
  if (pass && !user) {
    throw new ConfigError(
      fileName,
      pass.line,
      `${pass.key} is set but AUTHENTICATION_USERNAME is not (set both or neither)`,
    );
  }
  return user && pass ? { username: user.value, password: pass.value } : undefined;
}
