import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sandbox/index': 'src/sandbox/index.ts',
    'sandbox/cli': 'src/sandbox/cli.ts',
  },
  format: ['esm', 'cjs'],
  // Declarations from the sources alone (tsconfig.build.json), not the tests and example app.
  tsconfig: 'tsconfig.build.json',
  dts: { entry: { index: 'src/index.ts', 'sandbox/index': 'src/sandbox/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  // Keep peer and runtime dependencies external: the app's own passport/express instances must be used.
  external: ['express', 'passport', 'express-session', 'passport-oauth2', 'debug'],
});
