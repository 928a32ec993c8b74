/**
 * The settings of a License Server (docs/settings.md): `DIR/server.conf` layered under the start
 * flags. Knows what is in force, shows where each value comes from, checks a change before
 * writing it (files it names must be readable, an unreachable Cloud is a warning), writes the
 * file atomically keeping the operator's comments, audits each change with its old and new
 * value, and hands what a running server can take at once to its appliers.
 */

import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { type StagedFile, stageFileAtomic, writeFileAtomic } from '@tessera/service-kit';
import { storageWrite } from '../../store/storage-errors.js';
import type { Actor, AuditEntry, AuditLog } from '../audit.js';
import { type CloudConnection, type CloudRequest, unreachableNodes } from '../flexible/cloud-link.js';
import {
  definitionOf,
  displayValue,
  hashClientToken,
  isSettingKey,
  layer,
  type RawSettings,
  resolveSettings,
  SETTINGS,
  type SettingKey,
  SettingProblem,
  type Settings,
  type SettingsCheck,
} from './catalog.js';
import { confTemplate, editConf, type ParsedConf, parseConf, SETTINGS_FILE } from './conf-file.js';

export type SettingSource = 'default' | 'file' | 'flag';

/** One setting as the page and `tessera config get` show it. */
export interface SettingView {
  key: SettingKey;
  flag: string | null;
  description: string;
  apply: 'live' | 'restart';
  secret: boolean;
  default: string | null;
  /** In force now (secrets masked). */
  value: string | null;
  /** In the file (secrets masked); null when the file does not set it. */
  saved: string | null;
  /** Where the configured value comes from. */
  source: SettingSource;
  /** The flag that pins the value, when one does: the file's value waits for a start without it. */
  pinnedBy: string | null;
  /** A restart-only value differs from the one in force. */
  restartPending: boolean;
}

export interface SettingChange {
  key: SettingKey;
  old: string | null;
  new: string | null;
  apply: 'live' | 'restart';
  /** The value is saved but a flag keeps the one in force until a start without the flag. */
  pinnedBy: string | null;
}

export interface SettingsUpdate {
  changes: SettingChange[];
  warnings: Partial<Record<SettingKey, string>>;
  /** Keys whose new value waits for a restart. */
  restartNeeded: SettingKey[];
  settings: SettingView[];
}

/** Changes by key: a text value, or null to remove the key from the file (its default applies). */
export type SettingEdits = Partial<Record<SettingKey, string | null>>;

export interface UpdateOptions {
  /** Ask the Cloud nodes' `/healthz` when the change touches them (default); off when they have just answered. */
  probeCloud?: boolean;
}

export type SettingsApplier = (next: Settings, changed: readonly SettingKey[]) => void;

/** Who changed a value written into the file by hand (found when the file is read again). */
const HAND_EDIT: Actor = { id: `file:${SETTINGS_FILE}`, role: 'admin' };

export class SettingsService {
  readonly path: string;
  private file: ParsedConf;
  private inForceValues: Record<SettingKey, string | null>;
  private inForce: Settings;
  private readonly appliers: SettingsApplier[] = [];
  private updating: Promise<unknown> = Promise.resolve();

  /**
   * Reads `DIR/server.conf` (writing the commented template when there is none) and layers
   * the flags on it; a mistake throws SETTINGS_INVALID naming the file's line or the flag.
   */
  constructor(
    dataDir: string,
    private readonly flags: RawSettings,
    private readonly audit: AuditLog,
    /** Sends a request to a Cloud node (the `/healthz` probe here; the exchange through `cloudConnection`). */
    private readonly cloudRequest: CloudRequest,
  ) {
    this.path = join(dataDir, SETTINGS_FILE);
    if (!existsSync(this.path)) writeFileAtomic(this.path, confTemplate(), 0o644);
    this.file = this.readFile();
    this.inForceValues = layer(this.file.values, flags);
    const resolved = resolveSettings(this.inForceValues);
    const keys = Object.keys(resolved.errors) as SettingKey[];
    if (keys.length > 0) {
      throw new TesseraError(
        'SETTINGS_INVALID',
        keys.map((k) => `${this.whereIs(k)}: ${resolved.errors[k]}`).join('; '),
        { details: { errors: resolved.errors } },
      );
    }
    this.inForce = resolved.settings;
  }

