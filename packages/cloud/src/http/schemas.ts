/**
 * The pieces of the vendor API's route schemas that several routes share (TypeBox). The views
 * its answers carry are written once in domain/views.ts; a route's own shapes stay in its file.
 * They validate requests, shape the responses (fastify serializes with them: a field missing
 * here is not sent) and make the OpenAPI document.
 */
import { MAX_DOCUMENT_BYTES, MAX_FEATURE_COUNT } from '@tessera/core';
import { errorSchema, type TSchema, Type } from '@tessera/service-kit';

export const date = Type.String({ format: 'date' });
export const dateOrNull = Type.Union([date, Type.Null()]);

export const featureNameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
export const idParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
/** A customer id in a query or body. */
export const customerIdField = Type.String({ maxLength: 128 });
/** `?customerId=`: vendor staff name a customer, a customer's user sees its own. */
export const customerQuery = Type.Object({ customerId: Type.Optional(customerIdField) });

export const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  503: errorSchema,
};

export const featureRequestSchema = Type.Array(
  Type.Object(
    {
      name: featureNameSchema,
      count: Type.Integer({ minimum: 1, maximum: MAX_FEATURE_COUNT }),
      entitlementId: Type.Optional(Type.String({ maxLength: 128 })),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 100 },
);

/** A body of one field holding a signed document's text. */
export const documentBody = <const F extends string>(field: F, what: string) =>
  Type.Object(
    { [field]: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_BYTES, description: what }) } as {
      [K in F]: ReturnType<typeof Type.String>;
    },
    { additionalProperties: false },
  );

export const listOf = <T extends TSchema>(items: T) => Type.Array(items);
