/**
 * What a License Server keeps of its mode and its Cloud across restarts (docs/settings.md, "Kept
 * across restarts"):
 * - once it enrolls, the mode and Cloud settings its start flags gave are saved in `server.conf`
 *   (through the settings service, audited), so a restart without the flags keeps them;
 * - the mode it last ran in is kept in the meta table, so a start in another mode says so: a
 *   warning in its log and a notice on the Dashboard, naming both modes and where the new one came from.
 */
import type { Actor } from '../domain/audit.js';
import { KEY } from '../domain/flexible/flexible-state.js';
import { LICENSING_MODES, type LicensingMode } from '../domain/licensing-mode.js';
import type { SettingKey } from '../domain/settings/catalog.js';
import type { ServerCore } from './core.js';

/** The settings the portal's enrollment command gives, and those that reach the Cloud with them. */
export const ENROLLMENT_KEYS: readonly SettingKey[] = [
  'mode',
  'cloud_nodes',
  'cloud_https',
  'cloud_ca_file',
  'portal_url',
];

/** Who saves them: the audit log shows `settings.set` by this actor. */
export const ENROLLMENT_ACTOR: Actor = { id: 'system:enrollment', role: 'admin' };

/** A start in another mode than the last run's. */
export interface ModeChange {
  from: LicensingMode;
  to: LicensingMode;
  /** Where the mode in force comes from: `flag --mode`, `server.conf` or `default`. */
  source: string;
}

/** Saves the enrollment's flags in `server.conf` once this server enrolls. */
export function keepEnrollmentSettings(core: ServerCore): void {
  core.flexible.onEnrolled(async () => {
    const edits = core.settings.flaggedEdits(ENROLLMENT_KEYS);
    if (Object.keys(edits).length === 0) return;
    try {
      // The Cloud has just answered: no need to ask its nodes whether they do.
      await core.settings.update(ENROLLMENT_ACTOR, edits, { probeCloud: false });
      core.logger.info(
        { saved: edits, file: core.settings.path },
        'enrolled: the mode and Cloud settings given as flags are saved in server.conf, so a restart keeps them',
      );
    } catch (err) {
      core.logger.warn(
        { err, keys: Object.keys(edits) },
        'enrolled, but the mode and Cloud settings could not be saved in server.conf: a restart without the flags loses them',
      );
    }
  });
}

/**
 * Compares the mode in force at this start with the one the server last ran in, records the new
 * one, and logs a warning when they differ. Data directories older than the meta key fall back
 * to the mode the flexible state recorded.
 */
export function noteModeAtStart(core: ServerCore): ModeChange | null {
  const to = core.settings.settings.mode;
  const recorded = core.store.meta.lastMode() ?? core.flexible.repo.state(KEY.mode);
  core.store.meta.setLastMode(to);
  if (!isLicensingMode(recorded) || recorded === to) return null;
  const view = core.settings.view().find((v) => v.key === 'mode');
  const source = view?.source === 'flag' ? 'flag --mode' : view?.source === 'file' ? 'server.conf' : 'default';
  const where =
    source === 'flag --mode'
      ? 'given with --mode'
      : source === 'server.conf'
        ? `set in ${core.settings.path}`
        : `the default: neither --mode nor ${core.settings.path} sets it`;
  core.logger.warn(
    { from: recorded, to, source },
    `the licensing mode changed since the last run: it was ${recorded}, it is ${to} now (${where}); ` +
      `\`tessera config set mode ${recorded}\` goes back`,
  );
  return { from: recorded, to, source };
}

/** Records a live mode switch, so the next start compares with the mode the server ran in last. */
export function noteModeSwitch(core: ServerCore, mode: LicensingMode): void {
  core.store.meta.setLastMode(mode);
}

function isLicensingMode(value: string | undefined): value is LicensingMode {
  return (LICENSING_MODES as readonly (string | undefined)[]).includes(value);
}
