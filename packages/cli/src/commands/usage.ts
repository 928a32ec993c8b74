/**
 * `tessera usage`: the hourly usage a running License Server keeps (peak seats, checkouts, denials,
 * seat-seconds), as a summary, CSV or JSON: what an operator reads to decide whether to buy seats.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { UsageView } from '../admin-target.js';
import { Output } from '../output.js';
import { runningServer } from '../running-server.js';
import { collect, examples, type TargetFlags } from './common.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** One hour of one feature, as `--csv` and `--json` print it. */
interface UsageHour {
  hour: string;
  peak: number;
  denials: number;
  checkouts: number;
  seatSeconds: number;
}

interface UsageFlags extends TargetFlags {
  since: number;
  feature?: string[];
  csv?: boolean;
  json?: boolean;
}

/** `--since`: `YYYY-MM-DD` (local midnight), or a duration back from now: `24h`, `7d`. */
export function sinceOf(value: string, now = Date.now()): number {
  const span = /^(\d{1,4})([hd])$/.exec(value.trim());
  if (span) return now - Number(span[1]) * (span[2] === 'h' ? HOUR_MS : DAY_MS);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (day) {
    const at = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime();
    if (!Number.isNaN(at) && at <= now) return at;
  }
  throw new InvalidArgumentError(
    '--since takes a past date YYYY-MM-DD (local midnight) or a span back from now: 24h, 7d.',
  );
}

export function registerUsageCommand(program: Command): void {
  const usage = program
    .command('usage')
    .description('hourly usage per feature on a running License Server: peak seats, checkouts, denials, seat-hours')
    .option('--data <dir>', 'the data directory of the running License Server')
    .option('--server <url>', 'the admin API of a License Server elsewhere, e.g. http://10.0.0.5:7570')
    .option('--token <token>', 'admin token for --server (DIR/admin.token on that machine)')
    .option('--token-file <file>', 'read the admin token for --server from a file')
    .option(
      '--since <when>',
      'from this date (YYYY-MM-DD, local) or span (24h, 7d); default 7d',
      // Not `sinceOf` itself: commander passes the previous value as a second argument.
      (value: string) => sinceOf(value),
      sinceOf('7d'),
    )
    .option('--feature <name>', 'only this feature (repeatable)', collect)
    .addOption(new Option('--csv', 'one CSV row per feature and hour (hour in UTC, ISO 8601)').conflicts('json'))
    .option('--json', 'print the result as one JSON object');
  examples(usage, [
    '$ tessera usage --data /var/lib/tessera',
    '$ tessera usage --data /var/lib/tessera --since 2026-11-01 --feature asr --csv > asr.csv',
  ]);
  usage.action(async (flags: UsageFlags) => {
    const target = await runningServer(flags, 'usage figures');
    const info = await target.serverInfo();
    const days = Math.max(1, Math.ceil((Date.now() - flags.since) / DAY_MS));
    const features = hoursSince(await target.usage(days), flags.since, flags.feature);
    if (flags.csv) {
      process.stdout.write(csvOf(features));
      return;
    }
    const from = new Date(Math.floor(flags.since / HOUR_MS) * HOUR_MS).toISOString();
    new Output(!!flags.json).result({ id: info.serverId, from, features }, (d) => summary(d.from, d.features));
  });
}

type FeatureHours = { feature: string; licensed: number; hours: UsageHour[] };

/** The hours at or after `since` of the features asked for (all when none is). */
function hoursSince(view: UsageView, since: number, only: readonly string[] | undefined): FeatureHours[] {
  const start = Date.parse(view.from);
  const first = Math.floor(since / HOUR_MS) * HOUR_MS;
  return view.features
    .filter((f) => only === undefined || only.includes(f.feature))
    .map((f) => ({
      feature: f.feature,
      licensed: f.licensed,
      hours: f.peak
        .map((peak, i) => ({
          hour: new Date(start + i * HOUR_MS).toISOString(),
          peak,
          denials: f.denials[i] ?? 0,
          checkouts: f.checkouts[i] ?? 0,
          seatSeconds: f.seatSeconds[i] ?? 0,
        }))
        .filter((h) => Date.parse(h.hour) >= first),
    }));
}

function csvOf(features: readonly FeatureHours[]): string {
  const lines = ['hour,feature,licensed,peak,checkouts,denials,seat_seconds'];
  for (const f of features) {
    for (const h of f.hours) {
      lines.push([h.hour, csvCell(f.feature), f.licensed, h.peak, h.checkouts, h.denials, h.seatSeconds].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A feature name as one CSV cell (RFC 4180 quoting; names are plain, but a file must never break). */
function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function summary(from: string, features: readonly FeatureHours[]): string[] {
  const since = new Date(from).toLocaleString(undefined, { timeZoneName: 'short' });
  if (features.length === 0) return [`no usage recorded since ${since}`];
  const rows = [
    ['FEATURE', 'LICENSED', 'PEAK', 'CHECKOUTS', 'DENIALS', 'SEAT-HOURS'],
    ...features.map((f) => [
      f.feature,
      String(f.licensed),
      String(Math.max(0, ...f.hours.map((h) => h.peak))),
      String(sum(f.hours, 'checkouts')),
      String(sum(f.hours, 'denials')),
      (sum(f.hours, 'seatSeconds') / 3600).toFixed(1),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [
    `usage since ${since} (denials: checkouts refused for lack of seats)`,
    ...rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
  ];
}

function sum(hours: readonly UsageHour[], key: 'checkouts' | 'denials' | 'seatSeconds'): number {
  return hours.reduce((n, h) => n + h[key], 0);
}
