import { defineConfig } from 'vite';

// Built by `npm install` (postinstall) and served by Aula from web/dist.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
