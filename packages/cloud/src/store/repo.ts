/** What every repository of the Cloud's store is built on. */
import type { Kysely } from 'kysely';
import type { CloudDatabase } from './schema.js';

/** The database a repository queries: the pool, or one transaction or connection of it. */
export type Db = Kysely<CloudDatabase>;

/** JSON columns are text on both dialects. */
export const json = (v: unknown): string => JSON.stringify(v);
export const parse = <T>(s: string): T => JSON.parse(s) as T;
