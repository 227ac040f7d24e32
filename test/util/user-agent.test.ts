import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_USER_AGENT, userAgent } from '../../src/util/user-agent.js';
import { VERSION } from '../../src/version.js';

describe('userAgent', () => {
  it('names the package and its version from package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(PACKAGE_USER_AGENT).toBe(`passport-stackexchange-oauth2/${pkg.version}`);
  });

  it("puts the app's own product token first", () => {
    expect(userAgent('my-app/2.0 (+https://my.app)')).toBe(`my-app/2.0 (+https://my.app) ${PACKAGE_USER_AGENT}`);
    expect(userAgent('  ')).toBe(PACKAGE_USER_AGENT);
    expect(userAgent()).toBe(PACKAGE_USER_AGENT);
  });
});
