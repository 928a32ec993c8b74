/** `tessera vendor keygen`: a vendor signing key pair, offline. */
import type { Command } from 'commander';
import { Output } from '../../output.js';
import { makeVendorKeyFiles } from '../../vendor-files.js';
import { examples, jsonOption } from '../common.js';

export function registerKeygen(vendor: Command): void {
  const keygen = vendor
    .command('keygen')
    .description('make a vendor signing key pair: DIR/vendor.key (private, 0600) and DIR/vendor.pub (public, 0644)')
    .requiredOption('--out <dir>', 'directory for vendor.key and vendor.pub (made if missing; existing keys are kept)');
  jsonOption(keygen);
  keygen.addHelpText(
    'after',
    '\nKeep vendor.key secret: it signs licenses. A License Server trusts vendor.pub when it is in\n' +
      'its shipped keyring, or when started with --vendor-key vendor.pub (development and tests).\n',
  );
  examples(keygen, [
    '$ tessera vendor keygen --out ./vendor-keys',
    '$ tessera vendor keygen --out ./vendor-keys --json',
  ]);
  keygen.action(async (flags: { out: string; json?: boolean }) => {
    const keys = await makeVendorKeyFiles(flags.out);
    new Output(!!flags.json).result({ id: keys.kid, privateKey: keys.privateKey, publicKey: keys.publicKey }, (d) => [
      `vendor key ${d.id}`,
      `  private key ${d.privateKey} (keep it secret)`,
      `  public key  ${d.publicKey}`,
    ]);
  });
}
