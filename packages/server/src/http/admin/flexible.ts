import { MAX_DOCUMENT_BYTES } from '@tessera/core';
import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import type { FlexibleActions } from '../../domain/flexible/flexible-actions.js';

const fileBody = {
  type: 'object',
  required: ['file'],
  additionalProperties: false,
  properties: { file: { type: 'string', minLength: 1, maxLength: MAX_DOCUMENT_BYTES } },
};

const anyObject = { type: 'object', additionalProperties: true };
const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  503: errorSchema,
};

/**
 * Flexible licensing (docs/flexible.md): status, Resync Info, Create Report File, Import Sync File
 * and Send Report File. Each action refuses with MODE_MISMATCH outside its modes.
 */
export function registerFlexibleRoutes(app: FastifyInstance, flexible: FlexibleActions): void {
  app.get(
    '/api/v1/flexible/status',
    {
      config: { role: 'view' },
      schema: {
        summary: 'Mode, enrollment, last sync, last failure, valid-until, next attempt',
        tags: ['flexible'],
        response: { 200: anyObject, ...errors },
      },
    },
    async () => flexible.status(),
  );

  app.post(
    '/api/v1/flexible/resync',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Resync Info: exchange a Report for a Sync with the Cloud now (modes flexible, pls)',
        tags: ['flexible'],
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => flexible.resync(request.actor!),
  );

  app.post(
    '/api/v1/flexible/report',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Create Report File: all usage not yet acknowledged, signed by this server',
        tags: ['flexible'],
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => flexible.createReport(request.actor!),
  );

  app.post<{ Body: { file: string } }>(
    '/api/v1/flexible/sync',
    {
      config: { role: 'manage' },
      schema: {
        summary: 'Import Sync File: apply a Sync the Cloud made for this server',
        tags: ['flexible'],
        body: fileBody,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => flexible.importSync(request.actor!, request.body.file),
  );

  app.post<{ Body: { file: string } }>(
    '/api/v1/flexible/relay',
    {
      config: { role: 'manage' },
      schema: {
        summary: "Send Report File (mode pls): forward another server's Report to the Cloud, return the Sync File",
        tags: ['flexible'],
        body: fileBody,
        response: { 200: anyObject, ...errors },
      },
    },
    async (request) => flexible.relay(request.actor!, request.body.file),
  );
}
