import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

// Test files that touch none of the package's per-process state (the shared response cache and API
// limits, the client's filter cache, warn-once flags, diagnostics written once per cause) and leave no
// fake timers or stubs behind: the sandbox, the error classes, the utilities and unit tests of pure
// modules. They share one module graph per worker, which halves their time (util + errors + sandbox,
// 40 files: 21.7 s → 11.6 s on 2 cores, most of it importing the same modules again for every file).
// A file added here must import only such modules.
const SHARED_MODULES = [
  'test/util/**/*.test.ts',
  'test/errors/**/*.test.ts',
  'test/sandbox/**/*.test.ts',
  ...['filters', 'in-flight', 'map-concurrent', 'params', 'parse-response', 'path-template', 'request-key', 'retry'].map((f) => `test/api/${f}.test.ts`),
  ...['key-listeners', 'relay-keys', 'relay-params', 'relay-result'].map((f) => `test/relay/${f}.test.ts`),
  ...['errors-page', 'exports', 'readme'].map((f) => `test/docs/${f}.test.ts`),
  ...['avatar-source', 'config', 'user'].map((f) => `test/example-app/${f}.test.ts`),
];

export default defineConfig({
  resolve: {
    // Tests run against the sources; test/build checks the built package separately.
    alias: [
      { find: /^passport-stackexchange-oauth2\/sandbox$/, replacement: src('sandbox/index.ts') },
      { find: /^passport-stackexchange-oauth2$/, replacement: src('index.ts') },
    ],
  },
  test: {
    // `include` is set per project below (a project extending this config would add to it, not replace it).
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Threads start a test file faster than forked processes (about 100 files). Each file still gets
    // a fresh module graph (isolate): the package keeps per-process state (the shared response cache
    // and API limits, warn-once flags) that must not leak between files. Only SHARED_MODULES, which
    // touch none of it, share a graph (the projects below).
    pool: 'threads',
    // Vitest's default is one worker less than the cores: a single worker on a 2-core CI machine.
    // Most tests wait on sockets, Redis, Chromium or child processes, so use every core. Not more: on
    // 2 loaded cores, test/relay + test/example-app took 43.7 s with 2 workers and 48.9 s with 3 (and
    // a long-poll test missed its deadline).
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SHARED_MODULES] } },
      { extends: true, test: { name: 'shared-modules', include: SHARED_MODULES, isolate: false } },
    ],
  },
});
