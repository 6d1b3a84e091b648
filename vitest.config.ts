import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Media and browser tests are CPU heavy; two cores are shared between files.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
