import { useAction } from '@tessera/web-kit/action';
/**
 * Settings (Admin): every key of the server's `server.conf`, the value in force and where it
 * comes from (default, file, or a start flag that pins it), checked by the server before
 * saving. Live keys apply at once; the page says which ones wait for a restart.
 */

import { ApiError, api } from '@tessera/web-kit/api';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import type { SettingsUpdate, SettingView } from '../types.js';

/** The page's sections, in the order an operator sets a server up. */
const GROUPS: { title: string; keys: string[] }[] = [
  { title: 'Licensing mode', keys: ['mode', 'enrollment_code'] },
  { title: 'Cloud', keys: ['cloud_nodes', 'cloud_https', 'cloud_ca_file', 'sync_time', 'portal_url'] },
  { title: 'Leases', keys: ['lease_seconds', 'heartbeat_seconds'] },
  {
    title: 'Listeners and access',
    keys: ['client_listen', 'admin_listen', 'admin_tls_cert', 'admin_tls_key', 'client_token'],
  },
  { title: 'Logging', keys: ['log_level'] },
];

const CHOICES: Record<string, string[]> = {
  mode: ['perpetual', 'flexible', 'als', 'pls'],
  cloud_https: ['yes', 'no'],
  log_level: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
};

const LABELS: Record<string, string> = {
  mode: 'Mode',
  enrollment_code: 'Enrollment code',
  cloud_nodes: 'Cloud nodes (failover order)',
  cloud_https: 'HTTPS to the Cloud',
  cloud_ca_file: 'Cloud CA file',
  sync_time: 'Preferred sync time (local)',
  portal_url: 'Portal address ("Go To Website")',
  lease_seconds: 'Lease seconds',
  heartbeat_seconds: 'Heartbeat seconds',
  client_listen: 'Client API address',
  admin_listen: 'Admin API address',
  admin_tls_cert: 'Admin TLS certificate',
  admin_tls_key: 'Admin TLS key',
  client_token: 'Client access token',
  log_level: 'Log level',
};

/** What the form holds for a key: the saved text, or '' for "not set (default)". */
function formValue(s: SettingView): string {
  if (s.secret) return '';
  return s.saved ?? '';
}

type Problems = { errors: Record<string, string>; warnings: Record<string, string> };

export function SettingsPage() {
  const [file, setFile] = useState('');
  const [settings, setSettings] = useState<SettingView[] | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [clearToken, setClearToken] = useState(false);
  const [problems, setProblems] = useState<Problems>({ errors: {}, warnings: {} });
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const { busy, run } = useAction((err, what) => {
    // A save refused for its values marks them; the form stays as typed.
    if (err instanceof ApiError && err.code === 'SETTINGS_INVALID') {
      const d = err.details as Partial<Problems>;
      setProblems({ errors: d.errors ?? {}, warnings: d.warnings ?? {} });
      setNotice({ kind: 'error', text: 'Nothing was saved: fix the values marked below.', detail: err.message });
    } else setNotice(errorNotice(err, what));
  });

  // What a failed load's Retry calls (a ref: load cannot name itself as a dependency).
  const again = useRef<() => Promise<void>>(async () => undefined);
  const adopt = useCallback((list: SettingView[]) => {
    setSettings(list);
    setDraft(Object.fromEntries(list.map((s) => [s.key, formValue(s)])));
    setClearToken(false);
  }, []);

  const load = useCallback(async () => {
    try {
      const r = await api.get<{ file: string; settings: SettingView[] }>('/api/v1/settings');
      setFile(r.file);
      adopt(r.settings);
    } catch (err) {
      setNotice(errorNotice(err, 'Loading settings', () => void again.current()));
    }
  }, [adopt]);
  again.current = load;
  useEffect(() => {
    void load();
  }, [load]);

  const pending = editsOf(settings ?? [], draft, clearToken);
  const dirty = Object.keys(pending).length > 0;

  const check = async () => {
    await run('Check', async () => {
      setProblems(await api.post<Problems>('/api/v1/settings/check', { values: pending }));
    });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!dirty) return;
    await run('Save settings', async () => {
      const r = await api.put<SettingsUpdate>('/api/v1/settings', { values: pending });
      adopt(r.settings);
      setProblems({ errors: {}, warnings: r.warnings });
      setNotice({ kind: 'ok', text: summary(r) });
    });
  };

  const byKey = new Map((settings ?? []).map((s) => [s.key, s]));
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p className="sub">
            What this License Server runs with, saved in <code>{file || 'server.conf'}</code>. A flag given to{' '}
            <code>tessera server start</code> wins over the file; such values are marked.
          </p>
        </div>
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      {settings === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <form onSubmit={save} aria-label="Settings" noValidate>
          {GROUPS.map((g) => (
            <section key={g.title} className="card settings-group" aria-labelledby={`group-${g.keys[0]}`}>
              <h2 id={`group-${g.keys[0]}`}>{g.title}</h2>
              {g.keys.map((key) => {
                const s = byKey.get(key);
                return s ? (
                  <SettingField
                    key={key}
                    setting={s}
                    value={draft[key] ?? ''}
                    onChange={(v) => setDraft({ ...draft, [key]: v })}
                    error={problems.errors[key]}
                    warning={problems.warnings[key]}
                    clearToken={clearToken}
                    onClearToken={setClearToken}
                  />
                ) : null;
              })}
            </section>
          ))}
          <div className="settings-actions">
            <button type="button" className="ghost" disabled={busy || !dirty} onClick={() => void check()}>
              Check
            </button>
            <button type="submit" className="primary" disabled={busy || !dirty}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
            <button type="button" className="ghost" disabled={busy || !dirty} onClick={() => adopt(settings)}>
              Discard changes
            </button>
            {dirty && <span className="muted">{Object.keys(pending).length} unsaved change(s)</span>}
          </div>
        </form>
      )}
    </div>
  );
}

