import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { initialJsBudget } from './build/initial-js-budget.ts';

const root = dirname(fileURLToPath(import.meta.url));

/** The portal: `npm run build:web` writes web/dist, which the API server serves. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react(), initialJsBudget({ limitBytes: 200 * 1024 })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The main chunk is measured by the gzipped budget above; this only silences the raw-size hint.
    chunkSizeWarningLimit: 450,
  },
  server: {
    // `npm run dev:web` next to `npm start`: the API (and its cookies) stay same-origin.
    proxy: { '/api': 'http://localhost:3000' },
  },
});
