import { cpus, totalmem } from 'node:os';
import { bytes } from './stats.js';

/** One line of the result table. `met` is null for a figure that has no goal of its own. */
export interface Row {
  what: string;
  figure: string;
  goal: string;
  met: boolean | null;
}

export interface ScenarioReport {
  rows: Row[];
  /** Details printed above the table (per-N figures, how something was measured). */
  notes: string[];
}

export function row(what: string, figure: string, goal = '—', met: boolean | null = null): Row {
  return { what, figure, goal, met };
}

export function environment(): string[] {
  const cpu = cpus();
  return [
    `node ${process.version} (${process.platform} ${process.arch})`,
    `cpu: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `memory: ${bytes(totalmem())}`,
  ];
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|');
}

/** A markdown table: what | figure | goal | met. */
export function table(rows: readonly Row[]): string {
  const header = ['what', 'figure', 'goal', 'met'];
  const body = rows.map((r) => [r.what, r.figure, r.goal, r.met === null ? '—' : r.met ? 'yes' : 'NO'].map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
