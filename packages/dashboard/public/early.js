// Runs before the app's bundle is even parsed (a plain script in <head>, served as a file of
// its own): starts the first screen's requests so they are answered by the time React asks.
// The bundle picks them up through window.__tesseraEarly (src/api.ts, getOnce).
(() => {
  const paths = ['/api/v1/session', '/api/v1/server'];
  if (location.pathname === '/' || location.pathname === '/licenses') paths.push('/api/v1/licenses');
  // The Sessions page's first page, exactly as src/seats.ts seatsUrl(FIRST_QUERY) asks for it.
  if (location.pathname === '/sessions') paths.push('/api/v1/seats?sort=since&dir=desc&page=1&limit=50');
  const early = {};
  for (const path of paths) {
    const p = fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    p.catch(() => undefined);
    early[path] = p;
  }
  window.__tesseraEarly = early;
})();
