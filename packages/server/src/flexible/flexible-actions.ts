/**
 * The flexible-licensing buttons as actions (Resync Info, Create Report File, Import Sync
 * File, Send Report File), each allowed in its modes. The admin API and the CLI (on a data
 * dir with no server running) run these same methods.
 */
import { TesseraError } from '@tessera/core';
import type { Actor } from '../services/audit.js';
import { decodeReportUnverified } from './documents.js';
import type { FlexibleService, FlexibleStatus, ReportMade, SyncApplied } from './flexible-service.js';
import { type OnlineSync, postReport } from './online-sync.js';

export class FlexibleActions {
  constructor(
    readonly service: FlexibleService,
    /** The running exchange schedule (modes flexible and pls of a running server). */
    private readonly online: OnlineSync | undefined,
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
        sync = await postReport(this.service.cloudUrls(), report.file);
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

  /** Send Report File (PLS): forward an ALS's Report to the Cloud, give back its Sync File. */
  async relay(_actor: Actor, reportFile: string): Promise<{ file: string; serverId: string; sequence: number }> {
    this.service.requireMode('Send Report File', ['pls']);
    const report = decodeReportUnverified(reportFile);
    const file = await postReport(this.service.cloudUrls(), reportFile);
    return { file, serverId: report.serverId, sequence: report.sequence };
  }
}
