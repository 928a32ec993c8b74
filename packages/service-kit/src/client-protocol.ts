/**
 * The JSON schemas of the client protocol v1 (docs/protocol.md): what a License Server's client API
 * and a Cloud licensing node both accept and answer, so the two cannot drift apart.
 */

/** `POST /v1/leases` body. */
export const checkoutBodySchema = {
  type: 'object',
  required: ['feature', 'client'],
  properties: {
    feature: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
    count: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    client: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 128 },
        host: { type: 'string', maxLength: 255 },
        app: { type: 'string', maxLength: 128 },
        version: { type: 'string', maxLength: 64 },
        releaseDate: { type: 'string', format: 'date' },
      },
    },
  },
} as const;

/** `POST /v1/leases` answer (201). */
export const leaseSchema = {
  type: 'object',
  required: ['leaseId', 'feature', 'count', 'licenseId', 'expiresAt', 'heartbeatSeconds', 'leaseSeconds', 'poolId'],
  properties: {
    leaseId: { type: 'string' },
    feature: { type: 'string' },
    count: { type: 'integer' },
    licenseId: { type: 'string', description: 'the license (or subscription entitlement) the seats come from' },
    expiresAt: { type: 'string', format: 'date-time' },
    heartbeatSeconds: { type: 'number' },
    leaseSeconds: { type: 'number' },
    poolId: { type: 'string' },
  },
} as const;

/** The `{id}` of `/v1/leases/{id}/...`. */
export const leaseParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** `POST /v1/leases/{id}/heartbeat` answer (200). */
export const heartbeatSchema = {
  type: 'object',
  required: ['expiresAt'],
  properties: { expiresAt: { type: 'string' } },
} as const;

/** `GET /v1/features` answer (200). */
export const featuresSchema = {
  type: 'object',
  required: ['poolId', 'features'],
  properties: {
    poolId: { type: 'string' },
    features: {
      type: 'array',
      items: {
        type: 'object',
        required: ['feature', 'total', 'inUse', 'available', 'licenses'],
        properties: {
          feature: { type: 'string' },
          total: { type: 'integer' },
          inUse: { type: 'integer' },
          available: { type: 'integer' },
          licenses: {
            type: 'array',
            items: {
              type: 'object',
              required: ['licenseId', 'count', 'inUse', 'expires', 'maintenanceUntil'],
              properties: {
                licenseId: { type: 'string' },
                count: { type: 'integer' },
                inUse: { type: 'integer' },
                expires: { type: ['string', 'null'] },
                maintenanceUntil: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
    },
  },
} as const;
