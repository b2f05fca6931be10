import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The app builds into dist/public, which the console server (src/server) serves. */
export default defineConfig({
  root: 'src/app',
  base: '/',
  plugins: [react()],
  build: { outDir: '../../dist/public', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: {
    port: 3005,
    // `vite` during development: the same /api forwarding the console server does.
    proxy: { '/api': process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000' },
  },
});
