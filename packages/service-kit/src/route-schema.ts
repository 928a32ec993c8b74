/**
 * What the route schemas of both products are written with: TypeBox (`typebox`), so that each
 * request and response shape is written once and gives the validation (our own Ajv, with
 * request-validation.ts's options), the OpenAPI document (@fastify/swagger reads the same
 * objects) and the TypeScript type (`Static<>`, and the handlers' types through
 * {@link TypedApp}). A TypeBox schema is plain JSON Schema: its marks are non-enumerable, so
 * neither Ajv nor the OpenAPI document sees them.
 *
 * The helpers below write a few shapes the way the documents always had them, which TypeBox's
 * own builders would spell differently.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static, TSchema, TUnsafe } from 'typebox';
import { Type } from './typebox-builders.js';

export type { Static, TSchema } from 'typebox';
export { Type } from './typebox-builders.js';

/** `app` with its routes typed by their schemas. */
export function typed(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

/** A Fastify instance whose routes take their request and reply types from their schemas. */
export type TypedApp = ReturnType<typeof typed>;

/** `schema` or null, as `type: [T, "null"]` (OpenAPI 3.0 shows `nullable: true`). */
export function orNull<T extends TSchema & { type: string }>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

/** One of `values`, as `{ type: "string", enum: [...] }`. */
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: { description?: string; default?: V[number] } = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** One of `values`, or null (null is listed in the enum too, as OpenAPI 3.0 needs). */
export function oneOfOrNull<const V extends readonly string[]>(
  values: V,
  options: { description?: string } = {},
): TUnsafe<V[number] | null> {
  return Type.Unsafe<V[number] | null>({ type: ['string', 'null'], enum: [...values, null], ...options });
}

/** An object whose members this API does not describe (they are all sent). */
export const openObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

/** The answer of a 204: no body (`reply.code(204).send()`; the document says `type: "null"`). */
export const noContent = Type.Unsafe<undefined>({ type: 'null' });

/** An object of any keys whose values are `values`, as `additionalProperties: values`. */
export function mapOf<T extends TSchema>(
  values: T,
  options: { minProperties?: number; maxProperties?: number } = {},
): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', ...options, additionalProperties: values });
}
