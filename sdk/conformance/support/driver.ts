/**
 * One running driver, spoken to as DRIVER.md says: a JSON line per request, one answer per
 * request (matched by id), events at any time. Anything else the driver prints on stdout is a
 * protocol violation and fails the next request. Stderr is kept for failure messages.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type DriverSpec, REPO_ROOT } from '../drivers.js';

export type Fields = Record<string, unknown>;

/** A success answer: `ok: true` and the op's fields. */
export type Ok = Fields & { id: number; ok: true };
/** A failure answer. */
export interface Failure {
  id: number;
  ok: false;
  code: string;
  message: string;
  line?: number | null;
  [field: string]: unknown;
}
export type Answer = Ok | Failure;

export interface DriverEvent {
  event: 'renewed' | 'lost';
  lease: string;
  [field: string]: unknown;
}

/** How long one request may take: failover over unreachable servers takes a few timeouts. */
const REQUEST_TIMEOUT_MS = 30_000;

const running = new Set<DriverProcess>();
process.on('exit', () => {
  for (const d of running) d.child.kill('SIGKILL');
});

export class DriverProcess {
  readonly events: DriverEvent[] = [];
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private readonly eventWaiters = new Set<() => void>();
  private nextId = 1;
  private stderrText = '';
  private violation: string | undefined;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly spec: DriverSpec,
    readonly child: ChildProcess,
  ) {
    running.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(this);
        this.exitStatus = { code, signal };
        const err = new Error(`the ${spec.name} driver exited (${code ?? signal}) with a request unanswered`);
        for (const p of this.pending.values()) p.reject(this.withStderr(err));
        this.pending.clear();
        for (const wake of this.eventWaiters) wake();
        resolve({ code, signal });
      });
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrText += d;
      if (this.stderrText.length > 64_000) this.stderrText = this.stderrText.slice(-32_000);
    });
    createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
      this.onLine(line),
    );
  }

  /** Starts the driver; a driver that is not built fails here with how to build it. */
  static start(spec: DriverSpec): DriverProcess {
    const missing = spec.missing();
    if (missing) assert.fail(missing);
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const [program, ...args] = spec.command;
    const child = spawn(program!, args, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const driver = new DriverProcess(spec, child);
    child.once('error', (err) => {
      driver.violation = `the ${spec.name} driver could not be started (${spec.command.join(' ')}): ${err.message}`;
    });
    // A write to a driver that died is reported by the request that made it, not as a crash here.
    child.stdin!.on('error', () => undefined);
    return driver;
  }

  get name(): string {
    return this.spec.name;
  }

  /** What the driver wrote on stderr so far. */
  stderr(): string {
    return this.stderrText;
  }

  private withStderr(err: Error): Error {
    const tail = this.stderrText.trim();
    if (tail) err.message += `\n--- ${this.spec.name} driver stderr ---\n${tail.slice(-4000)}`;
    return err;
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let msg: Fields;
    try {
      msg = JSON.parse(line) as Fields;
    } catch {
      this.violation ??= `the ${this.spec.name} driver printed a line that is not JSON: ${line.slice(0, 200)}`;
      return;
    }
    if (typeof msg.event === 'string' && msg.id === undefined) {
      this.events.push(msg as unknown as DriverEvent);
      for (const wake of this.eventWaiters) wake();
      return;
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p || typeof msg.ok !== 'boolean') {
      this.violation ??= `the ${this.spec.name} driver printed a line that answers no request: ${line.slice(0, 200)}`;
      return;
    }
    this.pending.delete(msg.id as number);
    p.resolve(msg as unknown as Answer);
  }

  /** Sends one request and returns its answer, whatever it is. */
  request(op: string, fields: Fields = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Answer> {
    if (this.violation) return Promise.reject(this.withStderr(new Error(this.violation)));
    if (this.exitStatus) {
      const s = this.exitStatus;
      return Promise.reject(
        this.withStderr(new Error(`the ${this.spec.name} driver has exited (${s.code ?? s.signal})`)),
      );
    }
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.withStderr(new Error(`the ${this.spec.name} driver did not answer ${op} within ${timeoutMs} ms`)));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (a) => {
          clearTimeout(timer);
          if (this.violation) reject(this.withStderr(new Error(this.violation)));
          else resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  /** Sends a request that must succeed; a failure answer fails the test with its code and message. */
  async ok(op: string, fields: Fields = {}): Promise<Ok> {
    const a = await this.request(op, fields);
    if (!a.ok) throw this.withStderr(new Error(`${op} ${JSON.stringify(fields)} failed: ${a.code}: ${a.message}`));
    return a;
  }

  /** Sends a request that must fail with `code`; returns the failure. */
  async fails(op: string, fields: Fields, code: string): Promise<Failure> {
    const a = await this.request(op, fields);
    if (a.ok) throw this.withStderr(new Error(`${op} ${JSON.stringify(fields)} answered ok, expected ${code}`));
    if (a.code !== code) {
      throw this.withStderr(
        new Error(`${op} ${JSON.stringify(fields)} failed with ${a.code} (${a.message}), expected ${code}`),
      );
    }
    assert.equal(typeof a.message, 'string', 'a failure carries a message');
    assert.notEqual(a.message.trim(), '', 'the message of a failure is not empty');
    return a;
  }

  /** Waits for the first event (from `from` on) that `match` accepts. */
  async waitForEvent(
    match: (e: DriverEvent) => boolean,
    what: string,
    timeoutMs: number,
    from = 0,
  ): Promise<DriverEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.exitStatus) throw this.withStderr(new Error(`the ${this.spec.name} driver exited before ${what}`));
      const left = deadline - Date.now();
      if (left <= 0) {
        throw this.withStderr(
          new Error(
            `no ${what} from the ${this.spec.name} driver within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`,
          ),
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.eventWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.eventWaiters.add(wake);
      });
    }
  }

  /** Closes stdin (the driver must close its client and exit 0) and waits for the exit. */
  async closeStdin(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  /** `kill -9`, and wait for the exit. */
  async kill9(): Promise<void> {
    if (!this.exitStatus) this.child.kill('SIGKILL');
    await this.exited;
  }
}