  /** Settings in force. */
  get settings(): Settings {
    return this.inForce;
  }

  /** The Cloud nodes in force and the CA file's certificates, for the exchange and the relay. */
  cloudConnection(): CloudConnection {
    const s = this.inForce;
    return {
      urls: s.cloudNodes,
      ca: s.cloudCaFile ? readFileSync(s.cloudCaFile, 'utf8') : undefined,
      request: this.cloudRequest,
    };
  }

  /** Warnings about the settings in force (e.g. a value not used in this mode). */
  startupWarnings(): Partial<Record<SettingKey, string>> {
    const warnings = { ...resolveSettings(this.inForceValues).warnings };
    const token = this.file.values.client_token;
    if (token !== undefined && !token.startsWith('sha256:')) {
      warnings.client_token = `${SETTINGS_FILE} holds client_token in plain text; \`tessera config set client_token …\` stores its SHA-256 instead`;
    }
    return warnings;
  }

  /**
   * The values the start flags give for `keys` where the file says otherwise: what saving the
   * flags would change (enrollment keeps the mode and the Cloud this way, docs/settings.md).
   */
  flaggedEdits(keys: readonly SettingKey[]): SettingEdits {
    const edits: SettingEdits = {};
    for (const key of keys) {
      const value = this.flags[key];
      if (value !== undefined && value !== this.file.values[key]) edits[key] = value;
    }
    return edits;
  }

  /** Called with the new settings whenever a live value changes. */
  onApply(applier: SettingsApplier): void {
    this.appliers.push(applier);
  }

  view(): SettingView[] {
    const configured = layer(this.file.values, this.flags);
    return SETTINGS.map((d) => {
      const fromFlag = this.flags[d.key] !== undefined;
      const inFile = this.file.values[d.key];
      return {
        key: d.key,
        flag: d.flag,
        description: d.description,
        apply: d.apply,
        secret: d.secret === true,
        default: d.default,
        value: displayValue(d.key, this.inForceValues[d.key]),
        saved: displayValue(d.key, inFile ?? null),
        source: fromFlag ? 'flag' : inFile !== undefined ? 'file' : 'default',
        pinnedBy: fromFlag ? (d.flag ?? 'an option of the program that started it') : null,
        restartPending: d.apply === 'restart' && configured[d.key] !== this.inForceValues[d.key],
      };
    });
  }

  /** What saving `edits` would say, without saving: errors and warnings by key. */
  async check(edits: SettingEdits): Promise<SettingsCheck> {
    const { check } = await this.prepare(edits);
    return check;
  }

  /**
   * Saves `edits` to the file and applies what can be applied live. Any error: nothing is
   * written, nothing changes, the refusal is audited, and SETTINGS_INVALID names each key.
   */
  update(actor: Actor, edits: SettingEdits, opts: UpdateOptions = {}): Promise<SettingsUpdate> {
    // One change at a time: each reads the file, checks, and writes it; two at once would
    // each write the file as it read it, and the later would undo the earlier.
    const run = this.updating.then(() => this.updateNow(actor, edits, opts));
    this.updating = run.catch(() => undefined);
    return run;
  }

