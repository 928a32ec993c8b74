import { useState } from 'react';
import type { ServerInfo } from '../types.js';

const SOURCE_WORDS: Readonly<Record<string, string>> = {
  'flag --mode': 'the --mode flag it was started with',
  'server.conf': 'server.conf',
  default: 'the default, since neither --mode nor server.conf sets it',
};

/** What the notice says: both modes, and where the one in force came from. */
export function modeChangedText(server: Pick<ServerInfo, 'mode' | 'modeChangedFrom' | 'modeSource'>): string {
  const source = SOURCE_WORDS[server.modeSource ?? 'default'] ?? server.modeSource;
  return (
    `This server now runs in ${server.mode} mode (from ${source}); when it last ran, it was in ${server.modeChangedFrom} mode. ` +
    `If that is not what you meant, set the mode on the Settings page and the server takes it at once.`
  );
}

/**
 * Warns that the server came up in another mode than it last ran in (a restart without the flags that
 * set it, say). Dismissed for the rest of the browser session.
 */
export function ModeChangedNotice({ server }: { server: ServerInfo | null }) {
  const key = server?.modeChangedFrom
    ? `tessera.modeChanged.${server.serverId}.${server.modeChangedFrom}.${server.mode}`
    : '';
  const [dismissed, setDismissed] = useState(() => key !== '' && readFlag(key));
  if (!server?.modeChangedFrom || dismissed || readFlag(key)) return null;
  const dismiss = () => {
    writeFlag(key);
    setDismissed(true);
  };
  return (
    <div className="notice notice-error" role="status" data-testid="mode-changed">
      <div className="notice-body">
        <strong className="notice-action">The licensing mode changed. </strong>
        <span className="notice-text">{modeChangedText(server)}</span>
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss the mode change notice" onClick={dismiss}>
        ×
      </button>
    </div>
  );
}

function readFlag(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(key: string): void {
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    // Storage refused (private mode): the notice is dismissed until the page is loaded again.
  }
}
