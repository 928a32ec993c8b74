// Runs before the app's bundle is even parsed (a plain script in <head>, served as a file of
// its own): starts the first screen's requests so they are answered by the time React asks.
// The bundle picks them up through window.__tesseraEarly (src/api.ts, getOnce).
(() => {
  const paths = ['/api/v1/session', '/api/v1/server'];
  if (location.pathname === '/' || location.pathname === '/licenses') paths.push('/api/v1/licenses');
  const early = {};
  for (const path of paths) {
    const p = fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    p.catch(() => undefined);
    early[path] = p;
  }
  window.__tesseraEarly = early;
})();
