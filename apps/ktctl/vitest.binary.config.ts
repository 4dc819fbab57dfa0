import { defineConfig } from 'vitest/config';

// Tests of the standalone binaries; `npm run test:binary` builds them first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/example-plugin-setup.ts'],
    testTimeout: 30_000,
  },
});
