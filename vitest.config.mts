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
    testTimeout: 20000,
    pool: 'forks',
  },
});
