/**
 * License server addresses as written in `LICENSE_SERVERS`: `host:port`, `host`, `[v6]:port`,
 * `http://host:port` or `https://host:port`. Portable (no Node APIs).
 */

/**
 * A piece of a config file as a message quotes it: JSON-escaped (a control character cannot
 * reach a terminal) and cut to a readable length (a file may hold a megabyte on one line).
 */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** One license server the SDK may talk to, in the form the transport needs. */
export interface ServerAddress {
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
  port: number;
  /** True for `https://` entries. */
  secure: boolean;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:7569`; also how results name the server. */
  url: string;
}

/** The License Server's client API port (docs/protocol.md); used when a bare `host` has no port. */
export const DEFAULT_PORT = 7569;

const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

/** True for a DNS name or IPv4 address (checked label by label, as DNS does). */
function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  return labels.every((l) => LABEL_RE.test(l));
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True when traffic to this server never leaves the machine, so plain HTTP exposes nothing. */
export function isLoopback(server: ServerAddress): boolean {
  return isLoopbackHost(server.host);
}

/**
 * Parses one server entry. Returns the address, or a sentence saying what is wrong (the
 * config parser prefixes it with file and line; {@link parseServerAddress} throws it).
 */
export function tryParseServerAddress(entry: string): ServerAddress | string {
  const text = entry.trim();
  if (text === '') return 'empty server address';
  let secure = false;
  let defaultPort = DEFAULT_PORT;
  let rest = text;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https')
      return `unsupported scheme ${quoted(`${scheme[1]}://`)} (use http:// or https://)`;
    secure = name === 'https';
    // A URL means what URLs mean: without a port, http is 80 and https is 443.
    defaultPort = secure ? 443 : 80;
    rest = text.slice(scheme[0].length);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    // Paths, queries and user info are refused rather than guessed at: the SDK appends /v1/... to the origin.
    if (/[/?#@]/.test(rest)) return 'a server URL must be just scheme://host:port';
  } else if (/[/?#@]/.test(rest)) {
    return 'expected host:port, http://host:port or https://host:port';
  }

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return 'unterminated IPv6 address (missing "]")';
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return `unexpected ${quoted(after)} after IPv6 address`;
    portText = after === '' ? undefined : after.slice(1);
    if (!host.includes(':') || !IPV6_RE.test(host)) return `invalid IPv6 address ${quoted(host)}`;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon)
      return 'an IPv6 address must be written in brackets, e.g. [::1]:7569';
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
    if (!isHostName(host)) return `invalid host ${quoted(host)}`;
  }

  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return `port must be 1..65535, got ${quoted(portText)}`;
    port = Number(portText);
    if (port < 1 || port > 65535) return `port must be 1..65535, got ${quoted(portText)}`;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { host, port, secure, url: `${secure ? 'https' : 'http'}://${urlHost}:${port}` };
}

/**
 * Parses one server address, for configuring a client in code.
 *
 * @throws RangeError when the entry is malformed.
 * @example
 * parseServerAddress('licenses.example.com:7569');
 * // { host: 'licenses.example.com', port: 7569, secure: false, url: 'http://licenses.example.com:7569' }
 */
export function parseServerAddress(entry: string): ServerAddress {
  const r = tryParseServerAddress(entry);
  if (typeof r === 'string') throw new RangeError(`server address ${quoted(entry)}: ${r}`);
  return r;
}
