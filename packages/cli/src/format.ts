/**
 * Human-readable text for what admin commands return. Only presentation: the numbers come
 * from the server as they are.
 */
import type { InstalledLicense } from './admin-target.js';

type Tree = {
  server: { serverId: string; hostName: string; version: string; clockTampered: boolean };
  licenses: InstalledLicense[];
  uninstalled: { licenseId: string; revision: number; uninstalledAt: string }[];
};

/** `asr=10, tts=4` */
export function featureCounts(features: readonly { name: string; count: number }[]): string {
  return features.map((f) => `${f.name}=${f.count}`).join(', ');
}

function seats(n: number): string {
  return `${n} seat${n === 1 ? '' : 's'}`;
}

/** The license tree as `tessera license list` prints it. */
export function formatTree(tree: Tree): string[] {
  const s = tree.server;
  const lines = [`License Server ${s.serverId} on ${s.hostName} (Tessera ${s.version})`];
  if (s.clockTampered) {
    lines.push('  ! the clock is behind time already seen: time-limited seats are refused (CLOCK_TAMPERED)');
  }
  if (tree.licenses.length === 0) lines.push('└─ no licenses installed');
  tree.licenses.forEach((lic, i) => {
    const lastLicense = i === tree.licenses.length - 1;
    const stem = lastLicense ? '   ' : '│  ';
    lines.push(
      `${lastLicense ? '└─' : '├─'} ${lic.licenseId}  rev ${lic.revision}  customer ${JSON.stringify(lic.customer)}` +
        `  ${lic.mode}, installed ${lic.installedAt.slice(0, 10)}`,
    );
    const width = Math.max(...lic.features.map((f) => f.name.length));
    lic.features.forEach((f, j) => {
      const branch = j === lic.features.length - 1 ? '└─' : '├─';
      const expires = f.expired ? `EXPIRED ${f.expires}` : `expires ${f.expires ?? 'never'}`;
      lines.push(
        `${stem}${branch} ${f.name.padEnd(width)}  ${seats(f.count)}, ${f.inUse} in use, ${f.available} available;` +
          ` ${expires}; maintenance until ${f.maintenanceUntil ?? 'no limit'}`,
      );
    });
  });
  if (tree.uninstalled.length > 0) {
    lines.push('Uninstalled (never accepted again on this server):');
    for (const u of tree.uninstalled) lines.push(`  ${u.licenseId}  rev ${u.revision}  at ${u.uninstalledAt}`);
  }
  return lines;
}

/** One license in one line, after install or renew. */
export function formatLicense(verb: string, lic: InstalledLicense): string {
  return `${verb} license ${lic.licenseId} rev ${lic.revision} for ${JSON.stringify(lic.customer)}: ${featureCounts(lic.features)}`;
}
