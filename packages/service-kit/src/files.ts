import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file so that a crash leaves the old content or the new, never a torn file: temp
 * file, fsync, rename, fsync the directory. With `exclusive`, refuses to replace an existing
 * file (O_EXCL on the final name).
 */
export function writeFileAtomic(path: string, data: string, mode: number, opts?: { exclusive?: boolean }): void {
  if (opts?.exclusive) {
    const fd = openSync(path, 'wx', mode);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDir(dirname(path));
    return;
  }
  stageFileAtomic(path, data, mode).commit();
}

/** A new file content on disk under a temporary name, not yet in place. */
export interface StagedFile {
  /** Puts it in place (a rename: it needs no new space). */
  commit(): void;
  /** Drops it; the file keeps its old content. */
  abort(): void;
}

/**
 * The first half of {@link writeFileAtomic}: the new content is written and synced to a
 * temporary file, where a full disk shows (ENOSPC) without touching the file. A caller that
 * must also write elsewhere (an audit entry) does that in between, and commits or aborts.
 */
export function stageFileAtomic(path: string, data: string, mode: number): StagedFile {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeFile(tmp);
    throw err;
  }
  return {
    commit() {
      try {
        renameSync(tmp, path);
      } catch (err) {
        removeFile(tmp);
        throw err;
      }
      fsyncDir(dirname(path));
    },
    abort() {
      removeFile(tmp);
    },
  };
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  }
}

/** A small text file's trimmed content, or undefined when it is missing or not a file. */
export function readTextFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}
