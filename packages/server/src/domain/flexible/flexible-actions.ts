/**
 * The flexible-licensing buttons as actions (Resync Info, Create Report File, Import Sync
 * File, Send Report File), each allowed in its modes. The admin API and the CLI (on a data
 * dir with no server running) run these same methods.
 */
import { decodeDocumentUnverified, TesseraError } from '@tessera/core';
import type { Actor } from '../audit.js';
import { type CloudConnection, postReport } from './cloud-link.js';
import { decodeReportUnverified } from './documents.js';
import type { FlexibleService, FlexibleStatus, ReportMade, SyncApplied } from './flexible-service.js';
import type { OnlineSync } from './online-sync.js';

export class FlexibleActions {
  constructor(
    readonly service: FlexibleService,
    /** The running exchange schedule (modes flexible and pls of a running server). */
    private readonly online: OnlineSync | undefined,
    /** The Cloud nodes and the trust the settings name, in force now. */
    private readonly cloud: () => CloudConnection,
  ) {}

  status(): FlexibleStatus {
    return this.service.status();
  }

  /** Resync Info: exchange a Report for a Sync with the Cloud now. */
  async resync(actor: Actor): Promise<{ applied: SyncApplied; status: FlexibleStatus }> {
    this.service.requireMode('Resync Info', ['flexible', 'pls']);
    let applied: SyncApplied;
    if (this.online) applied = await this.online.resync(actor);
    else {
      const report = await this.service.createReport(actor);
      let sync: string;
      try {
        sync = await postReport(this.cloud(), report.file);
      } catch (err) {
        if (err instanceof TesseraError) this.service.recordFailure(err.code, err.message);
        throw err;
      }
      applied = await this.service.applySync(actor, sync, 'online');
    }
    return { applied, status: this.service.status() };
  }

  /** Create Report File: everything still unacknowledged, signed by this server. */
  createReport(actor: Actor): Promise<ReportMade> {
    this.service.requireMode('Create Report File', ['als', 'flexible', 'pls']);
    return this.service.createReport(actor);
  }

  /** Import Sync File. */
  async importSync(actor: Actor, file: string): Promise<{ applied: SyncApplied; status: FlexibleStatus }> {
    this.service.requireMode('Import Sync File', ['als', 'flexible', 'pls']);
    const applied = await this.service.applySync(actor, file, 'file');
    return { applied, status: this.service.status() };
  }

  /**
   * Send Report File (PLS): forward an ALS's Report to the Cloud, give back its Sync File. The
   * PLS keeps no state of the ALS, but the relay is an admin action: who sent which server's
   * Report (sequence) and what came of it go to the audit log, accepted or refused.
   */
  async relay(actor: Actor, reportFile: string): Promise<{ file: string; serverId: string; sequence: number }> {
    let report: { serverId: string; sequence: number; hours: number } | undefined;
    try {
      this.service.requireMode('Send Report File', ['pls']);
      const claims = decodeReportUnverified(reportFile);
      report = { serverId: claims.serverId, sequence: claims.sequence, hours: claims.usage.length };
      const file = await postReport(this.cloud(), reportFile);
      this.service.recordAudit({
        actor,
        action: 'report.relay',
        target: report.serverId,
        outcome: 'ok',
        detail: { sequence: report.sequence, hours: report.hours, syncCounter: syncCounterOf(file) },
      });
      return { file, serverId: report.serverId, sequence: report.sequence };
    } catch (err) {
      this.service.recordAudit({
        actor,
        action: 'report.relay',
        target: report?.serverId ?? null,
        outcome: `refused:${err instanceof TesseraError ? err.code : 'INTERNAL'}`,
        detail: {
          ...(report && { sequence: report.sequence, hours: report.hours }),
          ...(err instanceof TesseraError && err.reason !== undefined && { reason: err.reason }),
          message: err instanceof Error ? err.message : String(err),
        },
      });
      throw err;
    }
  }
}

/** The Sync's counter, for the audit entry (the ALS verifies the Sync when it imports it). */
function syncCounterOf(file: string): number | null {
  try {
    const { payload } = decodeDocumentUnverified(file);
    const n = (payload as { syncCounter?: unknown }).syncCounter;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}
