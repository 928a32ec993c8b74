/**
 * `tessera config get|set|unset`: the License Server's settings (`DIR/server.conf`, docs/settings.md)
 * through the same service the Dashboard's Settings page calls. With a server running on
 * DIR the change goes through its admin API and applies at once where it can; with none, the
 * CLI edits the file under the data dir's lock, audited as `cli:local`.
 */
import type { SettingsUpdate, SettingView } from '@tessera/server';
import type { Command } from 'commander';
import { type SettingsListing, withAdminTarget } from '../admin-target.js';
import { Output, UsageError } from '../output.js';
import { examples, jsonOption, type TargetFlags, targetOf, targetOptions } from './common.js';

type Flags = TargetFlags & { json?: boolean };

function sourceNote(s: SettingView): string {
  if (s.pinnedBy) return `flag ${s.pinnedBy}${s.saved !== null ? ` (file has ${s.saved})` : ''}`;
  if (s.source === 'file') return 'file';
  return 'default';
}

function settingLine(s: SettingView, width: number): string {
  const value = s.value ?? '(none)';
  const notes = [sourceNote(s)];
  if (s.restartPending) notes.push(`saved ${s.saved ?? '(default)'}, applies at the next start`);
  return `${s.key.padEnd(width)}  ${value}  [${notes.join('; ')}]`;
}

function updateLines(u: SettingsUpdate): string[] {
  if (u.changes.length === 0) return ['nothing changed: the file already holds these values'];
  const lines = u.changes.map((c) => {
    const when = c.pinnedBy
      ? `saved; the flag ${c.pinnedBy} keeps the value in force until a start without it`
      : c.apply === 'live'
        ? 'in force now'
        : 'applies at the next start';
    return `${c.key}: ${c.old ?? '(default)'} -> ${c.new ?? '(default)'} (${when})`;
  });
  for (const [key, warning] of Object.entries(u.warnings)) lines.push(`warning: ${key}: ${warning}`);
  return lines;
}

export function registerConfigCommands(program: Command): void {
  const config = program
    .command('config')
    .description("the License Server's settings (DIR/server.conf; flags of `server start` win over it)")
    .helpCommand(false);
  examples(config, [
    '$ tessera config get --data /var/lib/tessera',
    '$ tessera config set mode flexible --data /var/lib/tessera',
  ]);

  const get = config
    .command('get')
    .argument('[key]', 'one setting (default: all)')
    .description('show settings: the value in force and where it comes from (default, file, flag)');
  targetOptions(get);
  jsonOption(get);
  examples(get, ['$ tessera config get --data /var/lib/tessera', '$ tessera config get sync_time --data ./srv --json']);
  get.action(async (key: string | undefined, flags: Flags) => {
    const listing: SettingsListing = await withAdminTarget(targetOf(flags, 'config get'), (t) => t.settings());
    const out = new Output(!!flags.json);
    if (key === undefined) {
      const width = Math.max(...listing.settings.map((s) => s.key.length));
      out.result({ id: listing.file, ...listing }, (d) => [
        `settings of ${d.file} (value in force [where it comes from])`,
        ...d.settings.map((s) => settingLine(s, width)),
      ]);
      return;
    }
    const one = listing.settings.find((s) => s.key === key);
    if (!one) {
      throw new UsageError(`unknown setting "${key}" (known: ${listing.settings.map((s) => s.key).join(', ')})`);
    }
    out.result({ id: one.key, ...one }, (s) => [
      `${s.value ?? '(none)'}`,
      `  from ${sourceNote(s)}${s.restartPending ? `; saved ${s.saved ?? '(default)'} applies at the next start` : ''}`,
      `  ${s.description}`,
    ]);
  });

  const set = config
    .command('set')
    .argument('<key>', 'the setting (`tessera config get` lists them)')
    .argument('<value>', 'its new value')
    .description('save a setting to server.conf; a running server applies it at once unless it needs a restart');
  targetOptions(set);
  jsonOption(set);
  examples(set, [
    '$ tessera config set sync_time 03:30 --data /var/lib/tessera',
    '$ tessera config set cloud_nodes "https://lic1.example.com;https://lic2.example.com" --data ./srv',
    '$ tessera config set mode als --data ./srv --json',
  ]);
  set.action(async (key: string, value: string, flags: Flags) => {
    if (value.trim() === '')
      throw new UsageError(`an empty value: to go back to the default, \`tessera config unset ${key}\``);
    const result = await withAdminTarget(targetOf(flags, 'config set'), (t) => t.updateSettings({ [key]: value }));
    new Output(!!flags.json).result({ id: key, ...result }, updateLines);
  });

  const unset = config
    .command('unset')
    .argument('<key>', 'the setting')
    .description('remove a setting from server.conf, so its default applies');
  targetOptions(unset);
  jsonOption(unset);
  examples(unset, ['$ tessera config unset portal_url --data /var/lib/tessera']);
  unset.action(async (key: string, flags: Flags) => {
    const result = await withAdminTarget(targetOf(flags, 'config unset'), (t) => t.updateSettings({ [key]: null }));
    new Output(!!flags.json).result({ id: key, ...result }, updateLines);
  });
}
