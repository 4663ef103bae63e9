import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // Same contract as esbuild's text loader in scripts/build.mjs.
      name: 'scm-as-text',
      transform(code: string, id: string) {
        if (id.endsWith('.scm')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/engine.ts'],
    // Hang guards, not performance limits (timings are npm run bench's): generous, so a test
    // that spawns the CLI or a server many times still passes on a 2-core machine under load.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
