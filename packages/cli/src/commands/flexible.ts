/**
 * Flexible licensing on a License Server (docs/flexible.md): `tessera resync` (Resync Info),
 * `tessera report create` (Create Report File, ALS), `tessera report send` (Send Report File,
 * PLS), `tessera sync import` (Import Sync File, ALS) and `tessera sync status`.
 */
import { resolve } from 'node:path';
import type { SyncApplied as Applied, FlexibleStatus as Status } from '@tessera/server';
import type { Command } from 'commander';
import { type FlexibleOp, withAdminTarget } from '../admin-target.js';
import { NewFile, PUBLIC_FILE_MODE, readDocumentFile } from '../files.js';
import { Output } from '../output.js';
import { examples, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';

type Flags = TargetFlags & { json?: boolean };

function appliedLines(verb: string, a: Applied): string[] {
  return [
    `${verb} sync ${a.syncCounter}: ${a.licenses} flexible license(s), ${a.seats} seat(s), valid until ${a.validUntil}`,
    `usage acknowledged through ${a.acknowledgedThrough ?? 'nothing yet'}`,
    ...(a.revokedLeases > 0 ? [`${a.revokedLeases} lease(s) lost their seats (SEATS_REDUCED)`] : []),
  ];
}

function statusLines(s: Status): string[] {
  return [
    `server ${s.serverId}, mode ${s.mode}${s.cloudUrls.length > 0 ? `, Cloud ${s.cloudUrls.join(';')}` : ''}`,
    s.enrolled ? 'enrolled' : s.enrollmentPending ? 'not enrolled yet (an enrollment code is waiting)' : 'not enrolled',
    s.lastSync
      ? `last sync ${s.lastSync.syncCounter} at ${s.lastSync.appliedAt} (${s.lastSync.source}), valid until ${s.validUntil}${s.expired ? ' (EXPIRED)' : ''}`
      : 'no sync yet',
    `reports written: ${s.reportSequence}; unacknowledged usage hours: ${s.pendingHours}`,
    ...(s.lastFailure ? [`last failure at ${s.lastFailure.at}: ${s.lastFailure.code}: ${s.lastFailure.message}`] : []),
    ...(s.nextAttemptAt ? [`next attempt at ${s.nextAttemptAt}`] : []),
  ];
}

function run<T>(flags: Flags, command: string, op: FlexibleOp, file?: string): Promise<T & { via: string }> {
  return withAdminTarget(targetOf(flags, command), async (t) => ({
    ...((await t.flexible(op, file)) as T),
    via: t.via,
  }));
}

export function registerFlexibleCommands(program: Command): void {
  const resync = program
    .command('resync')
    .description('Resync Info: exchange a usage Report for a Sync with the Cloud now (modes flexible, pls)');
  targetOptions(resync);
  jsonOption(resync);
  examples(resync, ['$ tessera resync --data /var/lib/tessera']);
  resync.action(async (flags: Flags) => {
    const r = await run<{ applied: Applied; status: Status }>(flags, 'resync', 'resync');
    new Output(!!flags.json).result({ id: String(r.applied.syncCounter), ...r }, (d) =>
      appliedLines('applied', d.applied),
    );
  });

  const report = program
    .command('report')
    .description('usage Reports for the Cloud (offline licensing: ALS and PLS)')
    .helpCommand(false);
  examples(report, [
    '$ tessera report create --data /var/lib/tessera --out als-report.json',
    '$ tessera report send als-report.json --data /var/lib/pls --out als.sync',
  ]);

  const create = report
    .command('create')
    .description('Create Report File: all usage not yet acknowledged, signed by this server (ALS)')
    .requiredOption('--out <file>', 'where to write the Report File (must not exist)');
  targetOptions(create);
  jsonOption(create);
  create.addHelpText(
    'after',
    '\nCarry the file to a PLS (`tessera report send`) and bring back the Sync File it gives\n' +
      '(`tessera sync import`). A newer Report covers an older one; restarting the server in\n' +
      'between loses nothing.\n',
  );
  examples(create, ['$ tessera report create --data /var/lib/tessera --out als-report.json']);
  create.action(async (flags: Flags & { out: string }) => {
    const out = NewFile.create(flags.out, PUBLIC_FILE_MODE, 'report file', 'pick another --out');
    let r: { file: string; sequence: number; hours: number; acknowledgedThrough: string | null; via: string };
    try {
      r = await run(flags, 'report create', 'report');
    } catch (err) {
      out.abandon();
      throw err;
    }
    out.fill(r.file);
    const { file: _file, ...rest } = r;
    new Output(!!flags.json).result({ id: String(r.sequence), ...rest, out: resolve(flags.out) }, (d) => [
      `report ${d.sequence} written to ${flags.out}: ${d.hours} usage hour(s) after ${d.acknowledgedThrough ?? 'the beginning'}`,
    ]);
  });

  const send = report
    .command('send')
    .description("Send Report File: forward another server's Report to the Cloud, write the Sync File (PLS)")
    .argument('<file>', 'the Report File an ALS wrote')
    .requiredOption('--out <file>', 'where to write the Sync File (must not exist)');
  targetOptions(send);
  jsonOption(send);
  examples(send, ['$ tessera report send als-report.json --data /var/lib/tessera --out als.sync']);
  send.action(async (file: string, flags: Flags & { out: string }) => {
    const text = readDocumentFile(file, 'report file');
    const out = NewFile.create(flags.out, PUBLIC_FILE_MODE, 'sync file', 'pick another --out');
    let r: { file: string; serverId: string; sequence: number; via: string };
    try {
      r = await run(flags, 'report send', 'relay', text);
    } catch (err) {
      out.abandon();
      throw err;
    }
    out.fill(r.file);
    new Output(!!flags.json).result(
      { id: r.serverId, serverId: r.serverId, sequence: r.sequence, via: r.via, out: resolve(flags.out) },
      (d) => [`sync file for ${d.serverId} (answers report ${d.sequence}) written to ${flags.out}`],
    );
  });

  const sync = program
    .command('sync')
    .description('Sync Files from the Cloud, and the state of flexible licensing')
    .helpCommand(false);
  examples(sync, [
    '$ tessera sync import als.sync --data /var/lib/tessera',
    '$ tessera sync status --data /var/lib/tessera',
  ]);

  const imp = sync
    .command('import')
    .description('Import Sync File: apply a Sync the Cloud made for this server (ALS)')
    .argument('<file>', 'the Sync File');
  targetOptions(imp);
  jsonOption(imp);
  imp.addHelpText(
    'after',
    '\nA Sync already imported, an older one or one for another server is refused and changes nothing.\n',
  );
  examples(imp, ['$ tessera sync import als.sync --data /var/lib/tessera']);
  imp.action(async (file: string, flags: Flags) => {
    const text = readDocumentFile(file, 'sync file');
    const r = await run<{ applied: Applied; status: Status }>(flags, 'sync import', 'import', text);
    new Output(!!flags.json).result({ id: String(r.applied.syncCounter), ...r }, (d) =>
      appliedLines('imported', d.applied),
    );
  });

  const status = sync
    .command('status')
    .description('mode, enrollment, last sync, valid-until, last failure, next attempt');
  targetOptions(status);
  jsonOption(status);
  examples(status, ['$ tessera sync status --data /var/lib/tessera']);
  status.action(async (flags: Flags) => {
    const r = await run<Status>(flags, 'sync status', 'status');
    new Output(!!flags.json).result({ id: r.serverId, ...r }, (d) => statusLines(d));
  });
}
