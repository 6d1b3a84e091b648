import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Media and browser tests are CPU heavy; two cores are shared between files.
    maxWorkers: 2,
    fileParallelism: true,
    // Files share their worker's module cache: every test starts its own Aula, database and folders, so nothing
    // leaks between files, and each file no longer pays ~2 s of loading the server's dependencies again.
    isolate: false,
  },
});
