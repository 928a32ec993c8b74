import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The build is served by the License Server on its admin listener (same origin as the API).
// `npm run dev -w @tessera/dashboard` proxies the API to a running server on TESSERA_ADMIN_URL.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small entry chunk: the whole UI is needed for the first screen anyway.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: process.env.TESSERA_ADMIN_URL ?? 'http://127.0.0.1:7570', changeOrigin: true },
    },
  },
});
