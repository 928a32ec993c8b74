/**
 * A Cloud node as its own process, for end-to-end tests: options as JSON in argv[2]. Stops
 * cleanly on SIGTERM/SIGINT; SIGKILL is what the failover tests send.
 */
import { startCloud } from '@tessera/cloud';
import pino from 'pino';

const options = JSON.parse(process.argv[2] ?? '{}');
const cloud = await startCloud({ ...options, logger: pino({ level: process.env.TESSERA_TEST_LOG ?? 'warn' }) });
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void cloud.stop().then(() => process.exit(0));
  });
}
