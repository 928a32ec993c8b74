/**
 * How request schemas are applied, the same on every listener of both products.
 *
 * - **Bodies are never coerced.** Fastify's default Ajv turns `{"name": 1}` into `"1"`, so a
 *   customer named 1 was made from a number; a body whose types are wrong is refused instead.
 * - **Nothing is silently dropped.** Fastify's default removes members a schema does not
 *   declare; we keep them, so a schema with `additionalProperties: false` (every admin and
 *   vendor API body) refuses an unknown field with 400 naming it, and a schema without it (the
 *   client protocol, which ignores unknown fields for forward compatibility) lets it pass.
 * - **Path and query parameters are coerced** from their text (`?limit=10` is the integer 10):
 *   a URL carries only text.
 */
import ValidatorSelector from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, SchemaErrorDataVar } from 'fastify/types/schema.js';

/** Ajv options for bodies, and for the parts of a URL. */
export const REQUEST_VALIDATION_POLICY = {
  body: { coerceTypes: false, removeAdditional: false },
  url: { coerceTypes: 'array', removeAdditional: false },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: the compiler factory's own signature, passed through unchanged
type AnyFn = (...args: any[]) => any;

/**
 * A Fastify `compilersFactory.buildValidator` applying {@link REQUEST_VALIDATION_POLICY}: one
 * Ajv for bodies, one for path, query and headers. `customOptions` are added to both (the
 * License Server skips meta-schema checks of its fixed schemas).
 */
export function buildRequestValidator(externalSchemas: unknown, ajvOptions: unknown): AnyFn {
  const base = (ajvOptions ?? {}) as { customOptions?: Record<string, unknown> };
  const pool = ValidatorSelector();
  const withPart = (part: Record<string, unknown>) =>
    pool(externalSchemas as never, { ...base, customOptions: { ...base.customOptions, ...part } } as never);
  const body = withPart(REQUEST_VALIDATION_POLICY.body);
  const url = withPart(REQUEST_VALIDATION_POLICY.url);
  return (route: { httpPart?: string }) => (route.httpPart === 'body' ? body : url)(route as never);
}

function where(dataVar: SchemaErrorDataVar, instancePath: string): string {
  const part = dataVar === 'querystring' ? 'query' : dataVar;
  return instancePath === '' ? part : `${part}${instancePath.replaceAll('/', '.')}`;
}

/**
 * Fastify's `schemaErrorFormatter`: says where the request is wrong and how, naming an
 * unknown field (Ajv's own message does not).
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const e = errors[0];
  if (!e) return new Error(`${where(dataVar, '')} is invalid`);
  const at = where(dataVar, e.instancePath);
  if (e.keyword === 'additionalProperties') {
    return new Error(`${at} has a field this API does not know: "${String(e.params.additionalProperty)}"`);
  }
  if (e.keyword === 'required') return new Error(`${at} must have the field "${String(e.params.missingProperty)}"`);
  return new Error(`${at} ${e.message ?? 'is invalid'}`);
}
