import { defineConfig } from 'vitest/config';

// The shadow image's e2e tests: as root (chroot, ip netns, containerd), one file at a time.
//   node_modules/.bin/vitest run --config e2e/shadow/vitest.config.ts
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
