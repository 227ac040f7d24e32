import { describe, expect, it } from 'vitest';
import { SandboxState } from '../../src/sandbox/state.js';
import { manualClock } from './fixtures.js';

describe('SandboxState', () => {
  it('codes expire by the clock and keep their grant', () => {
    const clock = manualClock();
    const state = new SandboxState(clock.now, 60, 3600);
    const code = state.issueCode({ clientId: 'c', redirectUri: 'http://localhost/cb', accountId: 1, scope: ['read_inbox'], challenge: null });
    const grant = state.code(code);
    expect(grant).toMatchObject({ clientId: 'c', accountId: 1, used: false, tokens: [] });
    clock.advance(59_999);
    expect(state.isCodeExpired(grant!)).toBe(false);
    clock.advance(1);
    expect(state.isCodeExpired(grant!)).toBe(true);
    expect(state.code('other')).toBeUndefined();
  });

  it('tokens look like Stack Exchange tokens, expire, can be revoked, and no_expiry never expires', () => {
    const clock = manualClock();
    const state = new SandboxState(clock.now, 60, 10);
    const a = state.issueToken('c', 1, []);
    const forever = state.issueToken('c', 1, ['no_expiry']);
    expect(a.token).toMatch(/^[\w-]{24}\)\)$/);
    expect(forever.expiresAt).toBeNull();
    clock.advance(10_000);
    expect(state.validToken(a.token)).toBeUndefined();
    expect(state.validToken(forever.token)).toBe(forever);
    expect(state.revoke(forever.token)).toBe(true);
    expect(state.revoke(forever.token)).toBe(false);
    expect(state.validToken(forever.token)).toBeUndefined();
  });

  it('expire() ends a token now; revokeApp() ends only that app and account', () => {
    const clock = manualClock();
    const state = new SandboxState(clock.now, 60, 3600);
    const a = state.issueToken('c', 1, []);
    const b = state.issueToken('c', 1, []);
    const otherApp = state.issueToken('d', 1, []);
    const otherUser = state.issueToken('c', 2, []);
    state.expire(a.token);
    expect(state.validToken(a.token)).toBeUndefined();
    expect(state.revokeApp('c', 1).map((r) => r.token)).toEqual([b.token]);
    expect(state.validToken(otherApp.token)).toBeDefined();
    expect(state.validToken(otherUser.token)).toBeDefined();
  });

  it('consent transactions are single use and expire after ten minutes', () => {
    const clock = manualClock();
    const state = new SandboxState(clock.now, 60, 3600);
    const tx = { flow: 'code' as const, clientId: 'c', redirectUri: 'http://localhost/cb', scope: [], state: null, challenge: null };
    const id = state.openTransaction(tx);
    expect(state.takeTransaction(id)).toMatchObject(tx);
    expect(state.takeTransaction(id)).toBeUndefined();
    const late = state.openTransaction(tx);
    clock.advance(600_000);
    expect(state.takeTransaction(late)).toBeUndefined();
  });

  it('sweeps old codes and dead tokens as many logins go through, keeping live ones', () => {
    const clock = manualClock();
    const state = new SandboxState(clock.now, 60, 3600);
    const oldCode = state.issueCode({ clientId: 'c', redirectUri: 'r', accountId: 1, scope: [], challenge: null });
    const live = state.issueToken('c', 1, ['no_expiry']);
    clock.advance(11 * 60_000);
    for (let i = 0; i < 1000; i++) state.issueToken('c', 1, []);
    expect(state.code(oldCode)).toBeUndefined();
    expect(state.validToken(live.token)).toBe(live);
  });
});
