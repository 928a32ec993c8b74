/**
 * What the settings catalog and flexible licensing both speak of: the licensing mode a
 * License Server runs in (docs/flexible.md) and the local time of day of its scheduled sync.
 * A leaf: it imports nothing, so the catalog and the flexible code can both depend on it
 * without depending on each other.
 */

export const LICENSING_MODES = ['perpetual', 'flexible', 'als', 'pls'] as const;
export type LicensingMode = (typeof LICENSING_MODES)[number];

/** Modes that talk to the Cloud themselves. */
export function isOnlineMode(mode: LicensingMode): boolean {
  return mode === 'flexible' || mode === 'pls';
}

/** Local time of day for the scheduled sync. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}
