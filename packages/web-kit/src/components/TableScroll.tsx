import type { ReactNode } from 'react';

/**
 * A wide table's box, scrolling sideways instead of the page. It takes focus, so a keyboard user can
 * scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable), and is named for that stop.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a box that scrolls must be reachable by keyboard
    <section className="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
