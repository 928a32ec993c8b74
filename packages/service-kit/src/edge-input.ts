/**
 * Rules every listener of both products applies to what arrives, before any handler or
 * credential check sees it.
 *
 * - **Text is text.** A string holding U+0000 (NUL) or an unpaired UTF-16 surrogate is
 *   refused with 400, naming the field: PostgreSQL refuses NUL outright (and failed whole
 *   batches of other customers' checkouts with it), and a lone surrogate cannot be stored as
 *   UTF-8 without turning into something else. Checked in path parameters, query strings,
 *   HTTP Basic credentials (their user name is looked up in the database) and bodies, uploaded
 *   documents included.
 * - **An empty JSON body is no body.** Many HTTP clients send `Content-Type: application/json`
 *   on a DELETE without a body; Fastify refused that with 400.
 */
import { TesseraError } from '@tessera/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const BAD_TEXT_RE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` is not storable text, or undefined when it is. */
export function textProblem(s: string): string | undefined {
  const m = BAD_TEXT_RE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'holds U+0000 (NUL), which no text field may hold'
    : 'holds an unpaired UTF-16 surrogate, which is not text (send well-formed UTF-8)';
}

const IDENTIFIER_RE = /^[A-Za-z_$][\w$]*$/;

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER_RE.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function refuse(field: string, problem: string): never {
  throw new TesseraError('BAD_REQUEST', `invalid request: ${field} ${problem}`, { details: { field } });
}

/** Walks a parsed value (strings, and the keys of objects) and refuses the first bad text. */
export function assertText(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) refuse(path, problem);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertText(value[i], pathOf(path, i));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const problem = textProblem(k);
      if (problem) refuse(`a field name in ${path}`, problem);
      assertText(v, pathOf(path, k));
    }
  }
}

/** The user name and password of an HTTP Basic Authorization header, checked as text. */
function assertBasicCredentials(request: FastifyRequest): void {
  const header = request.headers.authorization ?? '';
  if (header.slice(0, 6).toLowerCase() !== 'basic ') return;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const userProblem = textProblem(user);
  if (userProblem) refuse('the Basic user name', userProblem);
  const passwordProblem = colon < 0 ? undefined : textProblem(decoded.slice(colon + 1));
  if (passwordProblem) refuse('the Basic password', passwordProblem);
}

/**
 * Installs the rules above. Call it before any hook that reads credentials or parameters:
 * hooks run in the order they were added.
 */
export function installInputRules(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    assertText(request.params, 'params');
    assertText(request.query, 'query');
    assertBasicCredentials(request);
  });
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined) assertText(request.body, 'body');
  });
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, text, done);
  });
}
