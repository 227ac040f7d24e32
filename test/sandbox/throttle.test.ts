import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { BackoffRegistry, normalizeFamily, RateLimiter } from '../../src/sandbox/throttle.js';
import { apiGet, manualClock } from './fixtures.js';

let se: Sandbox | undefined;
afterEach(async () => {
  await se?.close();
  se = undefined;
});

describe('backoff', () => {
  it('the next answer of the family carries backoff; an early call is a recorded throttle_violation; /me counts as /users/{ids}', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now });
    const key = se.clients[0]?.key ?? '';
    const token = se.issueToken({ accountId: se.users[0]?.accountId ?? 0 }).accessToken;
    se.setBackoff('/users/{ids}', 10);

    const first = await apiGet(se, '/users/1001', { site: 'stackoverflow', key });
    expect(first.body.backoff).toBe(10);
    // Another family is not affected.
    expect((await apiGet(se, '/me/associated', { key, access_token: token })).status).toBe(200);

    clock.advance(9_999);
    const early = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token });
    expect(early.body).toMatchObject({ error_id: 502, error_name: 'throttle_violation' });
    expect(se.throttleViolations).toEqual([{ method: '/users/{ids}', reason: 'backoff', time: clock.now() }]);

    clock.advance(1);
    const later = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token });
    expect(later.status).toBe(200);
    expect(later.body).not.toHaveProperty('backoff');
    expect(se.throttleViolations).toHaveLength(1);
  });

  it('accepts /me aliases and refuses unknown families and bad numbers', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now });
    const key = se.clients[0]?.key ?? '';
    const token = se.issueToken({ accountId: se.users[0]?.accountId ?? 0, scope: ['read_inbox'] }).accessToken;
    se.setBackoff('/me/inbox', 5);
    expect((await apiGet(se, '/me/inbox', { site: 'stackoverflow', key, access_token: token })).body.backoff).toBe(5);
    expect((await apiGet(se, '/users/1001/inbox', { site: 'stackoverflow', key, access_token: token })).body.error_id).toBe(502);
    expect(se.throttleViolations[0]?.method).toBe('/users/{id}/inbox');
    expect(() => se?.setBackoff('/nope', 1)).toThrow(TypeError);
    expect(() => se?.setBackoff('/users/{ids}', -1)).toThrow(TypeError);
  });

  it('reset() clears backoffs and violations', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now });
    se.setBackoff('/users/{ids}', 60);
    await apiGet(se, '/users/1001', { site: 'stackoverflow' });
    await apiGet(se, '/users/1001', { site: 'stackoverflow' });
    expect(se.throttleViolations).toHaveLength(1);
    se.reset();
    expect(se.throttleViolations).toHaveLength(0);
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow' })).status).toBe(200);
  });
});

describe('30 requests per second per address', () => {
  it('the 31st request within one second is a recorded throttle_violation; the next second is fine', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now });
    const sandbox = se;
    const call = () => apiGet(sandbox, '/users/1001', { site: 'stackoverflow' });
    const answers = await Promise.all(Array.from({ length: 30 }, call));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    clock.advance(999);
    const over = await call();
    expect(over.body).toMatchObject({ error_id: 502, error_name: 'throttle_violation' });
    expect(se.throttleViolations).toEqual([{ method: '/users/{ids}', reason: 'rate', time: clock.now() }]);
    clock.advance(1);
    expect((await call()).status).toBe(200);
  });

  it('maxRequestsPerSecond changes the limit (Infinity disables it); OAuth endpoints do not count', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 2 });
    await fetch(se.authorizationURL);
    await fetch(se.authorizationURL);
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow' })).status).toBe(200);
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow' })).status).toBe(200);
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow' })).status).toBe(400);
    await se.close();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: Infinity });
    const sandbox = se;
    const answers = await Promise.all(Array.from({ length: 60 }, () => apiGet(sandbox, '/users/1001', { site: 'stackoverflow' })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});

describe('units', () => {
  it('normalizeFamily maps aliases and the /2.3 prefix', () => {
    expect(normalizeFamily('/me')).toBe('/users/{ids}');
    expect(normalizeFamily('/2.3/me/associated')).toBe('/users/{ids}/associated');
    expect(normalizeFamily('/users/{ids}/')).toBe('/users/{ids}');
    expect(normalizeFamily('/users')).toBeUndefined();
  });

  it('RateLimiter uses a sliding one-second window and does not count refused requests', () => {
    const limiter = new RateLimiter(2);
    expect(limiter.allow('a', 0)).toBe(true);
    expect(limiter.allow('a', 500)).toBe(true);
    expect(limiter.allow('a', 999)).toBe(false);
    expect(limiter.allow('b', 999)).toBe(true);
    expect(limiter.allow('a', 1000)).toBe(true);
    expect(limiter.allow('a', 1001)).toBe(false);
    expect(limiter.allow('a', 1500)).toBe(true);
  });

  it('BackoffRegistry only enforces after announcing', () => {
    const registry = new BackoffRegistry();
    registry.set('/questions', 2);
    expect(registry.violates('/questions', 0)).toBe(false);
    expect(registry.announce('/questions', 100)).toBe(2);
    expect(registry.announce('/questions', 100)).toBeUndefined();
    expect(registry.violates('/questions', 2099)).toBe(true);
    expect(registry.violates('/questions', 2100)).toBe(false);
    expect(registry.violates('/questions', 2101)).toBe(false);
  });
});
