import { describe, expect, it } from 'vitest';
import { startURL } from '../../src/express/request-context.js';

describe('startURL', () => {
  it('builds the start URL with an encoded returnTo and scope', () => {
    expect(startURL('/auth', undefined)).toBe('/auth/start');
    expect(startURL('/auth', '/inbox?x=1&y=2')).toBe('/auth/start?returnTo=%2Finbox%3Fx%3D1%26y%3D2');
    expect(startURL('/se', '/a', ['read_inbox', 'no_expiry'])).toBe('/se/start?returnTo=%2Fa&scope=read_inbox%2Cno_expiry');
  });
});
