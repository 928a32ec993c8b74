// Runs before the app's bundle is even parsed (a plain script in <head>, served as a file of
// its own): asks who is signed in, so the answer is there by the time React asks.
// The bundle picks it up through window.__tesseraEarly (src/api.ts, getOnce).
(() => {
  const early = {};
  for (const path of ['/api/v1/session']) {
    const p = fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    p.catch(() => undefined);
    early[path] = p;
  }
  window.__tesseraEarly = early;
})();
