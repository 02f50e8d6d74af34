/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The kickoff server (`kickoff serve`) listens on :8080 by default; in development
// Vite serves the SPA and forwards the server's routes to it. Host is kept as-is
// (no changeOrigin) so the server's same-origin/CSRF checks see the browser's origin.
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Default hashed names (assets/[name]-[hash].js): the Go server caches /assets/* for a year.
    assetsDir: 'assets',
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true },
      '/healthz': backend,
      '/readyz': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
