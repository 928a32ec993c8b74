import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataDirLock, prepareDataDir, readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './data-dir.js';

const MODULE = fileURLToPath(new URL('./data-dir.ts', import.meta.url));
const dirs: string[] = [];
const children = new Set<ChildProcess>();
/** Processes that are not our children (the zombie's holder, started by a shell). */
const orphans = new Set<number>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tessera-lock-test-'));
  dirs.push(d);
  return d;
}

function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

/** The first line a child prints. */
function firstLine(c: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    c.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    c.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    c.once('exit', (code) => reject(new Error(`child exited (${code}) before printing: ${out}${err}`)));
  });
}

/** Node running TypeScript as the test runner does (tsx, our source condition). */
const NODE_TS = [process.execPath, '--conditions=tessera-src', '--import', 'tsx'];
const holderScript = (dir: string) =>
  `import { DataDirLock } from ${JSON.stringify(MODULE)}; DataDirLock.acquire(${JSON.stringify(dir)}, 'test holder'); console.log('held'); setInterval(() => {}, 1000);`;

/** A real process that takes the lock on `dir` and keeps it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const c = track(
    spawn(NODE_TS[0]!, [...NODE_TS.slice(1), '--input-type=module', '-e', holderScript(dir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  assert.equal(await firstLine(c), 'held');
  return c;
}

/** What another process finds when it tries the lock on `dir`: `acquired` or the refusal's code. */
async function probe(dir: string): Promise<string> {
  const script = `import { DataDirLock } from ${JSON.stringify(MODULE)};
    try { DataDirLock.acquire(${JSON.stringify(dir)}, 'probe').release(); console.log('acquired'); }
    catch (e) { console.log(e.code ?? String(e)); }`;
  const c = track(
    spawn(NODE_TS[0]!, [...NODE_TS.slice(1), '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  return firstLine(c);
}

/**
 * A real process that takes the lock on `dir`, releases it when a line arrives on its stdin,
 * and lives on afterwards (so the lock is freed by the release, not by an exit).
 */
async function releasingHolder(dir: string): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const script = `import { DataDirLock } from ${JSON.stringify(MODULE)};
    const lock = DataDirLock.acquire(${JSON.stringify(dir)}, 'test holder'); console.log('held');
    process.stdin.once('data', () => { lock.release(); console.log('released'); });
    setInterval(() => {}, 1000);`;
  const child = track(
    spawn(NODE_TS[0]!, [...NODE_TS.slice(1), '--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const lines: string[] = [];
  let out = '';
  let waiting: (() => void) | undefined;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop()!;
    lines.push(...parts);
    waiting?.();
  });
  const line = (want: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (lines.includes(want)) resolve();
      };
      waiting = check;
      child.once('exit', (code) => reject(new Error(`holder exited (${code}) before printing ${want}`)));
      check();
    });
  await line('held');
  return {
    child,
    release: async () => {
      child.stdin!.write('release\n');
      await line('released');
    },
  };
}

/**
 * True once `pid` is a zombie: every thread has exited (so its files are closed) and only the
 * entry its parent has not reaped is left. (The main thread can show Z a moment before the
 * other threads of a Node process are gone.)
 */
function isZombie(pid: number): boolean {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.every((tid) => /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
  } catch {
    return false;
  }
}

describe('data-dir lock', () => {
  test('a lock file naming a live process that holds no lock does not block (pid reuse after a crash)', async () => {
    const dir = tempDir();
    const unrelated = track(spawn('sleep', ['60'], { stdio: 'ignore' }));
    for (const pid of [unrelated.pid!, process.ppid]) {
      process.kill(pid, 0); // alive
      writeFileSync(join(dir, DataDirLock.FILE), JSON.stringify({ pid, holder: 'tessera server' }));
      const lock = DataDirLock.acquire(dir, 'test');
      const info = JSON.parse(readFileSync(join(dir, DataDirLock.FILE), 'utf8')) as { pid: number; holder: string };
      assert.deepEqual([info.pid, info.holder], [process.pid, 'test'], 'the file now names the real holder');
      lock.release();
    }
    unrelated.kill('SIGKILL');
  });

  test('a holder killed with kill -9 leaves no lock, even while it is still a zombie', async () => {
    const dir = tempDir();
    // The holder's parent is a shell that execs `sleep`, which never reaps it: after kill -9
    // the holder stays a zombie, a pid that `kill(pid, 0)` still finds.
    const script = `${NODE_TS.map((a) => `'${a}'`).join(' ')} --input-type=module -e "$HOLDER" & echo $!; exec sleep 60`;
    const shell = track(
      spawn('sh', ['-c', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOLDER: holderScript(dir) },
      }),
    );
    let out = '';
    const lines = new Promise<string[]>((resolve) => {
      shell.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const l = out.split('\n').filter(Boolean);
        if (l.length >= 2) resolve(l);
      });
    });
    // The shell's `echo $!` and the holder's `held` may come in either order.
    const printed = await lines;
    const pid = Number(printed.find((l) => /^\d+$/.test(l)));
    orphans.add(pid); // killed in `after` should the test fail before it does
    assert.ok(printed.includes('held'), `the holder took the lock: ${printed.join(' | ')}`);
    assert.throws(() => DataDirLock.acquire(dir, 'test'), { code: 'DATA_DIR_LOCKED' });
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 5_000;
    while (!isZombie(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(isZombie(pid), `pid ${pid} is a zombie`);
    process.kill(pid, 0); // still "alive" to a pid check
    const lock = DataDirLock.acquire(dir, 'test');
    lock.release();
    shell.kill('SIGKILL');
  });

  test('two holders exclude each other; the refusal names the holder; the lock is free once it exits', async () => {
    const dir = tempDir();
    const first = await holder(dir);
    assert.throws(
      () => DataDirLock.acquire(dir, 'second'),
      (e: { code?: string; message?: string }) =>
        e.code === 'DATA_DIR_LOCKED' &&
        e.message === `data directory ${dir} is in use by test holder (pid ${first.pid})`,
    );
    // Removing the informational file does not free the lock.
    rmSync(join(dir, DataDirLock.FILE));
    assert.throws(() => DataDirLock.acquire(dir, 'second'), { code: 'DATA_DIR_LOCKED' });
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGTERM');
    await exited;
    const lock = DataDirLock.acquire(dir, 'second');
    assert.throws(() => DataDirLock.acquire(dir, 'third'), { code: 'DATA_DIR_LOCKED' }, 'also within one process');
    lock.release();
    DataDirLock.acquire(dir, 'again').release();
  });

  test('release frees the lock for another process, whichever process held it', async () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, 'test');
    assert.equal(await probe(dir), 'DATA_DIR_LOCKED', 'held by this process, refused to another');
    lock.release();
    assert.equal(await probe(dir), 'acquired', 'free once released, with this process still running');

    const other = await releasingHolder(dir);
    assert.throws(() => DataDirLock.acquire(dir, 'second'), { code: 'DATA_DIR_LOCKED' });
    await other.release();
    assert.equal(other.child.exitCode, null, 'the holder is still running');
    DataDirLock.acquire(dir, 'second').release();
  });

  test('a holder killed with SIGKILL frees the lock once it has exited', async () => {
    const dir = tempDir();
    const first = await holder(dir);
    assert.equal(await probe(dir), 'DATA_DIR_LOCKED');
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    assert.equal(await probe(dir), 'acquired');
    DataDirLock.acquire(dir, 'second').release();
  });

  test('release removes its own lock file, not one a later holder wrote, and is idempotent', () => {
    const dir = tempDir();
    const info = join(dir, DataDirLock.FILE);
    const lock = DataDirLock.acquire(dir, 'test');
    assert.ok(existsSync(info));
    lock.release();
    assert.ok(!existsSync(info), 'its own file is removed');
    lock.release();

    const stale = DataDirLock.acquire(dir, 'first');
    const later = JSON.stringify({ pid: 1, holder: 'someone else', nonce: 'not-ours' });
    writeFileSync(info, later);
    stale.release();
    assert.equal(readFileSync(info, 'utf8'), later, "another holder's file is left alone");
  });

  test('a refusal with no readable lock file names no holder', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, 'test');
    for (const content of [undefined, 'not json', '{"holder":"no pid"}']) {
      if (content === undefined) rmSync(join(dir, DataDirLock.FILE));
      else writeFileSync(join(dir, DataDirLock.FILE), content);
      assert.throws(
        () => DataDirLock.acquire(dir, 'second'),
        (e: { code?: string; message?: string }) =>
          e.code === 'DATA_DIR_LOCKED' && e.message === `data directory ${dir} is in use by another process`,
      );
    }
    lock.release();
  });

  test('the lock database and lock file are private to the owner', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, 'test');
    assert.equal(statSync(join(dir, DataDirLock.LOCK_DATABASE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, DataDirLock.FILE)).mode & 0o777, 0o600);
    lock.release();
  });
});

describe('data directory', () => {
  test('prepareDataDir makes the directory, or tightens an existing one, to mode 0700', () => {
    const base = tempDir();
    const fresh = prepareDataDir(join(base, 'a', 'b'));
    assert.equal(statSync(fresh).mode & 0o777, 0o700);
    const loose = join(base, 'loose');
    prepareDataDir(loose);
    chmodSync(loose, 0o755);
    assert.equal(prepareDataDir(loose), loose);
    assert.equal(statSync(loose).mode & 0o777, 0o700);
  });

  test('a runtime file is removed only by the instance that wrote it', () => {
    const path = join(tempDir(), 'server.json');
    writeRuntimeFile(path, { nonce: 'first' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readRuntimeFile(path), { nonce: 'first' });
    removeRuntimeFile(path, 'second');
    assert.ok(existsSync(path), 'a newer instance does not remove it for another');
    removeRuntimeFile(path, 'first');
    assert.ok(!existsSync(path));
    assert.equal(readRuntimeFile(path), undefined);
  });
});
