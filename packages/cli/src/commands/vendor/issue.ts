/** `tessera vendor issue`: a perpetual license file signed offline, bound to a customer's Server ID file. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Output } from '../../output.js';
import { issueLicenseFile } from '../../vendor-files.js';
import { examples, featureArg, integer, isoDate, jsonOption } from '../common.js';

interface IssueFlags {
  signingKey: string;
  serverId: string;
  feature: string[];
  customer: string;
  maintenanceUntil?: string;
  expires?: string;
  licenseId?: string;
  revision?: number;
  out: string;
  force?: boolean;
  json?: boolean;
}

export function registerIssue(vendor: Command): void {
  const issue = vendor
    .command('issue')
    .description("sign a perpetual license bound to the server of a customer's Server ID file (offline)")
    .requiredOption('--signing-key <file>', 'the vendor private key (vendor.key)')
    .requiredOption('--server-id <file>', "the customer's Server ID file (info.bts)")
    .requiredOption('--feature <name=count...>', 'a feature and its seat count, e.g. asr=10 (repeatable)')
    .option('--customer <name>', 'customer name written into the license', 'unnamed customer')
    .option('--maintenance-until <date>', 'software released after this date (YYYY-MM-DD) is not covered', isoDate)
    .option('--expires <date>', 'last valid day of the seats (YYYY-MM-DD); default: never', isoDate)
    .option('--license-id <id>', 'the license id (default: a new lic_... id); with --revision, makes a renewal')
    .option('--revision <n>', 'revision number (default 1); a renewal needs a higher one', integer('--revision', 1))
    .requiredOption('--out <file>', 'where to write the license file')
    .option('--force', 'overwrite --out if it exists');
  jsonOption(issue);
  examples(issue, [
    '$ tessera vendor issue --signing-key vendor.key --server-id info.bts \\',
    '    --feature asr=10 tts=4 --customer "Acme Corp" --maintenance-until 2027-03-31 --out acme.lic',
    '',
    '# a renewal: same license id, higher revision',
    '$ tessera vendor issue --signing-key vendor.key --server-id info.bts --feature asr=20 \\',
    '    --license-id lic_01jq7y2x0m --revision 2 --out acme-rev2.lic',
  ]);
  issue.action(async (flags: IssueFlags) => {
    const features = flags.feature.map(featureArg);
    const claims = await issueLicenseFile({
      signingKeyFile: flags.signingKey,
      serverIdFile: flags.serverId,
      features,
      customer: flags.customer,
      maintenanceUntil: flags.maintenanceUntil,
      expires: flags.expires,
      licenseId: flags.licenseId,
      revision: flags.revision,
      out: flags.out,
      overwrite: !!flags.force,
    });
    new Output(!!flags.json).result(
      {
        id: claims.licenseId,
        revision: claims.revision,
        customer: claims.customer,
        serverId: claims.binding.serverId,
        features: claims.features,
        issuedAt: claims.issuedAt,
        file: resolve(flags.out),
      },
      (d) => [
        `issued license ${d.id} rev ${d.revision} for ${JSON.stringify(d.customer)}, bound to ${d.serverId}`,
        ...d.features.map(
          (f) =>
            `  ${f.name}: ${f.count} seat${f.count === 1 ? '' : 's'}, expires ${f.expires ?? 'never'},` +
            ` maintenance until ${f.maintenanceUntil ?? 'no limit'}`,
        ),
        `written to ${flags.out}`,
      ],
    );
  });
}
