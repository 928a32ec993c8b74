/**
 * JSON schemas of the vendor API's bodies and answers. They validate requests, shape the
 * responses (fastify serializes with them: a field missing here is not sent) and make the
 * OpenAPI document.
 */
import { MAX_DOCUMENT_BYTES, MAX_FEATURE_COUNT } from '@tessera/core';
import { errorSchema } from '@tessera/service-kit';

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const date = { type: 'string', format: 'date' } as const;
const dateOrNull = { anyOf: [date, { type: 'null' }] } as const;

export const featureNameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } as const;
export const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  503: errorSchema,
} as const;

export const featureSchema = {
  type: 'object',
  properties: { id: str, name: str, description: str, createdAt: str },
} as const;

export const customerSchema = {
  type: 'object',
  properties: { id: str, name: str, poolId: str, createdAt: str },
} as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: str,
    username: str,
    role: { type: 'string', enum: ['vendor', 'customer'] },
    customerId: strOrNull,
    mustChange: { type: 'boolean' },
    createdAt: str,
    password: { type: 'string', description: 'the generated password, shown once (only when none was given)' },
    actor: str,
  },
} as const;

export const entitlementSchema = {
  type: 'object',
  properties: {
    id: str,
    customerId: str,
    type: { type: 'string', enum: ['perpetual', 'flexible', 'subscription'] },
    feature: str,
    count: int,
    used: int,
    available: int,
    maintenanceUntil: strOrNull,
    expires: strOrNull,
    createdAt: str,
    updatedAt: str,
    reissued: {
      type: 'array',
      items: { type: 'object', properties: { licenseId: str, revision: int } },
    },
    revokedLeases: int,
  },
} as const;

export const serverSchema = {
  type: 'object',
  properties: {
    id: str,
    customerId: str,
    hostName: str,
    productVersion: str,
    factors: { type: 'array', items: str },
    registeredAt: str,
    updatedAt: str,
    created: { type: 'boolean' },
  },
} as const;

export const deploymentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the license id' },
    licenseId: str,
    customerId: str,
    serverId: str,
    revision: int,
    status: { type: 'string', enum: ['active', 'returned'] },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: { feature: str, count: int, entitlementId: str, maintenanceUntil: strOrNull, expires: strOrNull },
      },
    },
    revisions: {
      type: 'array',
      items: { type: 'object', properties: { revision: int, issuedAt: str, reason: str } },
    },
    createdAt: str,
    updatedAt: str,
    returnedAt: strOrNull,
    file: { type: 'string', description: 'the license file (.lic) of `revision`' },
    fileName: str,
    changed: { type: 'boolean' },
  },
} as const;

export const returnSchema = {
  type: 'object',
  properties: {
    id: str,
    licenseId: str,
    revision: int,
    serverId: str,
    customerId: str,
    uninstalledAt: str,
    returnedAt: str,
    seats: {
      type: 'array',
      items: { type: 'object', properties: { feature: str, count: int, entitlementId: str } },
    },
  },
} as const;

export const accountSchema = {
  type: 'object',
  properties: {
    id: str,
    username: str,
    customerId: str,
    poolId: str,
    label: str,
    createdAt: str,
    disabledAt: strOrNull,
    password: { type: 'string', description: 'the generated secret, shown once' },
    clientConfig: { type: 'string', description: 'a ready client_property.conf, shown once' },
  },
} as const;

export const featureRequestSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  items: {
    type: 'object',
    required: ['name', 'count'],
    additionalProperties: false,
    properties: {
      name: featureNameSchema,
      count: { type: 'integer', minimum: 1, maximum: MAX_FEATURE_COUNT },
      entitlementId: { type: 'string', maxLength: 128 },
    },
  },
} as const;

export const documentBody = (field: string, what: string) =>
  ({
    type: 'object',
    required: [field],
    additionalProperties: false,
    properties: { [field]: { type: 'string', minLength: 1, maxLength: MAX_DOCUMENT_BYTES, description: what } },
  }) as const;

export const listOf = (items: object) => ({ type: 'array', items }) as const;

export { date, dateOrNull };