  private async updateNow(actor: Actor, edits: SettingEdits, opts: UpdateOptions): Promise<SettingsUpdate> {
    const before = this.file;
    const known = this.file.values;
    const { check, nextFile, normalized } = await this.prepare(edits, opts);
    const errorKeys = Object.keys(check.errors) as SettingKey[];
    if (errorKeys.length > 0) {
      this.audit.recordRefusal({
        actor,
        action: 'settings.update',
        outcome: 'refused:SETTINGS_INVALID',
        detail: { keys: Object.keys(normalized), errors: check.errors },
      });
      throw new TesseraError('SETTINGS_INVALID', errorKeys.map((k) => check.errors[k]).join('; '), {
        details: { errors: check.errors, warnings: check.warnings },
      });
    }
    const changes: SettingChange[] = [];
    for (const [key, value] of Object.entries(normalized) as [SettingKey, string | null][]) {
      const old = this.file.values[key] ?? null;
      if (old === value) continue;
      const d = definitionOf(key);
      changes.push({
        key,
        old: displayValue(key, old),
        new: displayValue(key, value),
        apply: d.apply,
        pinnedBy: this.flags[key] !== undefined ? (d.flag ?? 'an option of the program that started it') : null,
      });
    }
    // The file and its audit entries change together or not at all: the new file is staged
    // (where a full disk shows), the entries committed, and only then the file put in place.
    const entries: AuditEntry[] = [];
    let staged: StagedFile | undefined;
    let next = this.file;
    if (changes.length > 0) {
      const text = editConf(readFileSync(this.path, 'utf8'), normalized);
      try {
        staged = storageWrite(() => stageFileAtomic(this.path, text, 0o644));
      } catch (err) {
        this.file = before;
        throw err;
      }
      next = { values: nextFile, lineOf: parseConf(text).lineOf };
      for (const c of changes) {
        entries.push({
          actor,
          action: 'settings.set',
          target: c.key,
          outcome: 'ok',
          detail: { old: c.old, new: c.new, apply: c.apply, pinnedBy: c.pinnedBy },
        });
      }
    }
    // Values edited by hand in the file since it was last read come into force with this
    // change too: they are audited as the file's, not as this actor's.
    for (const d of SETTINGS) {
      if (d.key in normalized || (known[d.key] ?? null) === (next.values[d.key] ?? null)) continue;
      entries.push({
        actor: HAND_EDIT,
        action: 'settings.set',
        target: d.key,
        outcome: 'ok',
        detail: {
          old: displayValue(d.key, known[d.key] ?? null),
          new: displayValue(d.key, next.values[d.key] ?? null),
          apply: d.apply,
          note: `edited by hand in ${SETTINGS_FILE}; read with a change by ${actor.id}`,
        },
      });
    }
    try {
      this.audit.recordAll(entries);
    } catch (err) {
      staged?.abort();
      this.file = before;
      throw err;
    }
    staged?.commit();
    this.file = next;
    this.applyLive();
    const restartNeeded = changes.filter((c) => c.apply === 'restart' && c.pinnedBy === null).map((c) => c.key);
    return { changes, warnings: check.warnings, restartNeeded, settings: this.view() };
  }

  /** Takes the live keys of the configured values into force and tells the appliers. */
  private applyLive(): void {
    const configured = layer(this.file.values, this.flags);
    const next = { ...this.inForceValues };
    const changed: SettingKey[] = [];
    for (const d of SETTINGS) {
      if (d.apply !== 'live' || configured[d.key] === this.inForceValues[d.key]) continue;
      next[d.key] = configured[d.key];
      changed.push(d.key);
    }
    if (changed.length === 0) return;
    const resolved = resolveSettings(next);
    if (Object.keys(resolved.errors).length > 0) {
      // Cannot happen: the file with the flags was checked whole, and restart-only keys do not
      // constrain live ones. Kept as a guard rather than serving half-applied settings.
      throw new TesseraError('INTERNAL', `settings could not be applied: ${JSON.stringify(resolved.errors)}`);
    }
    this.inForceValues = next;
    this.inForce = resolved.settings;
    for (const apply of this.appliers) apply(this.inForce, changed);
  }

