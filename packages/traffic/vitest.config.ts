import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The reverse-tunnel tests talk to the real shadow agent, bundled once per run.
    globalSetup: ['test/agent-setup.ts'],
  },
});
