/**
 * Reading the files a user names and writing the files a command makes. Every output is
 * created with O_EXCL: the CLI never overwrites a key, a license or a certificate by accident.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { CliError } from './output.js';

/** Mode of files others may read: certificates, public keys, licenses, Server ID files. */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of secrets: private keys. */
export const SECRET_FILE_MODE = 0o600;

/** The text of a document file (`.lic`, `info.bts`, ...), refused early when it cannot be one. */
export function readDocumentFile(path: string, what: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliError(`${what} ${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${what} ${path}: ${reason(err)}`);
  }
  if (size > MAX_DOCUMENT_BYTES) {
    throw new CliError(`${what} ${path} is ${size} bytes; no Tessera document is larger than ${MAX_DOCUMENT_BYTES}`);
  }
  return readText(path, what);
}

/** The text of a file, with a one-line error naming it when it cannot be read. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${reason(err)}`);
  }
}

/**
 * A file reserved for a command's output: created empty and exclusively now, filled later.
 * Reserving first means a permanent action (an uninstall) never runs when its result could
 * not be saved; {@link abandon} removes the empty file when the action fails.
 */
export class NewFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Creates `path` with `mode`; refuses when it exists. */
  static create(path: string, mode: number, what: string, hint?: string): NewFile {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CliError(`${path} exists; refusing to overwrite it${hint ? ` (${hint})` : ''}`);
      }
      throw new CliError(`cannot create ${what} ${path}: ${reason(err)}`);
    }
    // The mode given to open() is narrowed by the umask; the file's mode is part of the contract.
    fchmodSync(fd, mode);
    return new NewFile(path, fd);
  }

  /** Writes the content, syncs it to disk and closes the file. */
  fill(data: string): void {
    const fd = this.fd;
    if (fd === undefined) throw new Error(`${this.path} is already written`);
    this.fd = undefined;
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Closes and removes the (still empty) file. */
  abandon(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.path);
    } catch {}
  }
}

/**
 * Writes a new file with `mode`, refusing to overwrite unless `overwrite`. A refusal names the
 * flag that forces it (`forceFlag`) when the command has one.
 */
export function writeNewFile(
  path: string,
  data: string,
  mode: number,
  what: string,
  o: { overwrite?: boolean; forceFlag?: string } = {},
): void {
  if (o.overwrite) {
    try {
      unlinkSync(path);
    } catch {}
  }
  const hint = `remove it first, pick another --out${o.forceFlag ? `, or give ${o.forceFlag} to overwrite it` : ''}`;
  NewFile.create(path, mode, what, o.overwrite ? undefined : hint).fill(data);
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return e?.message ?? String(err);
  }
}
