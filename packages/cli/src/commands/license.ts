/**
 * `tessera license install | uninstall | renew | list | certificate`: the Dashboard's license
 * buttons (seed: Install License, Uninstall License, Renew License) and the license tree.
 */
import { resolve } from 'node:path';
import { decodeDocumentUnverified } from '@tessera/core';
import type { Command } from 'commander';
import { withAdminTarget } from '../admin-target.js';
import { NewFile, PUBLIC_FILE_MODE, readDocumentFile } from '../files.js';
import { formatLicense, formatTree } from '../format.js';
import { Output } from '../output.js';
import { examples, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';

type Flags = TargetFlags & { json?: boolean };

export function registerLicenseCommands(program: Command): void {
  const license = program
    .command('license')
    .description('install, uninstall, renew and list licenses of a License Server')
    .helpCommand(false);
  examples(license, [
    '$ tessera license install acme.lic --data /var/lib/tessera',
    '$ tessera license list --data /var/lib/tessera',
    '$ tessera license uninstall lic_01jq... --data /var/lib/tessera --out lic_01jq.uninstall',
  ]);
  registerInstall(license);
  registerUninstall(license);
  registerRenew(license);
  registerList(license);
  registerCertificate(license);
}

function registerInstall(license: Command): void {
  const install = license
    .command('install')
    .description('Install License: a license file signed by the vendor and bound to this server')
    .argument('<file>', 'the license file (.lic)');
  targetOptions(install);
  jsonOption(install);
  examples(install, [
    '$ tessera license install acme.lic --data /var/lib/tessera',
    '$ tessera license install acme.lic --server http://10.0.0.5:7570 --token-file admin.token --json',
  ]);
  install.action(async (file: string, flags: Flags) => {
    const text = readDocumentFile(file, 'license file');
    const { view, via } = await withAdminTarget(targetOf(flags, 'license install'), async (t) => ({
      view: await t.install(text),
      via: t.via,
    }));
    new Output(!!flags.json).result({ id: view.licenseId, via, ...view }, (d) => formatLicense('installed', d));
  });
}

function registerUninstall(license: Command): void {
  const uninstall = license
    .command('uninstall')
    .description('Uninstall License (permanent): removes it and writes the signed uninstall certificate')
    .argument('<license-id>', 'the id of the installed license (see `tessera license list`)')
    .requiredOption('--out <file>', 'where to write the uninstall certificate (must not exist)');
  targetOptions(uninstall);
  jsonOption(uninstall);
  uninstall.addHelpText(
    'after',
    '\nThe license can never be installed on this server again. Seats held under it are revoked:\n' +
      'their clients hear LEASE_GONE (LICENSE_UNINSTALLED) at their next heartbeat. Give the\n' +
      'certificate to the vendor to have the seats issued elsewhere.\n',
  );
  examples(uninstall, [
    '$ tessera license uninstall lic_01jq7y2x0m --data /var/lib/tessera --out lic_01jq7y2x0m.uninstall',
  ]);
  uninstall.action(async (licenseId: string, flags: Flags & { out: string }) => {
    // The file is made before the uninstall, which is permanent: its certificate is never lost
    // to an --out that cannot be written.
    const out = NewFile.create(flags.out, PUBLIC_FILE_MODE, 'certificate file', 'pick another --out');
    let result: { certificate: string; revokedLeases: number; via: string };
    try {
      result = await withAdminTarget(targetOf(flags, 'license uninstall'), async (t) => ({
        ...(await t.uninstall(licenseId)),
        via: t.via,
      }));
    } catch (err) {
      out.abandon();
      throw err;
    }
    out.fill(result.certificate);
    const claims = certificateClaims(result.certificate);
    new Output(!!flags.json).result(
      {
        id: licenseId,
        via: result.via,
        revision: claims.revision,
        uninstalledAt: claims.uninstalledAt,
        certificate: resolve(flags.out),
        revokedLeases: result.revokedLeases,
      },
      (d) => [
        `uninstalled license ${d.id} rev ${d.revision ?? '?'}; certificate written to ${flags.out}`,
        ...(d.revokedLeases > 0 ? [`${d.revokedLeases} lease(s) lost their seats (LICENSE_UNINSTALLED)`] : []),
      ],
    );
  });
}

function registerRenew(license: Command): void {
  const renew = license
    .command('renew')
    .description('Renew License: the same license id with a higher revision and the same binding')
    .argument('<file>', 'the renewed license file (.lic)');
  targetOptions(renew);
  jsonOption(renew);
  examples(renew, ['$ tessera license renew acme-rev2.lic --data /var/lib/tessera']);
  renew.action(async (file: string, flags: Flags) => {
    const text = readDocumentFile(file, 'license file');
    const { view, via } = await withAdminTarget(targetOf(flags, 'license renew'), async (t) => ({
      view: await t.renew(text),
      via: t.via,
    }));
    new Output(!!flags.json).result({ id: view.licenseId, via, ...view }, (d) => [
      formatLicense('renewed', d),
      ...(d.revokedLeases > 0 ? [`${d.revokedLeases} lease(s) lost their seats (SEATS_REDUCED)`] : []),
    ]);
  });
}

function registerList(license: Command): void {
  const list = license
    .command('list')
    .description('the license tree: licenses, features, seats, in use, available, dates');
  targetOptions(list);
  jsonOption(list);
  examples(list, [
    '$ tessera license list --data /var/lib/tessera',
    '$ tessera license list --data /var/lib/tessera --json | jq ".licenses[].licenseId"',
  ]);
  list.action(async (flags: Flags) => {
    const { tree, via } = await withAdminTarget(targetOf(flags, 'license list'), async (t) => ({
      tree: await t.list(),
      via: t.via,
    }));
    new Output(!!flags.json).result({ id: tree.server.serverId, via, ...tree }, (d) => formatTree(d));
  });
}

function registerCertificate(license: Command): void {
  const certificate = license
    .command('certificate')
    .description('write the uninstall certificate of a license uninstalled earlier, again')
    .argument('<license-id>', 'the id of the uninstalled license')
    .requiredOption('--out <file>', 'where to write the certificate (must not exist)');
  targetOptions(certificate);
  jsonOption(certificate);
  examples(certificate, ['$ tessera license certificate lic_01jq7y2x0m --data /var/lib/tessera --out again.uninstall']);
  certificate.action(async (licenseId: string, flags: Flags & { out: string }) => {
    const text = await withAdminTarget(targetOf(flags, 'license certificate'), (t) => t.certificate(licenseId));
    NewFile.create(flags.out, PUBLIC_FILE_MODE, 'certificate file', 'pick another --out').fill(text);
    new Output(!!flags.json).result(
      { id: licenseId, certificate: resolve(flags.out) },
      (d) => `certificate of ${d.id} written to ${flags.out}`,
    );
  });
}

/** What the certificate says (read for display only; the server just signed it). */
function certificateClaims(text: string): { revision?: number; uninstalledAt?: string } {
  try {
    const payload = decodeDocumentUnverified(text).payload as { revision?: number; uninstalledAt?: string };
    return {
      ...(payload.revision !== undefined && { revision: payload.revision }),
      ...(payload.uninstalledAt !== undefined && { uninstalledAt: payload.uninstalledAt }),
    };
  } catch {
    return {};
  }
}
