/**
 * Everything the CLI prints goes through here: results on stdout (human text, or one JSON
 * object with `--json`), and failures as one line on stderr, `tessera: <message>`, with the
 * exit code of docs/cli.md (0 success, 1 refused or failed, 2 usage); with `--json` a failure is
 * also an `{"error":{"code","message"}}` object on stdout.
 */

import { ERROR_CATALOG, type ErrorCode, isTesseraError } from '@tessera/core';
import { CommanderError } from 'commander';

/** Exit codes of the `tessera` command. */
export const EXIT = {
  ok: 0,
  /** The action was refused or failed (a TesseraError, an I/O error). */
  failed: 1,
  /** The command line itself is wrong: unknown option, missing argument, bad value. */
  usage: 2,
  /** `tessera lease run`: the seat was refused (a checkout denial), so the command was not run. */
  denied: 3,
} as const;

/**
 * Ends the run with this exit code and prints nothing more: `tessera lease run` passes on the
 * status of the command it ran, having said what it had to say itself.
 */
export class ExitStatus extends Error {
  override readonly name = 'ExitStatus';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** A mistake in the command line. Printed like any error, but exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure the CLI itself detects (a file that cannot be read or written, a server that
 * cannot be reached) when there is no Tessera error code for it.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** How one command prints its result: human text or a JSON object, chosen by `--json`. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  /**
   * Prints the result of a command: `data` as one JSON object with `--json`, else the lines
   * that `human` returns.
   */
  result<T extends { id?: unknown }>(data: T, human: (data: T) => string | string[]): void {
    if (this.json) {
      this.out.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = human(data);
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }
}

/** Writes a note to stderr (progress and hints that are not the result). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * The one line printed for a failure, and the exit code. A TesseraError keeps its message and
 * shows its code, so scripts and people can both tell what went wrong.
 */
export function describeFailure(err: unknown): Failure {
  if (err instanceof UsageError) return failure(CLI_ERROR_CODES.usage, err.message, EXIT.usage);
  if (err instanceof CommanderError) return failure(CLI_ERROR_CODES.usage, stripCommander(err.message), EXIT.usage);
  if (isTesseraError(err)) {
    const message = oneLine(err.message || ERROR_CATALOG[err.code].message);
    // A reason names the refusal more closely (CONFLICT: OVER_ALLOCATION); scripts match either.
    const code = err.reason !== undefined ? `${err.code}: ${err.reason}` : err.code;
    return {
      line: `tessera: ${message} (${code})`,
      exitCode: EXIT.failed,
      error: { code: err.code, message, ...(err.reason !== undefined && { reason: err.reason }) },
    };
  }
  if (err instanceof CliError) return failure(CLI_ERROR_CODES.failed, err.message, EXIT.failed);
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    return failure(e.code, e.message, EXIT.failed);
  }
  const message = err instanceof Error ? err.message : String(err);
  return failure(CLI_ERROR_CODES.unexpected, `unexpected error: ${message}`, EXIT.failed);
}

/**
 * Codes of the failures the CLI finds itself, beside the catalog's (a TesseraError keeps its own
 * code; an I/O error its errno name, e.g. ENOENT).
 */
export const CLI_ERROR_CODES = {
  /** The command line is wrong (exit 2). */
  usage: 'USAGE',
  /** A file could not be read or written, a process could not be reached. */
  failed: 'CLI_FAILED',
  /** A defect: an error nobody described. */
  unexpected: 'UNEXPECTED',
} as const;

/** A failure as printed: the stderr line, the exit code, and the `--json` error object. */
export interface Failure {
  line: string;
  exitCode: number;
  error: { code: string; message: string; reason?: string };
}

function failure(code: string, message: string, exitCode: number): Failure {
  const text = oneLine(message);
  return { line: `tessera: ${text}`, exitCode, error: { code, message: text } };
}

/**
 * With `--json`, a failure is also one JSON object on stdout, `{"error":{"code","message"}}`,
 * so a script reading stdout never has to parse the stderr line.
 */
export function jsonFailure(f: Failure): string {
  return `${JSON.stringify({ error: f.error }, null, 2)}\n`;
}

/** Did the command line ask for `--json` (before any `--`, after which the words are another program's)? */
export function wantsJson(argv: readonly string[]): boolean {
  const words = argv.slice(2);
  const end = words.indexOf('--');
  return (end === -1 ? words : words.slice(0, end)).includes('--json');
}

/** Is `code` one of the catalog's error codes? (An HTTP answer may carry any string.) */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
}

function stripCommander(message: string): string {
  return message.replace(/^error: /, '');
}

/** Folds a message onto one line: the contract is one line on stderr per failure. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
