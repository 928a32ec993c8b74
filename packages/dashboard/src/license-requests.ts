/**
 * What each license button asks of the server and says when it is done: one function per action, given
 * the tree to reload and where notices go. useLicenseActions runs them (busy state, failures as notices).
 */
import { api } from '@tessera/web-kit/api';
import { readDocumentFile } from '@tessera/web-kit/documents';
import { downloadText } from '@tessera/web-kit/files';
import type { NoticeData } from './components/Notice.js';
import type { LicenseTreeState } from './hooks/useLicenseTree.js';
import {
  appliedText,
  installedText,
  relayedText,
  renewedText,
  reportSavedText,
  SERVER_ID_SAVED,
  uninstalledText,
} from './license-messages.js';
import { licenseNodeId, SERVER_NODE } from './tree.js';
import type { LicenseView, ReportMade, SyncApplied } from './types.js';

export interface RequestContext {
  tree: LicenseTreeState;
  /** Loads the sync indicator again (flexible modes). */
  loadSync: () => Promise<void>;
  onNotice: (n: NoticeData) => void;
}

/** Loads what a Sync may have changed: the tree and the indicator. */
async function reloadAfterSync(c: RequestContext): Promise<void> {
  await Promise.all([c.tree.load(), c.loadSync()]);
}

export async function makeServerIdFile(c: RequestContext): Promise<void> {
  const { file } = await api.post<{ file: string }>('/api/v1/server-id-file');
  downloadText('info.bts', file);
  c.onNotice({ kind: 'ok', text: SERVER_ID_SAVED });
}

export async function installLicense(c: RequestContext, file: File): Promise<void> {
  const text = await readDocumentFile(file);
  const l = await api.post<LicenseView>('/api/v1/licenses', { file: text });
  c.onNotice({ kind: 'ok', text: installedText(l) });
  await c.tree.load();
  c.tree.reveal(l.licenseId);
}

export async function renewLicense(c: RequestContext, file: File): Promise<void> {
  const text = await readDocumentFile(file);
  const l = await api.post<LicenseView & { revokedLeases: number }>('/api/v1/licenses/renew', { file: text });
  c.onNotice({ kind: 'ok', text: renewedText(l) });
  await c.tree.load();
  c.tree.select(licenseNodeId(l.licenseId));
}

export async function uninstallLicense(c: RequestContext, l: LicenseView): Promise<void> {
  const r = await api.post<{ certificate: string; revokedLeases: number }>(
    `/api/v1/licenses/${encodeURIComponent(l.licenseId)}/uninstall`,
  );
  downloadText(`${l.licenseId}.uninstall`, r.certificate);
  c.onNotice({ kind: 'ok', text: uninstalledText(l.licenseId, r.revokedLeases) });
  c.tree.select(SERVER_NODE);
  await c.tree.load();
}

export async function resyncNow(c: RequestContext): Promise<void> {
  try {
    const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/resync');
    c.onNotice({ kind: 'ok', text: `Synced with the Cloud: ${appliedText(r.applied)}` });
  } finally {
    await reloadAfterSync(c);
  }
}

export async function createReportFile(c: RequestContext): Promise<void> {
  const r = await api.post<ReportMade>('/api/v1/flexible/report');
  const name = `report-${r.sequence}.report`;
  downloadText(name, r.file);
  c.onNotice({ kind: 'ok', text: reportSavedText(name, r.hours) });
  await c.loadSync();
}

export async function importSyncFile(c: RequestContext, file: File): Promise<void> {
  try {
    const text = await readDocumentFile(file);
    const r = await api.post<{ applied: SyncApplied }>('/api/v1/flexible/sync', { file: text });
    c.onNotice({ kind: 'ok', text: `Imported ${file.name}: ${appliedText(r.applied)}` });
  } finally {
    await reloadAfterSync(c);
  }
}

export async function sendReportFile(c: RequestContext, file: File): Promise<void> {
  const text = await readDocumentFile(file);
  const r = await api.post<{ file: string; serverId: string; sequence: number }>('/api/v1/flexible/relay', {
    file: text,
  });
  const name = `${r.serverId}-${r.sequence}.sync`;
  downloadText(name, r.file);
  c.onNotice({ kind: 'ok', text: relayedText(file.name, name) });
}
