import { defineConfig } from 'vitest/config';

// One file at a time: the files share one small cluster on a 2-core machine. Every wait in the harness
// has its own bound below these.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['harness/**/*.test.ts', 'tests/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    // The shadow image tests build the image (both platforms) in their beforeAll.
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
