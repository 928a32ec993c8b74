// A Cloud node as it ships: compiled JavaScript from packages/cloud/dist, no loader. Started by
// the bench in its own process with one JSON argument (startCloud's options: dataDir, db,
// signingKeyFile, ...); listens on 127.0.0.1 port 0 and reports { type: 'ready', pid, url,
// nodeId } over IPC; stops on SIGTERM or when the parent goes away.
//
// `timeRequests: ["POST /v1/sync", ...]` (a bench option, not passed on): for each request of
// that method and path, the node reports { type: 'timing', method, path, status, ms } over IPC,
// where ms runs from the request's headers being read to the last byte of the answer being
// handed to the socket (node:http's diagnostics channels): the node's own time for the request,
// body and all, without the client's side or the network.
import { subscribe } from 'node:diagnostics_channel';

const { startCloud } = await import('@tessera/cloud');

// A logger that drops everything (the shape Fastify and the Cloud call).
const noop = () => undefined;
const silent = { level: 'silent', silent: noop };
for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) silent[m] = noop;
silent.child = () => silent;
silent.isLevelEnabled = () => false;

const { timeRequests = [], ...options } = JSON.parse(process.argv[2] ?? '{}');
if (timeRequests.length > 0) {
  const wanted = new Set(timeRequests);
  const started = new WeakMap();
  subscribe('http.server.request.start', ({ request }) => {
    const path = (request.url ?? '').split('?')[0];
    if (wanted.has(`${request.method} ${path}`)) started.set(request, { at: performance.now(), path });
  });
  subscribe('http.server.response.finish', ({ request, response }) => {
    const s = started.get(request);
    if (!s) return;
    started.delete(request);
    const ms = performance.now() - s.at;
    process.send?.({ type: 'timing', method: request.method, path: s.path, status: response.statusCode, ms });
  });
}

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
