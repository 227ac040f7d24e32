import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; test/build checks the built package separately.
    alias: [
      { find: /^passport-stackexchange-oauth2\/sandbox$/, replacement: src('sandbox/index.ts') },
      { find: /^passport-stackexchange-oauth2$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Threads start a test file faster than forked processes (about 100 files). Each file still gets
    // a fresh module graph (isolate): the package keeps per-process state (the shared response cache
    // and API limits, warn-once flags) that must not leak between files.
    pool: 'threads',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core CI machine.
    // Most tests wait on sockets, Redis, Chromium or child processes, so use every core.
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
