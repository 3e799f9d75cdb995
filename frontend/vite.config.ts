import { fileURLToPath, URL } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The web process (uvicorn: Django and Channels) serves /api, /ws and /flower; in development
// Vite proxies them so the browser sees one origin (session and CSRF cookies, WebSocket
// Origin checks). The Host header is kept as the browser sent it (no changeOrigin) so Django's CSRF Origin
// check compares like with like.
const backend = `http://127.0.0.1:${process.env.WEB_PORT ?? '8000'}`;

export default defineConfig({
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: backend },
      '/ws': { target: backend, ws: true },
      '/flower': { target: backend },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
    // The machine runs other suites at the same time: a slow render is not a failure.
    testTimeout: 20_000,
  },
});
