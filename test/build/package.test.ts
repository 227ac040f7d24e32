import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built package, imported by name from a scratch project, as a user's app would.
const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  typesVersions: Record<string, Record<string, string[]>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

const LIBRARY_EXPORTS = [
  'StackExchangeStrategy', 'stackExchangeAuth', 'requireLogin', 'StackExchangeClient', 'tokenRelay',
  'MemoryRelayStore', 'RedisRelayStore', 'desktopLogin', 'StackExchangeError', 'TokenError',
  'StackExchangeApiError', 'StackExchangeNetworkError', 'VERSION',
];

let project: string;

function run(file: string, source: string): string {
  const path = join(project, file);
  execFileSync('node', ['-e', `require('node:fs').writeFileSync(${JSON.stringify(path)}, ${JSON.stringify(source)})`]);
  return execFileSync('node', [path], { cwd: project, encoding: 'utf8' }).trim();
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  project = mkdtempSync(join(tmpdir(), 'pseo2-consumer-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'passport-stackexchange-oauth2'), 'dir');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the built package', () => {
  it('lists types first in every exports condition', () => {
    for (const [subpath, entry] of Object.entries(pkg.exports)) {
      if (typeof entry === 'string') continue;
      for (const [condition, target] of Object.entries(entry as Record<string, Record<string, string>>)) {
        expect(Object.keys(target)[0], `${subpath} ${condition}`).toBe('types');
        for (const file of Object.values(target)) expect(existsSync(join(root, file)), file).toBe(true);
      }
    }
  });

  it('works with import (ESM)', () => {
    const out = run('esm.mjs', `
      import * as lib from 'passport-stackexchange-oauth2';
      import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
      import pkg from 'passport-stackexchange-oauth2/package.json' with { type: 'json' };
      const names = ${JSON.stringify(LIBRARY_EXPORTS)};
      const missing = names.filter((n) => lib[n] === undefined);
      const se = await createSandbox({ port: 0 });
      const answer = await fetch(se.apiURL + '/me?site=stackoverflow&key=' + encodeURIComponent(se.clients[0].key));
      await se.close();
      console.log(JSON.stringify({ missing, strategyName: new lib.StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: 'http://localhost/cb' }).name, status: answer.status, version: lib.VERSION === pkg.version }));
    `);
    expect(JSON.parse(out)).toEqual({ missing: [], strategyName: 'stackexchange', status: 400, version: true });
  });

  it('works with require (CommonJS)', () => {
    const out = run('cjs.cjs', `
      const lib = require('passport-stackexchange-oauth2');
      const { createSandbox } = require('passport-stackexchange-oauth2/sandbox');
      const names = ${JSON.stringify(LIBRARY_EXPORTS)};
      const missing = names.filter((n) => lib[n] === undefined);
      const err = new lib.TokenError('x', { code: lib.TokenErrorCode.Timeout });
      console.log(JSON.stringify({ missing, sandbox: typeof createSandbox, instance: err instanceof lib.StackExchangeError }));
    `);
    expect(JSON.parse(out)).toEqual({ missing: [], sandbox: 'function', instance: true });
  });

  it('installs the sandbox CLI as `stackexchange-sandbox`: an executable file with a node shebang', () => {
    const cli = join(root, pkg.bin['stackexchange-sandbox'] ?? 'missing');
    expect(readFileSync(cli, 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node');
    // Run as npm's bin link would: the file itself, not `node file`.
    expect(execFileSync(cli, ['--help'], { encoding: 'utf8' })).toMatch(/^Usage: /);
  });

  it('gives the sandbox subpath types under moduleResolution node10 (typesVersions)', () => {
    for (const target of pkg.typesVersions['*']?.['sandbox'] ?? []) expect(existsSync(join(root, target)), target).toBe(true);
    expect(pkg.typesVersions['*']?.['sandbox']).toEqual(['./dist/sandbox/index.d.ts']);
  });

  it('needs no @types package at run time: type-only packages are optional peers', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@types/'))).toEqual([]);
    for (const name of Object.keys(pkg.peerDependencies).filter((n) => n.startsWith('@types/'))) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
    // The public declarations extend passport-oauth2's: that is why its types are a peer.
    expect(readFileSync(join(root, 'dist/index.d.ts'), 'utf8')).toContain("from 'passport-oauth2'");
  });

  it('keeps the sandbox out of the main entry', () => {
    const main = readFileSync(join(root, 'dist/index.js'), 'utf8');
    expect(main).not.toMatch(/createSandbox/);
  });
});
