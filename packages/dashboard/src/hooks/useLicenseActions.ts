import { useKeyedAction } from '@tessera/web-kit/action';
import { useRef, useState } from 'react';
import type { ActionId } from '../actions.js';
import type { ActionState } from '../components/ButtonColumn.js';
import { errorNotice, type NoticeData } from '../components/Notice.js';
import { shortId } from '../license-messages.js';
import {
  createReportFile,
  importSyncFile,
  installLicense,
  makeServerIdFile,
  renewLicense,
  resyncNow,
  sendReportFile,
  uninstallLicense,
} from '../license-requests.js';
import type { LicenseView, ServerInfo } from '../types.js';
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
  const { busy, run } = useKeyedAction<ActionId>((err, what) => onNotice(errorNotice(err, what)));
  const [uninstalling, setUninstalling] = useState<LicenseView | null>(null);
  const inputs = useRef<Partial<Record<FileActionId, HTMLInputElement | null>>>({});
  const license = tree.license;

  const act = (id: ActionId, what: string, fn: () => Promise<void>) => run(what, id, fn);

  const c = { tree, loadSync, onNotice };
  const makeServerId = () => act('makeServerId', 'Make Server ID File', () => makeServerIdFile(c));
  const resync = () => act('resync', 'Resync Info', () => resyncNow(c));
  const createReport = () => act('createReport', 'Create Report File', () => createReportFile(c));
  const confirmUninstall = () => {
    const l = uninstalling;
    if (!l) return;
    void act('uninstall', 'Uninstall License', () => uninstallLicense(c, l).finally(() => setUninstalling(null)));
  };
  const sends: Record<FileActionId, (file: File) => Promise<void>> = {
    install: (file) => act('install', 'Install License', () => installLicense(c, file)),
    renew: (file) => act('renew', 'Renew License', () => renewLicense(c, file)),
    importSync: (file) => act('importSync', 'Import Sync File', () => importSyncFile(c, file)),
    sendReport: (file) => act('sendReport', 'Send Report File', () => sendReportFile(c, file)),
  };
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
      ...(portalUrl
        ? {}
        : {
            blocked:
              'No vendor portal address is configured on this server: an admin sets it on the Settings page (Cloud, Portal address).',
          }),
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
