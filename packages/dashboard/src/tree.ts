/**
 * The license tree as data, and its keyboard behaviour (WAI-ARIA APG tree view pattern):
 * pure, so it is tested without a browser and the component only renders.
 */
import type { FeatureView, LicenseTree, LicenseView } from './types.js';

export type TreeNode =
  | { kind: 'server'; id: string; parentId: null; children: TreeNode[]; tree: LicenseTree }
  | { kind: 'license'; id: string; parentId: string; children: TreeNode[]; license: LicenseView }
  | { kind: 'feature'; id: string; parentId: string; children: TreeNode[]; license: LicenseView; feature: FeatureView };

export const SERVER_NODE = 'server';
export const licenseNodeId = (licenseId: string) => `lic:${licenseId}`;
export const featureNodeId = (licenseId: string, feature: string) => `feat:${licenseId}:${feature}`;

export function buildTree(tree: LicenseTree): TreeNode {
  const root: TreeNode = { kind: 'server', id: SERVER_NODE, parentId: null, children: [], tree };
  for (const license of tree.licenses) {
    const id = licenseNodeId(license.licenseId);
    root.children.push({
      kind: 'license',
      id,
      parentId: SERVER_NODE,
      license,
      children: license.features.map((feature) => ({
        kind: 'feature' as const,
        id: featureNodeId(license.licenseId, feature.name),
        parentId: id,
        license,
        feature,
        children: [],
      })),
    });
  }
  return root;
}

/** Nodes a reader sees, top to bottom, with their depth (1 = the server). */
export function visibleNodes(root: TreeNode, expanded: ReadonlySet<string>): { node: TreeNode; level: number }[] {
  const out: { node: TreeNode; level: number }[] = [];
  const walk = (n: TreeNode, level: number) => {
    out.push({ node: n, level });
    if (n.children.length > 0 && expanded.has(n.id)) for (const c of n.children) walk(c, level + 1);
  };
  walk(root, 1);
  return out;
}

export function findNode(root: TreeNode, id: string): TreeNode | undefined {
  if (root.id === id) return root;
  for (const c of root.children) {
    const hit = findNode(c, id);
    if (hit) return hit;
  }
  return undefined;
}

/** What a key press does: move focus, expand or collapse nodes, or nothing. */
export interface KeyEffect {
  focus?: string;
  expand?: string[];
  collapse?: string;
}

/**
 * Down/Up: next/previous visible node. Right: open a closed node, else go to its first child.
 * Left: close an open node, else go to its parent. Home/End: first/last visible node.
 * `*`: open every sibling of the focused node.
 */
export function keyEffect(
  key: string,
  root: TreeNode,
  expanded: ReadonlySet<string>,
  focusId: string,
): KeyEffect | null {
  const visible = visibleNodes(root, expanded);
  const i = visible.findIndex((v) => v.node.id === focusId);
  if (i < 0) return visible[0] ? { focus: visible[0].node.id } : null;
  const node = visible[i]!.node;
  const isOpen = node.children.length > 0 && expanded.has(node.id);
  switch (key) {
    case 'ArrowDown':
      return i + 1 < visible.length ? { focus: visible[i + 1]!.node.id } : null;
    case 'ArrowUp':
      return i > 0 ? { focus: visible[i - 1]!.node.id } : null;
    case 'ArrowRight':
      if (node.children.length === 0) return null;
      return isOpen ? { focus: node.children[0]!.id } : { expand: [node.id] };
    case 'ArrowLeft':
      if (isOpen) return { collapse: node.id };
      return node.parentId ? { focus: node.parentId } : null;
    case 'Home':
      return { focus: visible[0]!.node.id };
    case 'End':
      return { focus: visible[visible.length - 1]!.node.id };
    case '*': {
      const parent = node.parentId ? findNode(root, node.parentId) : undefined;
      const siblings = parent ? parent.children : [root];
      return { expand: siblings.filter((s) => s.children.length > 0).map((s) => s.id) };
    }
    default:
      return null;
  }
}

/** The features a node stands for: all of the server's, a license's, or the one feature. */
export function featuresOf(node: TreeNode): FeatureView[] {
  return node.kind === 'server'
    ? node.tree.licenses.flatMap((l) => l.features)
    : node.kind === 'license'
      ? node.license.features
      : [node.feature];
}

/** Seats of one feature across the licenses a node stands for. */
export interface FeatureTotal {
  name: string;
  count: number;
  inUse: number;
  available: number;
  /** How many licenses grant seats of it. */
  licenses: number;
}

/**
 * Seats per feature name, in name order. Seats of different features are never added: 10 asr and
 * 4 tts are not "14 seats" of anything.
 */
export function featureTotals(features: FeatureView[]): FeatureTotal[] {
  const byName = new Map<string, FeatureTotal>();
  for (const f of features) {
    const t = byName.get(f.name) ?? { name: f.name, count: 0, inUse: 0, available: 0, licenses: 0 };
    t.count += f.count;
    t.inUse += f.inUse;
    t.available += f.available;
    t.licenses += 1;
    byName.set(f.name, t);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** "asr: 12 seats from 2 licenses, 8 in use": one feature's total in words. */
export function featureTotalText(t: FeatureTotal): string {
  const from = t.licenses > 1 ? ` from ${t.licenses} licenses` : '';
  return `${t.name}: ${t.count} seat${t.count === 1 ? '' : 's'}${from}, ${t.inUse} in use`;
}

/** The earliest of some dates (null when none). */
export function earliest(dates: (string | null)[]): string | null {
  let best: string | null = null;
  for (const d of dates) if (d !== null && (best === null || d < best)) best = d;
  return best;
}

/** The license of a node (a license or one of its features), or null for the server. */
export function licenseOfNode(node: TreeNode | undefined): LicenseView | null {
  return node && (node.kind === 'license' || node.kind === 'feature') ? node.license : null;
}

/**
 * Why a license-changing button (Uninstall License, Renew License) is not offered for
 * `license`: a flexible license came with a Sync and is the Cloud's to change. Undefined when
 * the button may act on it.
 */
export function cloudOwnedReason(license: LicenseView | null): string | undefined {
  if (license?.mode !== 'flexible') return undefined;
  return `${license.licenseId} is a flexible license from the Cloud: its seats are allocated at the vendor's portal and change with the next sync, not here.`;
}

/**
 * The license selected in the tree, for the button column beside it (Uninstall and Renew act
 * on licenses, and a flexible one is not theirs to change). A tiny store in the shape React's
 * `useSyncExternalStore` takes: the tree sets it, the column reads it.
 */
export const treeSelection = (() => {
  let current: LicenseView | null = null;
  const listeners = new Set<() => void>();
  return {
    get: (): LicenseView | null => current,
    set(license: LicenseView | null): void {
      if (license === current) return;
      current = license;
      for (const l of listeners) l();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();
