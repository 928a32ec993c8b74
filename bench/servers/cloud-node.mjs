// A Cloud node as it ships: compiled JavaScript from packages/cloud/dist, no loader. Started by
// the bench in its own process with one JSON argument (startCloud's options: dataDir, db,
// signingKeyFile, ...); listens on 127.0.0.1 port 0 and reports { type: 'ready', pid, url,
// nodeId } over IPC; stops on SIGTERM or when the parent goes away.
const { startCloud } = await import('@tessera/cloud');

// A logger that drops everything (the shape Fastify and the Cloud call).
const noop = () => undefined;
const silent = { level: 'silent', silent: noop };
for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) silent[m] = noop;
silent.child = () => silent;
silent.isLevelEnabled = () => false;

const options = JSON.parse(process.argv[2] ?? '{}');
const cloud = await startCloud({ ...options, listen: '127.0.0.1:0', logger: silent });
process.send?.({ type: 'ready', pid: process.pid, url: cloud.url, nodeId: cloud.nodeId });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const guard = setTimeout(() => process.exit(2), 10_000);
  guard.unref();
  await cloud.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
