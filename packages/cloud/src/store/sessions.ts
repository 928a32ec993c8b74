/**
 * Browser sessions of the Dashboard and the Portal, keyed by the hash of their id.
 */

import type { Db } from './repo.js';
import type { SessionRecord } from './rows.js';

export class SessionRepo {
  constructor(private readonly db: Db) {}

  async insert(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        last_seen: s.lastSeen,
      })
      .execute();
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return (
      r && {
        idHash: r.id_hash,
        userId: r.user_id,
        csrfToken: r.csrf_token,
        createdAt: Number(r.created_at),
        lastSeen: Number(r.last_seen),
      }
    );
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen: at }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteOthersOf(userId: string, keepIdHash: string): Promise<number> {
    const r = await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where('id_hash', '<>', keepIdHash)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Ends every session of a user (disabled, deleted, or given a new password). */
  async deleteAllOf(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async prune(idleBefore: number, createdBefore: number): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_seen', '<', idleBefore), eb('created_at', '<', createdBefore)]))
      .execute();
  }
}
