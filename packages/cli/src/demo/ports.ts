/** Starting the demo's listeners on the wanted ports, or on free ones when those are taken. */

/** A port the demo asks for, and what listens on it, for the line that says it moved. */
export interface WantedPort {
  port: number;
  /** e.g. `the Cloud`, `the client API` */
  what: string;
}

/**
 * Starts something on the wanted ports. A port already in use (the error's `port`, or the first one not yet
 * moved when the error names none) is replaced by any free one (port 0), and `print` says so; then it starts
 * again. Any other failure, or one on a port already moved, is thrown.
 */
export async function withPortFallback<T, const W extends readonly WantedPort[]>(
  start: (ports: { [K in keyof W]: number }) => Promise<T>,
  wanted: W,
  print: (line: string) => void,
): Promise<T> {
  const ports = wanted.map((w) => w.port);
  for (;;) {
    try {
      return await start([...ports] as { [K in keyof W]: number });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { port?: number };
      if (e.code !== 'EADDRINUSE') throw err;
      const busy = ports.findIndex((p) => p !== 0 && (e.port === p || e.port === undefined));
      if (busy < 0) throw err;
      print(`port ${ports[busy]} is busy; ${wanted[busy]!.what} takes a free port instead`);
      ports[busy] = 0;
    }
  }
}
