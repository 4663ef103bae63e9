// The end-to-end suite (test/e2e/**/*.e2e.ts): a real VS Code (code-server) in Chromium.
// Run it with `npm run test:e2e` (scripts/e2e/run.mjs), which installs what it needs and
// packages the extension first; the default `vitest run` (vitest.config.mts) only takes
// test/**/*.test.ts, so it never starts a browser.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    // one workbench, one file at a time: the scenarios share a browser and a code-server
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
    retry: 0,
    bail: 0,
  },
});
