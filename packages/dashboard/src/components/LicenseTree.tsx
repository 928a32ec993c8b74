import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { type DateState, dateState, localTime, plural, relativeDays, shortId } from '@tessera/web-kit/format';
import { type CSSProperties, type KeyboardEvent, type ReactNode, useEffect, useRef } from 'react';
import {
  earliest,
  type FeatureTotal,
  featuresOf,
  featureTotals,
  featureTotalText,
  findNode,
  keyEffect,
  licenseOfNode,
  type TreeNode,
  treeSelection,
} from '../tree.js';

export interface LicenseTreeProps {
  root: TreeNode;
  expanded: ReadonlySet<string>;
  selected: string;
  nowMs: number;
  onExpand: (ids: string[]) => void;
  onCollapse: (id: string) => void;
  onSelect: (id: string) => void;
}

/** DOM id of a tree node (ids may hold any character; keep them attribute-safe). */
export const domIdOf = (nodeId: string) => `node-${nodeId.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0)}`)}`;

/** A key pressed in the tree: Enter and Space open or close, the others as `keyEffect` says. */
function treeKey(e: KeyboardEvent, p: LicenseTreeProps, onMove: () => void): void {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    const node = findNode(p.root, p.selected);
    if (node && node.children.length > 0) {
      if (p.expanded.has(node.id)) p.onCollapse(node.id);
      else p.onExpand([node.id]);
    }
    return;
  }
  const effect = keyEffect(e.key, p.root, p.expanded, p.selected);
  if (!effect) return;
  e.preventDefault();
  onMove();
  if (effect.expand) p.onExpand(effect.expand);
  if (effect.collapse) p.onCollapse(effect.collapse);
  if (effect.focus) p.onSelect(effect.focus);
}

/**
 * The license tree: server, licenses, features, with seats and dates in columns. A WAI-ARIA
 * tree (one tab stop, arrow keys move, Right/Left open and close, Home/End, `*`), where
 * selection follows focus and drives the details below and the buttons at the side.
 */
export function LicenseTree(p: LicenseTreeProps) {
  const container = useRef<HTMLDivElement>(null);
  const hadFocus = useRef(false);

  useEffect(() => {
    if (!hadFocus.current) return;
    document.getElementById(domIdOf(p.selected))?.focus();
  }, [p.selected]);

  // The button column acts on the selected license; it needs to know which (and its mode).
  useEffect(() => {
    treeSelection.set(licenseOfNode(findNode(p.root, p.selected)));
  }, [p.root, p.selected]);
  useEffect(() => () => treeSelection.set(null), []);

  const onKeyDown = (e: KeyboardEvent) =>
    treeKey(e, p, () => {
      hadFocus.current = true;
    });

  // The items are flat in the DOM, their nesting told by aria-level/-setsize/-posinset (the WAI-ARIA
  // tree's flat form): each item's accessible name is then its own row's text, not its subtree's.
  const items: ReactNode[] = [];
  const descriptions: ReactNode[] = [];
  const walk = (node: TreeNode, level: number, pos: number, size: number): void => {
    items.push(treeItem(p, hadFocus, { node, level, pos, size }));
    descriptions.push(
      <span key={node.id} id={`${domIdOf(node.id)}-desc`}>
        {labelOf(node, p.nowMs)}
      </span>,
    );
    if (node.children.length > 0 && p.expanded.has(node.id)) {
      node.children.forEach((c, i) => {
        walk(c, level + 1, i + 1, node.children.length);
      });
    }
  };

  walk(p.root, 1, 1, 1);

  return (
    <div className="tree-wrap">
      <div className="tree-head" aria-hidden="true">
        <span>Server, license, feature</span>
        <span className="num">Seats</span>
        <span className="num">In use</span>
        <span className="num">Available</span>
        <span>Expires</span>
        <span>Maintenance until</span>
      </div>
      <div
        role="tree"
        aria-label="Licenses installed on this server"
        ref={container}
        onKeyDown={onKeyDown}
        tabIndex={-1}
      >
        {items}
      </div>
      {/* The row of each item in words (seats, dates), read after its name; hidden, as descriptions may be. */}
      <div hidden>{descriptions}</div>
    </div>
  );
}

/** One item of the tree: its row, and what a click or double click on it does. */
function treeItem(
  p: LicenseTreeProps,
  hadFocus: { current: boolean },
  { node, level, pos, size }: { node: TreeNode; level: number; pos: number; size: number },
): ReactNode {
  const isParent = node.children.length > 0;
  const open = isParent && p.expanded.has(node.id);
  const selected = node.id === p.selected;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree's onKeyDown (on role=tree) handles every key for its items
    <div
      key={node.id}
      id={domIdOf(node.id)}
      role="treeitem"
      aria-level={level}
      aria-setsize={size}
      aria-posinset={pos}
      aria-expanded={isParent ? open : undefined}
      aria-selected={selected}
      aria-describedby={`${domIdOf(node.id)}-desc`}
      tabIndex={selected ? 0 : -1}
      className={`tree-item kind-${node.kind}${selected ? ' is-selected' : ''}`}
      data-node={node.id}
      onFocus={(e) => {
        if (e.target === e.currentTarget) hadFocus.current = true;
      }}
      // Keyboard: the tree's onKeyDown. A click selects the item.
      onClick={() => {
        hadFocus.current = true;
        p.onSelect(node.id);
      }}
      onDoubleClick={() => {
        if (!isParent) return;
        if (open) p.onCollapse(node.id);
        else p.onExpand([node.id]);
      }}
    >
      <div className="tree-row" style={{ '--level': level - 1 } as CSSProperties}>
        <span className="tree-name">
          {isParent ? (
            <span
              className={`twisty${open ? ' open' : ''}`}
              aria-hidden="true"
              onClick={(e) => {
                e.stopPropagation();
                hadFocus.current = true;
                p.onSelect(node.id);
                if (open) p.onCollapse(node.id);
                else p.onExpand([node.id]);
              }}
            />
          ) : (
            <span className="twisty leaf" aria-hidden="true" />
          )}
          <NodeName node={node} />
        </span>
        <Columns node={node} nowMs={p.nowMs} />
      </div>
    </div>
  );
}

function NodeName({ node }: { node: TreeNode }) {
  if (node.kind === 'server') {
    const s = node.tree.server;
    return (
      <span className="node-label">
        <span className="node-title">License server {s.hostName}</span>
        <span className="meta mono">{s.serverId}</span>
        <span className="meta">{plural(node.tree.licenses.length, 'license')}</span>
        <FeatureTotals node={node} />
      </span>
    );
  }
  if (node.kind === 'license') {
    const l = node.license;
    return (
      <span className="node-label">
        <span className="node-title mono" title={l.licenseId}>
          {shortId(l.licenseId)}
        </span>
        <span className="chip">{l.mode}</span>
        <span className="meta">rev {l.revision}</span>
        <span className="meta">
          issued <LocalTime at={l.issuedAt} />
        </span>
        <span className="meta">{l.customer}</span>
        <FeatureTotals node={node} />
      </span>
    );
  }
  return (
    <span className="node-label">
      <span className="node-title">{node.feature.name}</span>
      {node.feature.expired && <span className="chip chip-bad">expired</span>}
    </span>
  );
}

/**
 * The seat and date columns. A feature row has its own figures; the server row and a license of several
 * features show one total per feature instead (seats of different features are never summed), and the
 * server row no dates: one old license's lapsed maintenance is not the whole server's.
 */
function Columns({ node, nowMs }: { node: TreeNode; nowMs: number }) {
  const features = featuresOf(node);
  const totals = featureTotals(features);
  const id = node.kind === 'feature' ? `${node.license.licenseId}:${node.feature.name}` : node.id;
  const dates =
    node.kind === 'server'
      ? null
      : {
          expires: earliest(features.map((f) => f.expires)),
          maintenance: earliest(features.map((f) => f.maintenanceUntil)),
        };
  const t = totals.length === 1 ? totals[0]! : undefined;
  return (
    <>
      {t ? <SeatCells t={t} id={id} /> : <BlankCells n={3} />}
      {dates ? (
        <>
          <DateCell date={dates.expires} nowMs={nowMs} none="never" what="expiry" />
          <DateCell date={dates.maintenance} nowMs={nowMs} none="—" what="maintenance" />
        </>
      ) : (
        <BlankCells n={2} />
      )}
    </>
  );
}

/** Cells left empty on purpose: the figures are per feature, in the row's name (see FeatureTotals). */
function BlankCells({ n }: { n: number }) {
  return (
    <>
      {Array.from({ length: n }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: fixed cells that never move
        <span key={i} className="cell-blank" aria-hidden="true" />
      ))}
    </>
  );
}

/** One chip per feature, for the server row and a license of several features. */
function FeatureTotals({ node }: { node: TreeNode }) {
  const totals = featureTotals(featuresOf(node));
  if (totals.length < 2 && node.kind !== 'server') return null;
  return (
    <span className="feature-totals" data-feature-totals={node.id}>
      {totals.map((f) => (
        <span key={f.name} className="chip chip-total">
          {featureTotalText(f)}
        </span>
      ))}
    </span>
  );
}

function SeatCells({ t, id }: { t: FeatureTotal; id: string }) {
  const full = t.count > 0 && t.available === 0;
  return (
    <>
      <span className="num">{t.count}</span>
      <span className={`num inuse${t.inUse > 0 ? ' busy' : ''}`} data-inuse={id}>
        {t.inUse}
      </span>
      <span className={`num${full ? ' full' : ''}`} data-available={id}>
        {t.available}
      </span>
    </>
  );
}

function DateCell({ date, nowMs, none, what }: { date: string | null; nowMs: number; none: string; what: string }) {
  const state: DateState = dateState(date, nowMs);
  if (date === null) return <span className="date muted">{none}</span>;
  return (
    <span className={`date date-${state}`} data-date-state={state} data-date-kind={what}>
      {date}
      {state !== 'ok' && (
        <span className="date-note">
          {state === 'past' ? (what === 'expiry' ? 'expired' : 'ended') : relativeDays(date, nowMs)}
        </span>
      )}
    </span>
  );
}

/** What a screen reader says for a node: the row in words. */
export function labelOf(node: TreeNode, nowMs: number): string {
  const features = featuresOf(node);
  const totals = featureTotals(features);
  const seats =
    totals.length === 1
      ? `${plural(totals[0]!.count, 'seat')}, ${totals[0]!.inUse} in use, ${totals[0]!.available} available`
      : totals.length === 0
        ? 'no seats'
        : totals.map(featureTotalText).join('; ');
  const dates = (() => {
    const exp = earliest(features.map((f) => f.expires));
    const mnt = earliest(features.map((f) => f.maintenanceUntil));
    const say = (d: string | null, what: string) => {
      if (d === null) return '';
      const s = dateState(d, nowMs);
      return `, ${what} ${d}${s === 'soon' ? ` (${relativeDays(d, nowMs)})` : s === 'past' ? ' (passed)' : ''}`;
    };
    return `${say(exp, 'expires')}${say(mnt, 'maintenance until')}`;
  })();
  if (node.kind === 'server') {
    return `License server ${node.tree.server.hostName}, ${plural(node.tree.licenses.length, 'license')}: ${seats}`;
  }
  if (node.kind === 'license') {
    const l = node.license;
    return `License ${l.licenseId}, ${l.mode}, revision ${l.revision}, issued ${localTime(l.issuedAt)}: ${seats}${dates}`;
  }
  return `Feature ${node.feature.name}: ${seats}${dates}`;
}