  private async prepare(
    edits: SettingEdits,
    opts: UpdateOptions = {},
  ): Promise<{ check: SettingsCheck; nextFile: RawSettings; normalized: SettingEdits }> {
    // The file as it is now: a hand edit since the last read is kept, a broken one is named.
    this.file = this.readFile();
    const errors: SettingsCheck['errors'] = {};
    const normalized: SettingEdits = {};
    for (const [key, raw] of Object.entries(edits)) {
      if (!isSettingKey(key)) {
        throw new TesseraError('SETTINGS_INVALID', `unknown setting "${key}"`, { details: { key } });
      }
      let value = raw === null || raw === undefined ? null : raw.trim();
      if (value === '') value = null;
      if (value !== null && /[\r\n]/.test(value)) {
        errors[key] = `${key} must be one line`;
        continue;
      }
      if (key === 'client_token' && value !== null && !value.startsWith('sha256:')) {
        // The catalog's rule for a token as typed; the file only ever gets its hash.
        const problem = problemOf(key, value);
        if (problem) {
          errors[key] = problem;
          continue;
        }
        value = hashClientToken(value);
      }
      normalized[key] = value;
    }
    const nextFile: RawSettings = { ...this.file.values };
    for (const [key, value] of Object.entries(normalized) as [SettingKey, string | null][]) {
      if (value === null) delete nextFile[key];
      else nextFile[key] = value;
    }
    const resolved = resolveSettings(layer(nextFile, this.flags));
    const check: SettingsCheck = {
      errors: { ...resolved.errors, ...errors },
      warnings: { ...resolved.warnings },
    };
    // A key pinned by a flag was read from the flag above; the value saved for it is checked too.
    for (const key of Object.keys(normalized) as SettingKey[]) {
      const value = normalized[key];
      if (value === null || value === undefined || check.errors[key] || this.flags[key] === undefined) continue;
      const problem = problemOf(key, value);
      if (problem) check.errors[key] = problem;
    }
    this.checkFiles(resolved.settings, normalized, check);
    if (Object.keys(check.errors).length === 0 && opts.probeCloud !== false) {
      await this.probeCloud(resolved.settings, normalized, check);
    }
    return { check, nextFile, normalized };
  }

  /** Files a changed key names must be there and hold what they should. */
  private checkFiles(s: Settings, edits: SettingEdits, check: SettingsCheck): void {
    if (edits.cloud_ca_file && s.cloudCaFile && !check.errors.cloud_ca_file) {
      const problem = certificateProblem(s.cloudCaFile);
      if (problem) check.errors.cloud_ca_file = `cloud_ca_file: ${problem}`;
    }
    if (edits.admin_tls_cert && s.adminTlsCert && !check.errors.admin_tls_cert) {
      const problem = certificateProblem(s.adminTlsCert);
      if (problem) check.errors.admin_tls_cert = `admin_tls_cert: ${problem}`;
    }
    if (edits.admin_tls_key && s.adminTlsKey && !check.errors.admin_tls_key) {
      try {
        readFileSync(s.adminTlsKey);
      } catch (err) {
        check.errors.admin_tls_key = `admin_tls_key: cannot read ${s.adminTlsKey}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
    }
  }

  /** An online mode's Cloud nodes that do not answer `/healthz`: a warning with the reason. */
  private async probeCloud(s: Settings, edits: SettingEdits, check: SettingsCheck): Promise<void> {
    const touched = ['mode', 'cloud_nodes', 'cloud_https', 'cloud_ca_file'].some((k) => k in edits);
    if (!touched || (s.mode !== 'flexible' && s.mode !== 'pls') || s.cloudNodes.length === 0) return;
    const ca = s.cloudCaFile ? readFileSync(s.cloudCaFile, 'utf8') : undefined;
    const unreachable = await unreachableNodes(this.cloudRequest, s.cloudNodes, ca);
    if (unreachable.length > 0) {
      check.warnings.cloud_nodes = `${unreachable.length === s.cloudNodes.length ? 'no Cloud node answers' : 'some Cloud nodes do not answer'} (${unreachable.join('; ')}); saved anyway, the server keeps trying`;
    }
  }

  private readFile(): ParsedConf {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, lineOf: {} };
      throw new TesseraError('SETTINGS_INVALID', `cannot read ${this.path}: ${(err as Error).message}`);
    }
    return parseConf(text, this.path);
  }

  private whereIs(key: SettingKey): string {
    if (this.flags[key] !== undefined) return definitionOf(key).flag ?? key;
    const line = this.file.lineOf[key];
    return line !== undefined ? `${this.path}:${line}` : key;
  }
}

/** What is wrong with `value` for `key` by the catalog's rule for that key alone, or null. */
function problemOf(key: SettingKey, value: string): string | null {
  try {
    definitionOf(key).read(value, resolveSettings(layer({}, {})).settings);
    return null;
  } catch (err) {
    if (err instanceof SettingProblem) return err.message;
    throw err;
  }
}

function certificateProblem(file: string): string | null {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!first) return `${file} holds no PEM certificate`;
  try {
    new X509Certificate(first[0]);
  } catch (err) {
    return `${file}: the certificate does not parse (${(err as Error).message})`;
  }
  return null;
}
