import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The build is served by the Cloud at / (same origin as its API).
// `npm run dev -w @tessera/portal` proxies the API to a running Cloud on TESSERA_CLOUD_URL.
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
      '/api': { target: process.env.TESSERA_CLOUD_URL ?? 'http://127.0.0.1:8600', changeOrigin: true },
    },
  },
});
