/**
 * The log of a License Server started by the CLI: one readable line per entry on stderr,
 * `2026-01-02T03:04:05.678Z WARN  [admin] message key=value`. The server takes a pino-shaped
 * logger (`warn(obj, msg)`, `child(bindings)`, what Fastify checks for); this is that shape
 * without the JSON, since a person reads it in a terminal. Machine-readable state is in
 * `DIR/server.json`, the admin API and its audit log, not in these lines.
 */
import type { ServerCoreOptions } from '@tessera/server';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/** The logger type the server's options take (pino's), named without importing pino. */
export type ServerLogger = NonNullable<ServerCoreOptions['logger']>;

type Method = (objOrMsg?: unknown, msg?: unknown, ...rest: unknown[]) => void;

interface Sink {
  write(line: string): void;
}

/** The level a logger and its children share, so a new level applies to all of them at once. */
interface LevelHolder {
  level: LogLevel;
}

class LineLogger {
  readonly trace: Method;
  readonly debug: Method;
  readonly info: Method;
  readonly warn: Method;
  readonly error: Method;
  readonly fatal: Method;

  constructor(
    private readonly shared: LevelHolder,
    private readonly bindings: Record<string, unknown>,
    private readonly sink: Sink,
  ) {
    this.trace = this.method('trace');
    this.debug = this.method('debug');
    this.info = this.method('info');
    this.warn = this.method('warn');
    this.error = this.method('error');
    this.fatal = this.method('fatal');
  }

  get level(): LogLevel {
    return this.shared.level;
  }

  /** Sets the level of this logger and every child made from it (a settings change). */
  set level(level: string) {
    if (isLogLevel(level)) this.shared.level = level;
  }

  child(bindings: Record<string, unknown> = {}, opts?: { level?: string }): LineLogger {
    // A child asked for its own level gets its own holder; others follow the parent's.
    const shared = opts?.level && isLogLevel(opts.level) ? { level: opts.level } : this.shared;
    return new LineLogger(shared, { ...this.bindings, ...bindings }, this.sink);
  }

  isLevelEnabled(level: string): boolean {
    return isLogLevel(level) && RANK[level] >= RANK[this.level];
  }

  silent(): void {}

  private method(level: Exclude<LogLevel, 'silent'>): Method {
    return (objOrMsg, msg) => {
      if (RANK[level] < RANK[this.level]) return;
      let fields: Record<string, unknown> = {};
      let message = '';
      if (typeof objOrMsg === 'string') message = objOrMsg;
      else if (objOrMsg instanceof Error) {
        fields = { err: objOrMsg };
        message = typeof msg === 'string' ? msg : objOrMsg.message;
      } else if (objOrMsg && typeof objOrMsg === 'object') {
        fields = objOrMsg as Record<string, unknown>;
        if (typeof msg === 'string') message = msg;
      }
      this.sink.write(this.format(level, message, { ...this.bindings, ...fields }));
    };
  }

  private format(level: string, message: string, fields: Record<string, unknown>): string {
    const { listener, err, req, res, responseTime, ...rest } = fields;
    const parts = [new Date().toISOString(), level.toUpperCase().padEnd(5)];
    if (typeof listener === 'string') parts.push(`[${listener}]`);
    if (message) parts.push(message);
    // Fastify logs its request objects; a line names the request and the answer instead.
    const r = req as { method?: unknown; url?: unknown } | undefined;
    if (typeof r?.method === 'string' && typeof r.url === 'string') parts.push(`${r.method} ${r.url}`);
    const statusCode = (res as { statusCode?: unknown } | undefined)?.statusCode;
    if (typeof statusCode === 'number') parts.push(String(statusCode));
    if (typeof responseTime === 'number') parts.push(`${responseTime.toFixed(1)}ms`);
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined) continue;
      parts.push(`${k}=${typeof v === 'string' ? v : safeJson(v)}`);
    }
    let line = parts.join(' ');
    if (err instanceof Error) {
      line += ` err=${JSON.stringify(err.message)}`;
      if (RANK[this.level] <= RANK.debug && err.stack) line += `\n${err.stack}`;
    }
    return `${line}\n`;
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** A server logger at `level` writing to stderr (or `sink`, for tests). */
export function createServerLogger(level: LogLevel, sink: Sink = process.stderr): ServerLogger {
  // The server only calls the methods LineLogger has; the cast names the type it expects.
  return new LineLogger({ level }, {}, sink) as unknown as ServerLogger;
}
