import { api } from '@tessera/web-kit/api';
import { downloadText } from '@tessera/web-kit/files';
import { useRef, useState } from 'react';
import type { ActionId } from '../actions.js';
import { readTextFile } from '../browser.js';
import type { ActionState } from '../components/ButtonColumn.js';
import { errorNotice, type NoticeData } from '../components/Notice.js';
import {
  appliedText,
  installedText,
  relayedText,
  renewedText,
  reportSavedText,
  SERVER_ID_SAVED,
  shortId,
  uninstalledText,
} from '../license-messages.js';
import { licenseNodeId, SERVER_NODE } from '../tree.js';
import type { LicenseView, ReportMade, ServerInfo, SyncApplied } from '../types.js';
import type { LicenseTreeState } from './useLicenseTree.js';

/** The buttons that first ask for a file (through a hidden file input), then send it. */
export type FileActionId = 'install' | 'renew' | 'importSync' | 'sendReport';

export interface LicenseActionsDeps {
  server: ServerInfo | null;
  tree: LicenseTreeState;
  /** Loads the sync indicator again (flexible modes). */
  loadSync: () => Promise<void>;
  onNotice: (n: NoticeData) => void;
}

export interface LicenseActions {
  /** Each button's state and what pressing it does, for the button column. */
  actions: Partial<Record<ActionId, ActionState>>;
  /** The button whose request is under way; one at a time. */
  busy: ActionId | null;
  /** The license the uninstall dialog asks about; `null` while it is closed. */
  uninstalling: LicenseView | null;
  confirmUninstall: () => void;
  cancelUninstall: () => void;
  /** Where the hidden file inputs register, so their buttons can open them. */
  fileInput: (id: FileActionId) => (el: HTMLInputElement | null) => void;
  /** The user chose `file` in the input of `id` (nothing happens when the choice was cancelled). */
  fileChosen: (id: FileActionId, file: File | undefined) => Promise<void>;
}

/**
 * The license buttons as a small state machine: idle, one action busy (its button shows it), the uninstall
 * confirmation open. Every action ends in a notice: what it did, or why the server refused.
 */
export function useLicenseActions({ server, tree, loadSync, onNotice }: LicenseActionsDeps): LicenseActions {
  const [busy, setBusy] = useState<ActionId | null>(null);
  const [uninstalling, setUninstalling] = useState<LicenseView | null>(null);
  const inputs = useRef<Partial<Record<FileActionId, HTMLInputElement | null>>>({});
  const license = tree.license;

  const act = async (id: ActionId, what: string, fn: () => Promise<void>) => {
    setBusy(id);
    try {
      await fn();
    } catch (err) {
      onNotice(errorNotice(err, what));
    } finally {
      setBusy(null);
    }
  };

  /** Loads what a Sync may have changed: the tree and the indicator. */
  const reloadAfterSync = () => Promise.all([tree.load(), loadSync()]);

  const makeServerId = () =>
    act('makeServerId', 'Make Server ID File', async () => {
      const { file } = await api.post<{ file: string }>('/api/v1/server-id-file');
      downloadText('info.bts', file);
      onNotice({ kind: 'ok', text: SERVER_ID_SAVED });
    });

  const install = (file: File) =>
    act('install', 'Install License', async () => {
      const text = await readTextFile(file);
      const l = await api.post<LicenseView>('/api/v1/licenses', { file: text });
      onNotice({ kind: 'ok', text: installedText(l) });
      await tree.load();
      tree.reveal(l.licenseId);
    });

  const renew = (file: File) =>
    act('renew', 'Renew License', async () => {
      const text = await readTextFile(file);
      const l = await api.post<LicenseView & { revokedLeases: number }>('/api/v1/licenses/renew', { file: text });
      onNotice({ kind: 'ok', text: renewedText(l) });
      await tree.load();
      tree.select(licenseNodeId(l.licenseId));
    });

  const confirmUninstall = () => {
    const l = uninstalling;
    if (!l) return;
    void act('uninstall', 'Uninstall License', async () => {
      try {
        const r = await api.post<{ certificate: string; revokedLeases: number }>(
          `/api/v1/licenses/${encodeURIComponent(l.licenseId)}/uninstall`,
        );
        downloadText(`${l.licenseId}.uninstall`, r.certificate);
        onNotice({ kind: 'ok', text: uninstalledText(l.licenseId, r.revokedLeases) });
        tree.select(SERVER_NODE);
        await tree.load();
      } finally {
        setUninstalling(null);
      }
    });
  };

  const resync = () =>
    act('resync', 'Resync Info', async () => {
      try {
        const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/resync');
        onNotice({ kind: 'ok', text: `Synced with the Cloud: ${appliedText(r.applied)}` });
      } finally {
        await reloadAfterSync();
      }
    });

  const createReport = () =>
    act('createReport', 'Create Report File', async () => {
      const r = await api.post<ReportMade>('/api/v1/flexible/report');
      const name = `report-${r.sequence}.report`;
      downloadText(name, r.file);
      onNotice({ kind: 'ok', text: reportSavedText(name, r.hours) });
      await loadSync();
    });

  const importSync = (file: File) =>
    act('importSync', 'Import Sync File', async () => {
      try {
        const text = await readTextFile(file);
        const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/sync', { file: text });
        onNotice({ kind: 'ok', text: `Imported ${file.name}: ${appliedText(r.applied)}` });
      } finally {
        await reloadAfterSync();
      }
    });

  const sendReport = (file: File) =>
    act('sendReport', 'Send Report File', async () => {
      const text = await readTextFile(file);
      const r = await api.post<{ file: string; serverId: string; sequence: number }>('/api/v1/flexible/relay', {
        file: text,
      });
      const name = `${r.serverId}-${r.sequence}.sync`;
      downloadText(name, r.file);
      onNotice({ kind: 'ok', text: relayedText(file.name, name) });
    });

  const sends: Record<FileActionId, (file: File) => Promise<void>> = { install, renew, importSync, sendReport };
  const pick = (id: FileActionId) => () => inputs.current[id]?.click();
  const portalUrl = server?.portalUrl;

  const actions: Partial<Record<ActionId, ActionState>> = {
    resync: { busy: busy === 'resync', run: () => void resync() },
    createReport: { busy: busy === 'createReport', run: () => void createReport() },
    importSync: { busy: busy === 'importSync', run: pick('importSync') },
    sendReport: { busy: busy === 'sendReport', run: pick('sendReport') },
    makeServerId: { busy: busy === 'makeServerId', run: () => void makeServerId() },
    install: { busy: busy === 'install', run: pick('install') },
    uninstall: {
      busy: busy === 'uninstall',
      ...(license
        ? { note: `Acts on ${shortId(license.licenseId)}` }
        : { blocked: 'Select a license in the tree first.' }),
      run: () => license && setUninstalling(license),
    },
    renew: { busy: busy === 'renew', run: pick('renew') },
    website: {
      ...(portalUrl ? {} : { blocked: 'No vendor portal address is configured on this server (--portal-url).' }),
      run: () => {
        if (portalUrl) window.open(portalUrl, '_blank', 'noopener,noreferrer');
      },
    },
  };

  return {
    actions,
    busy,
    uninstalling,
    confirmUninstall,
    cancelUninstall: () => setUninstalling(null),
    fileInput: (id) => (el) => {
      inputs.current[id] = el;
    },
    fileChosen: async (id, file) => {
      if (file) await sends[id](file);
    },
  };
}
