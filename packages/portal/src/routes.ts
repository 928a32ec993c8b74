/**
 * The portal's pages. The Cloud serves index.html at each of these paths (its PORTAL_PAGES
 * list; test/model.test.ts checks that the two agree). `:id` is one path segment.
 */
import type { Role } from './types.js';

export type PageId =
  | 'overview'
  | 'customers'
  | 'customer'
  | 'catalog'
  | 'entitlements'
  | 'servers'
  | 'deployments'
  | 'deployment'
  | 'subscriptions'
  | 'flexible'
  | 'users'
  | 'audit'
  | 'account';

export interface PageDef {
  id: PageId;
  /** The path, with `:id` for a page about one thing. */
  pattern: string;
  title: string;
  /** Who sees the page: vendor staff only, or everyone signed in. */
  vendorOnly: boolean;
  /** The navigation group it is listed under; undefined when it is reached from another page. */
  nav?: 'Vendor' | 'Licensing' | 'Administration' | '';
}

export const PAGES: readonly PageDef[] = [
  { id: 'overview', pattern: '/', title: 'Overview', vendorOnly: false, nav: '' },
  { id: 'customers', pattern: '/customers', title: 'Customers', vendorOnly: true, nav: 'Vendor' },
  { id: 'customer', pattern: '/customers/:id', title: 'Customer', vendorOnly: true },
  { id: 'catalog', pattern: '/catalog', title: 'Feature catalog', vendorOnly: true, nav: 'Vendor' },
  { id: 'entitlements', pattern: '/entitlements', title: 'Entitlements', vendorOnly: false, nav: 'Licensing' },
  { id: 'servers', pattern: '/servers', title: 'License Servers', vendorOnly: false, nav: 'Licensing' },
  { id: 'deployments', pattern: '/deployments', title: 'Deployments', vendorOnly: false, nav: 'Licensing' },
  { id: 'deployment', pattern: '/deployments/:id', title: 'Deployment', vendorOnly: false },
  { id: 'subscriptions', pattern: '/subscriptions', title: 'Subscriptions', vendorOnly: false, nav: 'Licensing' },
  { id: 'flexible', pattern: '/flexible', title: 'Flexible', vendorOnly: false, nav: 'Licensing' },
  { id: 'users', pattern: '/users', title: 'Users', vendorOnly: false, nav: 'Administration' },
  { id: 'audit', pattern: '/audit', title: 'Audit log', vendorOnly: false, nav: 'Administration' },
  { id: 'account', pattern: '/account', title: 'Account', vendorOnly: false },
];

/** Every path pattern that serves the app. */
export const APP_PATTERNS: readonly string[] = PAGES.map((p) => p.pattern);

export interface Match {
  page: PageDef;
  /** The `:id` segment, decoded. */
  id?: string;
}

/** The page for a location path, or undefined for a path the portal does not have. */
export function matchPath(path: string): Match | undefined {
  const clean = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  for (const page of PAGES) {
    const i = page.pattern.indexOf(':id');
    if (i < 0) {
      if (clean === page.pattern) return { page };
      continue;
    }
    const prefix = page.pattern.slice(0, i);
    const rest = clean.slice(prefix.length);
    if (clean.startsWith(prefix) && rest !== '' && !rest.includes('/')) {
      try {
        return { page, id: decodeURIComponent(rest) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function mayOpen(page: PageDef, role: Role): boolean {
  return !page.vendorOnly || role === 'vendor';
}

/** The navigation, in groups, for a role. */
export function navFor(role: Role): { group: string; pages: PageDef[] }[] {
  const groups: { group: string; pages: PageDef[] }[] = [];
  for (const p of PAGES) {
    if (p.nav === undefined || !mayOpen(p, role)) continue;
    let g = groups.find((x) => x.group === p.nav);
    if (!g) {
      g = { group: p.nav, pages: [] };
      groups.push(g);
    }
    g.pages.push(p);
  }
  return groups;
}

/** A path of a page about one thing: `pathOf('deployment', 'lic_1')` is `/deployments/lic_1`. */
export function pathOf(id: PageId, thing?: string): string {
  const page = PAGES.find((p) => p.id === id) as PageDef;
  return thing === undefined ? page.pattern : page.pattern.replace(':id', encodeURIComponent(thing));
}
