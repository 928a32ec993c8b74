/**
 * Long-running commands (`server start`, `demo`) run until SIGINT or SIGTERM and then stop
 * cleanly. A second signal while stopping gives up and exits at once.
 */
import { note } from './output.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves with the first SIGINT/SIGTERM; later ones during the stop force an exit (code 130/143). */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        note(`tessera: ${signal} again; exiting without a clean stop`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      received = signal;
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
  });
}
