import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.test.ts'],
    // The real-peer tests run the bundled agent, as the image does; build it once per run.
    globalSetup: ['test/support/bundle-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
