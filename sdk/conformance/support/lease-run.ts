/**
 * `tessera lease run` as a process the scenarios drive: its stdout and stderr kept, signals
 * sent to it, its exit awaited; and small commands for it to run, written in Node so that they
 * behave the same on every machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CLI, REPO_ROOT } from '../../../packages/cli/test/support.js';

export interface LeaseRunProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when something matching `pattern` is on stdout (the command said it is ready). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts `tessera lease run ...args` (the compiled CLI). */
export function leaseRun(args: readonly string[], opts: { cwd?: string; stdin?: string } = {}): LeaseRunProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [CLI, 'lease', 'run', ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of watchers) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(opts.stdin ?? '');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      for (const w of watchers) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(
            new Error(`tessera lease run: no ${pattern} on stdout in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`),
          );
        }, timeoutMs);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            watchers.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            watchers.delete(check);
            reject(new Error(`tessera lease run exited before ${pattern}\nstdout: ${out}\nstderr: ${err}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/**
 * A command that prints `ready`, then waits until `file` exists and exits with `code`. With
 * `trap`, it catches that signal, writes `file.caught` and exits 0 (so a forwarded signal is
 * seen to arrive).
 */
export function waitingCommand(file: string, code = 0, trap?: NodeJS.Signals): string[] {
  const script = [
    "const fs = require('node:fs');",
    'const [file, code, trap] = process.argv.slice(1);',
    "if (trap) process.on(trap, () => { fs.writeFileSync(file + '.caught', trap); process.exit(0); });",
    'setInterval(() => { if (fs.existsSync(file)) process.exit(Number(code)); }, 50);',
    "console.log('ready');",
  ].join(' ');
  return [process.execPath, '-e', script, file, String(code), ...(trap ? [trap] : [])];
}
