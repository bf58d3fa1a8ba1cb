import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The web console (README "Web console"): built into dist/web, which the server serves (src/console/).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '^/(?!assets|basemap|@|src|node_modules).*': { target: 'http://127.0.0.1:3000', ws: true, bypass: (req) => (req.headers.accept?.includes('text/html') ? '/index.html' : undefined) } } },
});
