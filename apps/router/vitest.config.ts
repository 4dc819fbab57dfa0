import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The process tests run the bundled router, as the image does; build it once per run.
    globalSetup: ['test/support/bundle-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 20_000,
    // Two shared cores: the big-transfer tests should not compete with each other.
    fileParallelism: false,
  },
});
