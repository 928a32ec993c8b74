/**
 * The quiet demo's account of its sample clients: events counted per source and summed up in one
 * line every few seconds, so the banner's addresses and passwords stay on screen.
 */

export type TallySource = 'server' | 'cloud';
export type TallyEvent = 'granted' | 'denied' | 'released';

const SOURCE_NAMES: Record<TallySource, string> = { server: 'License Server', cloud: 'Cloud subscription' };

export class ClientTally {
  private counts = new Map<TallySource, Record<TallyEvent, number>>();
  /** Denial codes seen since the last summary, e.g. NO_SEATS, with how many. */
  private denials = new Map<string, number>();

  count(source: TallySource, event: TallyEvent, code?: string): void {
    const c = this.counts.get(source) ?? { granted: 0, denied: 0, released: 0 };
    c[event] += 1;
    this.counts.set(source, c);
    if (event === 'denied' && code !== undefined) this.denials.set(code, (this.denials.get(code) ?? 0) + 1);
  }

  /**
   * The line for the window just ended, and a fresh window; undefined when nothing happened.
   * `seatsHeld` is the seats the sample clients hold now.
   */
  summary(windowSeconds: number, seatsHeld: number): string | undefined {
    if (this.counts.size === 0) return undefined;
    const parts: string[] = [];
    for (const source of ['server', 'cloud'] as const) {
      const c = this.counts.get(source);
      if (!c) continue;
      const words = [`${c.granted} granted`, `${c.released} released`];
      if (c.denied > 0) words.push(`${c.denied} denied`);
      parts.push(`${SOURCE_NAMES[source]}: ${words.join(', ')}`);
    }
    const codes = [...this.denials].map(([code, n]) => `${code} x${n}`).join(', ');
    this.counts = new Map();
    this.denials = new Map();
    return `last ${windowSeconds} s: ${parts.join(' · ')}${codes ? ` (denials: ${codes})` : ''} · ${seatsHeld} seats held now`;
  }
}
