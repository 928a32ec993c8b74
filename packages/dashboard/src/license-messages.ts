/** What the license actions say when they succeed: one sentence builder per outcome. */
import { localTime, plural } from '@tessera/web-kit/format';
import type { LicenseView, SyncApplied } from './types.js';

/** `asr × 5, tts × 2` */
export function featureList(license: Pick<LicenseView, 'features'>): string {
  return license.features.map((f) => `${f.name} × ${f.count}`).join(', ');
}

/** `lic_06h2…e330`: enough to tell licenses apart in a narrow column. */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export const SERVER_ID_SAVED =
  'Saved info.bts. Send it to your vendor’s licensing portal to get a license file for this server.';

export function installedText(l: LicenseView): string {
  return `Installed license ${l.licenseId} (${plural(l.features.length, 'feature')}: ${featureList(l)}).`;
}

export function renewedText(l: LicenseView & { revokedLeases: number }): string {
  return `Renewed license ${l.licenseId} to revision ${l.revision}.${l.revokedLeases > 0 ? ` ${plural(l.revokedLeases, 'lease')} lost their seats, since the renewal has fewer.` : ''}`;
}

export function uninstalledText(licenseId: string, revokedLeases: number): string {
  return `Uninstalled license ${licenseId}. Its uninstall certificate, ${licenseId}.uninstall, is downloading: send it to your vendor to get the seats back.${revokedLeases > 0 ? ` ${plural(revokedLeases, 'lease')} lost their seats.` : ''}`;
}

export function appliedText(a: SyncApplied): string {
  return `${plural(a.licenses, 'flexible license')} with ${plural(a.seats, 'seat')}, valid until ${localTime(a.validUntil)}.${a.revokedLeases > 0 ? ` ${plural(a.revokedLeases, 'lease')} lost their seats, since the new counts are lower.` : ''}`;
}

export function reportSavedText(name: string, hours: number): string {
  return `Saved ${name} (${plural(hours, 'usage hour')} not yet acknowledged). Take it to a License Server in PLS mode (Send Report File) and bring back the Sync File it gives you.`;
}

export function relayedText(reportName: string, syncName: string): string {
  return `Sent ${reportName} to the Cloud. Saved the Sync File ${syncName}: import it on that server (Import Sync File).`;
}
