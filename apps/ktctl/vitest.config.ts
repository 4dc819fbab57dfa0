import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['test/bundle-setup.ts'],
    // These tests start ktctl processes one after another; a busy machine must not fail them.
    testTimeout: 60_000,
  },
});
