/**
 * Human lines for what the Cloud's vendor API answers: entitlements, deployments and accounts.
 */
import type { AccountView, DeploymentView, EntitlementView } from '@tessera/cloud';

/** `ent_…  perpetual  asr  10 seats (3 used, 7 available); maintenance until 2027-03-31, expires never` */
export function entitlementLine(e: EntitlementView): string {
  const used = e.type === 'perpetual' ? 'deployed' : e.type === 'subscription' ? 'in use' : 'allocated';
  return (
    `${e.id}  ${e.type}  ${e.feature}  ${e.count} seat${e.count === 1 ? '' : 's'} (${e.used} ${used}, ${e.available} available);` +
    ` maintenance until ${e.maintenanceUntil ?? 'no limit'}, expires ${e.expires ?? 'never'}`
  );
}

/** A deployment: its license id, revision, server and status, then one line per feature. */
export function deploymentLines(d: DeploymentView, indent = ''): string[] {
  return [
    `${indent}${d.licenseId} rev ${d.revision} on ${d.serverId} (${d.status}${d.returnedAt ? ` ${d.returnedAt}` : ''}) for ${d.customerId}`,
    ...d.lines.map(
      (l) =>
        `${indent}  ${l.feature}: ${l.count} seat${l.count === 1 ? '' : 's'} from ${l.entitlementId};` +
        ` maintenance until ${l.maintenanceUntil ?? 'no limit'}, expires ${l.expires ?? 'never'}`,
    ),
  ];
}

/** What follows an account's id in a line: its label, and when it was disabled. */
export function accountNotes(a: AccountView): string {
  return `${a.label ? `  ${JSON.stringify(a.label)}` : ''}${a.disabledAt ? `  disabled ${a.disabledAt}` : ''}`;
}
