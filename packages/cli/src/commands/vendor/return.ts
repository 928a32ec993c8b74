/** `tessera vendor return`: an uninstall certificate gives a license's seats back, on a running Cloud. */
import type { Command } from 'commander';
import { readDocumentFile } from '../../files.js';
import { cloudCommand } from '../cloud-command.js';

export function registerReturn(vendor: Command): void {
  const ret = vendor
    .command('return')
    .description("an uninstall certificate: the license's seats go back to the customer's entitlements, once")
    .argument('<cert-file>', 'the uninstall certificate (from `tessera license uninstall`)');
  cloudCommand(ret, {
    help:
      '\nThe certificate is verified with the key of the registered server that signed it. A certificate is\n' +
      'taken once (ALREADY_RETURNED after that); the seats can then be deployed on another server.\n',
    examples: [
      '$ tessera vendor return lic_06h2.uninstall --data ./cloud',
      '$ tessera vendor deploy --server srv_NEW --feature asr=10 --out acme-new.lic --data ./cloud',
    ],
    run: async ({ cloud }, file) => {
      const text = readDocumentFile(file, 'uninstall certificate');
      return cloud((api) => api.returnCertificate(text));
    },
    human: (d) => [
      `returned license ${d.licenseId} rev ${d.revision} from ${d.serverId} (${d.id})`,
      ...d.seats.map((s) => `  ${s.feature}: ${s.count} seat${s.count === 1 ? '' : 's'} back to ${s.entitlementId}`),
    ],
  });
}
