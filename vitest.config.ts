import { defineConfig } from 'vitest/config';

// GPU and browser tests share two CPU cores with software adapters: run files one at a time
// so a test's runtime is not inflated by another file's forward passes.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    fileParallelism: false,
    // The golden-archs weights are regenerated, not stored: once per run, before any test.
    globalSetup: ['tests/support/golden-archs-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
