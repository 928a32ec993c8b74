import { getOnce } from '@tessera/web-kit/api';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorNotice, type NoticeData } from '../components/Notice.js';
import { buildTree, findNode, licenseNodeId, SERVER_NODE, type TreeNode } from '../tree.js';
import type { LicenseView, LicenseTree as Tree } from '../types.js';

/** With this many licenses or fewer, the tree opens with every license expanded. */
const EXPAND_ALL_UP_TO = 8;

/** The license tree as loaded from the server, and what the user has opened and selected in it. */
export interface LicenseTreeState {
  /** `null` until the first load answers. */
  tree: Tree | null;
  root: TreeNode | null;
  /** The selected node, or the root when the selected one is gone. */
  node: TreeNode | undefined;
  /** The license of the selected node (a license or one of its features). */
  license: LicenseView | null;
  expanded: Set<string>;
  /** When the tree was last loaded: dates are shown relative to it. */
  nowMs: number;
  /** Fetches the tree; a change that arrives mid-fetch causes one more fetch, not a pile. */
  load: () => Promise<Tree | null>;
  expand: (ids: string[]) => void;
  collapse: (id: string) => void;
  select: (id: string) => void;
  /** Opens the server and a license, and selects the license (after an install). */
  reveal: (licenseId: string) => void;
}

/** Loads `GET /api/v1/licenses`; a failed load becomes a notice. */
export function useLicenseTree(onNotice: (n: NoticeData) => void): LicenseTreeState {
  const [tree, setTree] = useState<Tree | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set([SERVER_NODE]));
  const [selected, setSelected] = useState(SERVER_NODE);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const loading = useRef<Promise<Tree | null> | null>(null);
  const again = useRef(false);
  const firstLoad = useRef(true);
  /** License ids of the last load: one that appears later (a Sync brought it, say) opens by itself. */
  const known = useRef<Set<string> | null>(null);
  // What a failed load's Retry calls (a ref: load cannot name itself as a dependency).
  const loadAgain = useRef<() => Promise<Tree | null>>(async () => null);
  const notice = useRef(onNotice);
  notice.current = onNotice;

  const load = useCallback((): Promise<Tree | null> => {
    if (loading.current) {
      again.current = true;
      return loading.current;
    }
    const run = async (): Promise<Tree | null> => {
      let latest: Tree | null = null;
      try {
        do {
          again.current = false;
          latest = await getOnce<Tree>('/api/v1/licenses');
          const ids = latest.licenses.map((l) => l.licenseId);
          const arrived = known.current ? ids.filter((id) => !known.current?.has(id)) : [];
          known.current = new Set(ids);
          if (arrived.length > 0) {
            setExpanded((s) => new Set([...s, SERVER_NODE, ...arrived.map(licenseNodeId)]));
          }
          setTree(latest);
          setNowMs(Date.now());
        } while (again.current);
      } catch (err) {
        notice.current(errorNotice(err, 'Loading the licenses', () => void loadAgain.current()));
      } finally {
        loading.current = null;
      }
      return latest;
    };
    loading.current = run();
    return loading.current;
  }, []);

  loadAgain.current = load;
  useEffect(() => {
    void load().then((t) => {
      if (!t || !firstLoad.current) return;
      firstLoad.current = false;
      if (t.licenses.length <= EXPAND_ALL_UP_TO) {
        setExpanded(new Set([SERVER_NODE, ...t.licenses.map((l) => licenseNodeId(l.licenseId))]));
      }
    });
  }, [load]);

  const root = useMemo(() => (tree ? buildTree(tree) : null), [tree]);
  const node = root ? (findNode(root, selected) ?? root) : undefined;
  return {
    tree,
    root,
    node,
    license: node?.kind === 'license' || node?.kind === 'feature' ? node.license : null,
    expanded,
    nowMs,
    load,
    expand: (ids) => setExpanded((s) => new Set([...s, ...ids])),
    collapse: (id) =>
      setExpanded((s) => {
        const n = new Set(s);
        n.delete(id);
        return n;
      }),
    select: setSelected,
    reveal: (licenseId) => {
      setExpanded((s) => new Set([...s, SERVER_NODE, licenseNodeId(licenseId)]));
      setSelected(licenseNodeId(licenseId));
    },
  };
}
