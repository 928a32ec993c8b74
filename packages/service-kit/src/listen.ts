import { TesseraError } from '@tessera/core';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:PORT`); port 0 asks the OS for a free port. */
export function parseListen(value: string, what: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new TesseraError('BAD_REQUEST', `${what} must be HOST:PORT (port 0-65535), got "${value}"`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function urlOf(scheme: 'http' | 'https', host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
