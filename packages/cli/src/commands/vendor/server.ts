/** `tessera vendor server register | list`: customers' License Servers, on a running Cloud. */
import type { Command } from 'commander';
import { readDocumentFile } from '../../files.js';
import { type CloudContext, type CloudFlags, cloudCommand, cloudListCommand } from '../cloud-command.js';
import { examples } from '../common.js';

export function registerServers(vendor: Command): void {
  const server = vendor
    .command('server')
    .description("customers' License Servers, registered from their Server ID files")
    .helpCommand(false);
  examples(server, ['$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud']);

  const register = server
    .command('register')
    .description('register a License Server from its Server ID file (info.bts), for perpetual or flexible use')
    .argument('<file>', "the customer's Server ID file (info.bts)")
    .requiredOption('--customer <id>', 'the customer the server belongs to (cus_...)');
  cloudCommand(register, {
    help:
      '\nThe file is verified (signed by the server key it names) before anything is stored. Registering a\n' +
      'known server again for the same customer keeps it and takes the newer hardware factors.\n',
    examples: [
      '$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud',
      '$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud --json',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { customer: string }>, file) => {
      const text = readDocumentFile(file, 'Server ID file');
      return cloud((api) => api.serverRegister(flags.customer, text));
    },
    human: (d) => [
      `${d.created ? 'registered' : 'already registered, updated'} server ${d.id} (host ${d.hostName}, Tessera ${d.productVersion}) for ${d.customerId}`,
      `  hardware factors: ${d.factors.join(', ') || 'none'}`,
    ],
  });

  const list = server
    .command('list')
    .description('registered License Servers')
    .option('--customer <id>', 'only this customer');
  cloudListCommand(list, {
    examples: ['$ tessera vendor server list --customer cus_06h2 --data ./cloud'],
    key: 'servers',
    list: (api, flags: CloudFlags & { customer?: string }) => api.serverList(flags.customer),
    empty: 'no servers registered',
    line: (s) => `${s.id}  host ${s.hostName}  ${s.customerId}  registered ${s.registeredAt.slice(0, 10)}`,
  });
}
