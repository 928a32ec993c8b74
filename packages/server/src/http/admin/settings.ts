import { errorSchema, mapOf, oneOf, orNull, type Static, Type, typed } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { SERVER_POLICY } from '../../domain/policy.js';
import { SETTING_KEYS } from '../../domain/settings/catalog.js';
import type { SettingsService } from '../../domain/settings/settings-service.js';

const settingKey = oneOf(SETTING_KEYS);
const apply = oneOf(['live', 'restart']);

const settingView = Type.Object({
  key: settingKey,
  flag: orNull(Type.String()),
  description: Type.String(),
  apply,
  secret: Type.Boolean(),
  default: orNull(Type.String()),
  value: orNull(Type.String({ description: 'in force now (secrets masked)' })),
  saved: orNull(Type.String({ description: 'in the file (secrets masked); null when the file does not set it' })),
  source: oneOf(['default', 'file', 'flag']),
  pinnedBy: orNull(Type.String({ description: 'the start flag that pins the value in force' })),
  restartPending: Type.Boolean({ description: 'a restart-only value differs from the one in force' }),
});

const settingChange = Type.Object({
  key: settingKey,
  old: orNull(Type.String()),
  new: orNull(Type.String()),
  apply,
  pinnedBy: orNull(Type.String()),
});

const byKey = mapOf(Type.String());

const settingsUpdate = Type.Object({
  changes: Type.Array(settingChange),
  warnings: byKey,
  restartNeeded: Type.Array(settingKey),
  settings: Type.Array(settingView),
});

export type SettingView = Static<typeof settingView>;
export type SettingChange = Static<typeof settingChange>;
export type SettingsUpdate = Static<typeof settingsUpdate>;

/** `{ values: { key: "text" | null } }`: null (or "") removes the key, so its default applies. */
const editsBody = Type.Object(
  {
    // Keys are checked by the settings service, which names an unknown one and lists those
    // there are (a schema listing them would say less).
    values: mapOf(orNull(Type.String({ maxLength: SERVER_POLICY.maxSettingValueLength })), {
      minProperties: 1,
      maxProperties: SETTING_KEYS.length,
    }),
  },
  { additionalProperties: false },
);

/** The Settings page and `tessera config`: `DIR/server.conf` under the start flags (Admin role). */
export function registerSettingsRoutes(app: FastifyInstance, settings: SettingsService): void {
  const api = typed(app);
  api.get(
    '/api/v1/settings',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Every setting: the value in force, the saved one, and where it comes from',
        tags: ['settings'],
        response: {
          200: Type.Object({ file: Type.String(), settings: Type.Array(settingView) }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () => ({ file: settings.path, settings: settings.view() }),
  );

  api.post(
    '/api/v1/settings/check',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'What saving these values would say (errors and warnings by key), without saving',
        tags: ['settings'],
        body: editsBody,
        response: {
          200: Type.Object({ errors: byKey, warnings: byKey }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => settings.check(request.body.values),
  );

  api.put(
    '/api/v1/settings',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Save settings to server.conf and apply what applies live; any invalid value changes nothing',
        tags: ['settings'],
        body: editsBody,
        response: { 200: settingsUpdate, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => settings.update(request.actor!, request.body.values),
  );
}
