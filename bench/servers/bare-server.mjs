// The ceiling: a bare node:http server in its own process that answers the client protocol's
// checkout and release with bodies shaped like the License Server's, doing no work at all
// (no validation, no engine, no disk). Reports { type: 'ready', url } over IPC.
import { createServer } from 'node:http';

const prefix = '{"leaseId":"lease_';
const suffix =
  '","feature":"asr","count":1,"licenseId":"lic_01jqbenchbenchbenchbenchbenchbenchbe","expiresAt":"2030-01-01T00:00:00.000Z","heartbeatSeconds":30,"leaseSeconds":120,"poolId":"srv_benchbenchbenchbenchbenchbenchbenchbenchben"}';
let n = 0;

const server = createServer((req, res) => {
  req.resume();
  if (req.method === 'POST') {
    req.on('end', () => {
      // Same length as a real lease id (lease_ + 36 characters).
      const body = prefix + (n++).toString(36).padStart(36, '0') + suffix;
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  } else if (req.method === 'DELETE') {
    req.on('end', () => {
      res.writeHead(204);
      res.end();
    });
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.keepAliveTimeout = 75_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.send?.({ type: 'ready', pid: process.pid, url: `http://127.0.0.1:${port}` });
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
