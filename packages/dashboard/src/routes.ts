/**
 * The Dashboard's pages. The server serves index.html at each of these paths (its
 * DASHBOARD_PAGES list; a test checks that the two agree).
 */
import type { Role } from './types.js';

export interface PageDef {
  path: string;
  title: string;
  /** Least role that sees the page in the navigation. */
  role: Role;
}

export const PAGES: readonly PageDef[] = [
  { path: '/licenses', title: 'Licenses', role: 'view' },
  { path: '/sessions', title: 'Sessions', role: 'view' },
  { path: '/usage', title: 'Usage', role: 'view' },
  { path: '/audit', title: 'Audit log', role: 'admin' },
  { path: '/users', title: 'Users', role: 'admin' },
  { path: '/settings', title: 'Settings', role: 'admin' },
  { path: '/account', title: 'Account', role: 'view' },
];

/** `/` shows the license page, as the seed's Dashboard opens on its license tree. */
export const HOME = '/licenses';

/** Every path that serves the app: `/` and each page. */
export const APP_PATHS: readonly string[] = ['/', ...PAGES.map((p) => p.path)];

const RANK: Record<Role, number> = { view: 1, manage: 2, admin: 3 };

export function roleAtLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** The page for a location path; unknown paths show the license page. */
export function pageFor(path: string): PageDef {
  return PAGES.find((p) => p.path === path) ?? (PAGES[0] as PageDef);
}
