import { defineConfig } from 'vite';

export default defineConfig({
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  // WGSL sources are imported with `?raw`; weights are served from public/weights.
  assetsInclude: ['**/*.wgsl'],
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