/**
 * Only what the form changed, by key: a text value, or null (an emptied field: back to the default).
 * A secret is never shown, so its field sets it when filled and `clearToken` removes it.
 */
function editsOf(
  settings: readonly SettingView[],
  draft: Record<string, string>,
  clearToken: boolean,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const s of settings) {
    const v = (draft[s.key] ?? '').trim();
    if (s.secret) {
      if (clearToken) out[s.key] = null;
      else if (v !== '') out[s.key] = v;
      continue;
    }
    if (v !== formValue(s)) out[s.key] = v === '' ? null : v;
  }
  return out;
}

function summary(r: SettingsUpdate): string {
  if (r.changes.length === 0) return 'Nothing changed: the file already held these values.';
  const now = r.changes.filter((c) => c.apply === 'live' && !c.pinnedBy).map((c) => c.key);
  const parts = [`Saved ${r.changes.map((c) => c.key).join(', ')}.`];
  if (now.length > 0) parts.push(`In force now: ${now.join(', ')}.`);
  if (r.restartNeeded.length > 0) parts.push(`Needs a restart of the server: ${r.restartNeeded.join(', ')}.`);
  const pinned = r.changes.filter((c) => c.pinnedBy);
  for (const c of pinned)
    parts.push(`${c.key} stays as the flag ${c.pinnedBy} sets it until the server starts without it.`);
  return parts.join(' ');
}

function SettingField(props: {
  setting: SettingView;
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
  warning: string | undefined;
  clearToken: boolean;
  onClearToken: (v: boolean) => void;
}) {
  const { setting: s, value, onChange, error, warning } = props;
  const id = `setting-${s.key}`;
  const help = `${id}-help`;
  const choices = CHOICES[s.key];
  const describedBy = [help, error ? `${id}-error` : '', warning ? `${id}-warning` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name: s.key,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
  } as const;
  return (
    <div className={`field setting${error ? ' has-error' : ''}`} data-setting={s.key}>
      <label htmlFor={id}>
        <span className="setting-label">{LABELS[s.key] ?? s.key}</span> <code className="setting-key">{s.key}</code>
      </label>
      <div className="setting-row">
        {choices ? (
          <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">default ({s.default})</option>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...common}
            type={s.secret ? 'password' : 'text'}
            autoComplete={s.secret ? 'new-password' : 'off'}
            placeholder={
              s.secret ? (s.value ? 'set (type a new one to replace it)' : 'not set') : (s.default ?? 'not set')
            }
            value={value}
            disabled={s.secret && props.clearToken}
            onChange={(e) => onChange(e.target.value)}
          />
        )}
        <span className="setting-chips">
          <SourceChip s={s} />
          <span className={`chip ${s.apply === 'live' ? 'chip-ok' : ''}`}>
            {s.apply === 'live' ? 'applies at once' : 'applies at restart'}
          </span>
          {s.restartPending && <span className="chip chip-warn">saved; restart to apply</span>}
        </span>
      </div>
      {s.secret && s.value && (
        <label className="radio">
          <input type="checkbox" checked={props.clearToken} onChange={(e) => props.onClearToken(e.target.checked)} />
          <span>Remove the token (clients need none)</span>
        </label>
      )}
      <small id={help} className="muted">
        {s.description}. In force: <strong>{s.value ?? 'none'}</strong>
        {s.pinnedBy && (
          <>
            {' '}
            — set by the flag <code>{s.pinnedBy}</code>; a saved value applies when the server starts without it
          </>
        )}
      </small>
      {error && (
        <small id={`${id}-error`} className="setting-error" role="alert">
          {error}
        </small>
      )}
      {warning && (
        <small id={`${id}-warning`} className="setting-warning">
          Warning: {warning}
        </small>
      )}
    </div>
  );
}

function SourceChip({ s }: { s: SettingView }) {
  if (s.pinnedBy) return <span className="chip chip-warn">flag {s.pinnedBy}</span>;
  if (s.source === 'file') return <span className="chip">from server.conf</span>;
  return <span className="chip">default</span>;
}
