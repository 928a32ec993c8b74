import { errorSchema } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import { SETTING_KEYS } from '../../domain/settings/catalog.js';
import type { SettingEdits, SettingsService } from '../../domain/settings/settings-service.js';

const settingSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    flag: { type: ['string', 'null'] },
    description: { type: 'string' },
    apply: { type: 'string', enum: ['live', 'restart'] },
    secret: { type: 'boolean' },
    default: { type: ['string', 'null'] },
    value: { type: ['string', 'null'] },
    saved: { type: ['string', 'null'] },
    source: { type: 'string', enum: ['default', 'file', 'flag'] },
    pinnedBy: { type: ['string', 'null'] },
    restartPending: { type: 'boolean' },
  },
};

const byKey = { type: 'object', additionalProperties: { type: 'string' } };

/** `{ values: { key: "text" | null } }`: null (or "") removes the key, so its default applies. */
const editsBody = {
  type: 'object',
  required: ['values'],
  additionalProperties: false,
  properties: {
    values: {
      // Keys are checked by the settings service, which names an unknown one and lists those
      // there are (a schema listing them would say less).
      type: 'object',
      minProperties: 1,
      maxProperties: SETTING_KEYS.length,
      additionalProperties: { type: ['string', 'null'], maxLength: SERVER_POLICY.maxSettingValueLength },
    },
  },
};

/** The Settings page and `tessera config`: `DIR/server.conf` under the start flags (Admin role). */
export function registerSettingsRoutes(app: FastifyInstance, settings: SettingsService): void {
  app.get(
    '/api/v1/settings',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Every setting: the value in force, the saved one, and where it comes from',
        tags: ['settings'],
        response: {
          200: {
            type: 'object',
            properties: { file: { type: 'string' }, settings: { type: 'array', items: settingSchema } },
          },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () => ({ file: settings.path, settings: settings.view() }),
  );

  app.post<{ Body: { values: SettingEdits } }>(
    '/api/v1/settings/check',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'What saving these values would say (errors and warnings by key), without saving',
        tags: ['settings'],
        body: editsBody,
        response: {
          200: { type: 'object', properties: { errors: byKey, warnings: byKey } },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => settings.check(request.body.values),
  );

  app.put<{ Body: { values: SettingEdits } }>(
    '/api/v1/settings',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Save settings to server.conf and apply what applies live; any invalid value changes nothing',
        tags: ['settings'],
        body: editsBody,
        response: {
          200: {
            type: 'object',
            properties: {
              changes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    key: { type: 'string' },
                    old: { type: ['string', 'null'] },
                    new: { type: ['string', 'null'] },
                    apply: { type: 'string' },
                    pinnedBy: { type: ['string', 'null'] },
                  },
                },
              },
              warnings: byKey,
              restartNeeded: { type: 'array', items: { type: 'string' } },
              settings: { type: 'array', items: settingSchema },
            },
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => settings.update(request.actor!, request.body.values),
  );
}
