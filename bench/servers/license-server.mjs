// The License Server as it ships: compiled JavaScript from packages/server/dist, no loader.
// Started by the bench in its own process (so it does not share an event loop with the load
// generator) with one JSON argument: { dataDir, vendorKeyFiles, leaseSeconds?, heartbeatSeconds? }.
// Reports { type: 'ready', clientUrl, adminUrl, importMs, startMs, readyMs } over IPC; stops on
// SIGTERM or when the parent goes away.
const t0 = performance.now();
const { startLicenseServer } = await import('@tessera/server');
const t1 = performance.now();
const options = JSON.parse(process.argv[2] ?? '{}');
const server = await startLicenseServer({
  ...options,
  clientListen: '127.0.0.1:0',
  adminListen: '127.0.0.1:0',
});
const t2 = performance.now();
process.send?.({
  type: 'ready',
  pid: process.pid,
  clientUrl: server.clientUrl,
  adminUrl: server.adminUrl,
  // performance.now() counts from process start, so readyMs includes node's own bootstrap.
  importMs: t1 - t0,
  startMs: t2 - t1,
  readyMs: t2,
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const guard = setTimeout(() => process.exit(2), 10_000);
  guard.unref();
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
