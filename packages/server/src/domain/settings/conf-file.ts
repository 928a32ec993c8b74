/**
 * The text of `DIR/server.conf`: one `key = value` per line, `#` starts a comment line, blank
 * lines are ignored. Reading names the line of every mistake; editing keeps the operator's
 * comments and order, changing a key's line in place. Pure: the caller reads and writes the file.
 */
import { TesseraError } from '@tessera/core';
import {
  definitionOf,
  isSettingKey,
  layer,
  quoted,
  type RawSettings,
  resolveSettings,
  SETTING_KEYS,
  SETTINGS,
  type SettingKey,
  SettingProblem,
} from './catalog.js';

export const SETTINGS_FILE = 'server.conf';

export interface ParsedConf {
  values: RawSettings;
  /** 1-based line of each key, for messages. */
  lineOf: Partial<Record<SettingKey, number>>;
}

/** Reads the file's text; a mistake throws SETTINGS_INVALID naming `name:line`. */
export function parseConf(text: string, name: string = SETTINGS_FILE): ParsedConf {
  const values: RawSettings = {};
  const lineOf: ParsedConf['lineOf'] = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${name}:${n}`;
    const eq = line.indexOf('=');
    if (eq < 0) throw invalid(`${at}: expected "key = value", got ${quoted(line)}`, n);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!isSettingKey(key)) {
      throw invalid(`${at}: unknown key ${quoted(key)} (known: ${SETTING_KEYS.join(', ')})`, n);
    }
    if (lineOf[key] !== undefined) throw invalid(`${at}: ${key} is set twice (first on line ${lineOf[key]})`, n);
    if (value === '') throw invalid(`${at}: ${key} has no value (remove the line to use the default)`, n);
    try {
      // Each value on its own; how keys fit together is checked with the flags layered on.
      definitionOf(key).read(value, resolveSettings(layer({}, {})).settings);
    } catch (err) {
      if (err instanceof SettingProblem) throw invalid(`${at}: ${err.message}`, n);
      throw err;
    }
    values[key] = value;
    lineOf[key] = n;
  });
  return { values, lineOf };
}

function invalid(message: string, line: number): TesseraError {
  return new TesseraError('SETTINGS_INVALID', message, { details: { line } });
}

/**
 * The text with `changes` made: a key's line is replaced in place, a null removes it, a new
 * key goes at the end. Comments and other lines stay as they were.
 */
export function editConf(text: string, changes: Partial<Record<SettingKey, string | null>>): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const pending = new Map(Object.entries(changes) as [SettingKey, string | null][]);
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    const key = !line.startsWith('#') && eq > 0 ? line.slice(0, eq).trim() : '';
    if (isSettingKey(key) && pending.has(key)) {
      const value = pending.get(key);
      pending.delete(key);
      if (value !== null && value !== undefined) out.push(`${key} = ${value}`);
      continue;
    }
    out.push(raw);
  }
  for (const [key, value] of pending) if (value !== null) out.push(`${key} = ${value}`);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The file a first start writes: every key commented out with its default and meaning. */
export function confTemplate(): string {
  const lines = [
    '# Tessera License Server settings (docs/settings.md).',
    '# One `key = value` per line; a line starting with # is a comment. Flags of',
    '# `tessera server start` override what is here; the Dashboard (Settings) and',
    '# `tessera config set` edit this file and keep your comments.',
  ];
  for (const d of SETTINGS) {
    lines.push('', `# ${d.description}${d.apply === 'restart' ? ' [applies at the next start]' : ''}`);
    lines.push(`# ${d.key} = ${d.default ?? ''}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
