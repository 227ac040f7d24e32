import { describe, expect, it } from 'vitest';
import { clearSessionTokens, isLive, readSessionTokens, sessionInfo, sessionRecord, writeSessionTokens } from '../../src/express/session-tokens.js';

describe('session tokens', () => {
  it('writes, reads and clears req.session.stackexchange', () => {
    const session: Record<string, unknown> = {};
    const scope = ['read_inbox'];
    writeSessionTokens(session, { accessToken: 't0k', expiresAt: 1000, scope });
    scope.push('write_access');
    expect(session['stackexchange']).toEqual({ accessToken: 't0k', expiresAt: 1000, scope: ['read_inbox'] });
    expect(readSessionTokens(session)).toEqual({ accessToken: 't0k', expiresAt: 1000, scope: ['read_inbox'] });
    clearSessionTokens(session);
    expect(session).toEqual({});
    expect(readSessionTokens(session)).toBeUndefined();
  });

  it('treats malformed entries as no token', () => {
    for (const value of [null, 'tok', { accessToken: '' , expiresAt: null, scope: [] }, { accessToken: 't', expiresAt: '1', scope: [] }, { accessToken: 't', expiresAt: null, scope: 'x' }]) {
      expect(readSessionTokens({ stackexchange: value })).toBeUndefined();
    }
    expect(readSessionTokens(undefined)).toBeUndefined();
  });

  it('knows when a token is live', () => {
    expect(isLive({ accessToken: 't', expiresAt: null, scope: [] }, Date.now())).toBe(true);
    expect(isLive({ accessToken: 't', expiresAt: 2000, scope: [] }, 1999)).toBe(true);
    expect(isLive({ accessToken: 't', expiresAt: 2000, scope: [] }, 2000)).toBe(false);
  });

  it('gives a view without the token', () => {
    const info = sessionInfo({ accessToken: 'secret-token', expiresAt: 5, scope: ['no_expiry'] });
    expect(info).toEqual({ loggedIn: true, expiresAt: 5, scope: ['no_expiry'] });
    expect(JSON.stringify(info)).not.toContain('secret-token');
    expect(sessionInfo(undefined)).toEqual({ loggedIn: false, expiresAt: null, scope: [] });
  });

  it('reads the request session as a record', () => {
    expect(sessionRecord({ session: { a: 1 } })).toEqual({ a: 1 });
    expect(sessionRecord({})).toBeUndefined();
  });
});
