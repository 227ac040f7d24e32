import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { AddressBans, BackoffRegistry, normalizeFamily, RateLimiter } from '../../src/sandbox/throttle.js';
import { apiGet, apiUrl, codeFor, decodeRaw, manualClock, postForm, rawGet, REDIRECT_URI, RFC7636_VERIFIER } from './fixtures.js';

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

const throttled = (seconds: number) => ({
  error_id: 502,
  error_name: 'throttle_violation',
  error_message: `too many requests from this IP, more requests available in ${seconds} seconds`,
});

describe('30 requests per second per address', () => {
  it('the 31st request within one second is a recorded throttle_violation; with banSeconds: 0 the next second is fine', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, banSeconds: 0 });
    const sandbox = se;
    const call = () => apiGet(sandbox, '/users/1001', { site: 'stackoverflow' });
    const answers = await Promise.all(Array.from({ length: 30 }, call));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    clock.advance(999);
    const over = await call();
    expect(over).toEqual({ status: 400, body: throttled(1) });
    expect(se.throttleViolations).toEqual([{ method: '/users/{ids}', reason: 'rate', time: clock.now() }]);
    clock.advance(1);
    expect((await call()).status).toBe(200);
    expect(se.throttleViolations).toHaveLength(1);
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

describe('address ban', () => {
  it('going over the limit bans the address for banSeconds (default 30) by the clock: refused, recorded as ban, no quota; then lifted', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 3 });
    const sandbox = se;
    const key = se.clients[0]?.key ?? '';
    const call = () => apiGet(sandbox, '/users/1001', { site: 'stackoverflow', key });
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    const start = clock.now();

    expect(await call()).toEqual({ status: 400, body: throttled(30) });
    // The window has room again, but the ban holds; the message counts down, rounding up.
    clock.advance(1_000);
    expect(await call()).toEqual({ status: 400, body: throttled(29) });
    clock.advance(500);
    expect(await call()).toEqual({ status: 400, body: throttled(29) });
    clock.advance(28_499);
    expect(await call()).toEqual({ status: 400, body: throttled(1) });
    // Other families are banned too.
    expect((await apiGet(sandbox, '/sites', { key })).body).toEqual(throttled(1));
    expect(se.throttleViolations).toEqual([
      { method: '/users/{ids}', reason: 'rate', time: start },
      { method: '/users/{ids}', reason: 'ban', time: start + 1_000 },
      { method: '/users/{ids}', reason: 'ban', time: start + 1_500 },
      { method: '/users/{ids}', reason: 'ban', time: start + 29_999 },
      { method: '/sites', reason: 'ban', time: start + 29_999 },
    ]);

    clock.advance(1);
    const lifted = await call();
    expect(lifted.status).toBe(200);
    // Only the three requests before the ban were counted.
    expect(lifted.body.quota_remaining).toBe(10_000 - 4);
    expect(se.throttleViolations).toHaveLength(5);
    expect(se.requests.filter((r) => r.path === '/2.3/users/1001')).toHaveLength(8);
  });

  it('requests during the ban do not extend it; banSeconds changes its length', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 1, banSeconds: 5 });
    const sandbox = se;
    const call = () => apiGet(sandbox, '/sites');
    expect((await call()).status).toBe(200);
    expect((await call()).body).toEqual(throttled(5));
    clock.advance(4_999);
    expect((await call()).body).toEqual(throttled(1));
    clock.advance(1);
    expect((await call()).status).toBe(200);
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['rate', 'ban']);
  });

  it('a ban shorter than the window announces the wait until the window has room', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 1, banSeconds: 0.2 });
    const sandbox = se;
    const call = () => apiGet(sandbox, '/sites');
    expect((await call()).status).toBe(200);
    clock.advance(100);
    expect((await call()).body).toEqual(throttled(1));
    clock.advance(250);
    // The ban has passed, the window is still full: a new rate violation and a new ban.
    expect((await call()).body).toEqual(throttled(1));
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['rate', 'rate']);
    clock.advance(100);
    expect((await call()).body).toEqual(throttled(1));
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['rate', 'rate', 'ban']);
    clock.advance(550);
    expect((await call()).status).toBe(200);
  });

  it('keeps the OAuth endpoints open: a whole login and token exchange during the ban', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 1 });
    await apiGet(se, '/sites');
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(30));
    const code = await codeFor(se);
    const res = await postForm(se.tokenURL, { client_id: se.clients[0]?.clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toHaveProperty('access_token');
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(30));
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['rate', 'ban']);
  });

  it('reset() lifts the ban', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 1 });
    await apiGet(se, '/sites');
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(30));
    se.reset();
    expect((await apiGet(se, '/sites')).status).toBe(200);
    expect(se.throttleViolations).toEqual([]);
  });

  // Linux routes all of 127.0.0.0/8 to loopback, so a client can connect from a second address.
  it.runIf(process.platform === 'linux')('bans only the address that went over the limit', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 1 });
    const from = async (address: string) => {
      const answer = await rawGet(apiUrl(se as Sandbox, '/sites'), {}, address);
      return { status: answer.status, body: decodeRaw(answer) };
    };
    expect((await from('127.0.0.1')).status).toBe(200);
    expect((await from('127.0.0.1')).body).toEqual(throttled(30));
    const other = await from('127.0.0.2');
    expect(other.status).toBe(200);
    expect(other.body).toHaveProperty('items');
    expect((await from('127.0.0.2')).body).toEqual(throttled(30));
    clock.advance(1_000);
    expect((await from('127.0.0.1')).body).toEqual(throttled(29));
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['rate', 'rate', 'ban']);
  });
});

describe("fault('api', 'ban')", () => {
  it('answers throttle_violation and bans the address for banSeconds: every request refused with the remaining N, no work done', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, banSeconds: 20 });
    const key = se.clients[0]?.key ?? '';
    const accountId = se.users[0]?.accountId ?? 0;
    const token = se.issueToken({ accountId }).accessToken;
    se.fault('api', 'ban', { times: 1 });
    expect(await apiGet(se, '/sites', { key })).toEqual({ status: 400, body: throttled(20) });
    clock.advance(5_500);
    // A token invalidation during the ban is refused before it does anything.
    expect((await apiGet(se, `/access-tokens/${encodeURIComponent(token)}/invalidate`, { key })).body).toEqual(throttled(15));
    clock.advance(14_499);
    expect((await apiGet(se, '/sites', { key })).body).toEqual(throttled(1));
    // The injected ban is not the client's violation; requests sent during it are.
    expect(se.throttleViolations.map((v) => v.reason)).toEqual(['ban', 'ban']);
    clock.advance(1);
    const after = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token });
    expect(after.status).toBe(200);
    // Only this request counted toward the quota.
    expect(after.body.quota_remaining).toBe(9_999);
    expect(se.stats()).toMatchObject({ violations: 2, banViolations: 2, rateViolations: 0 });
  });

  it('options.seconds sets its length; with banSeconds: 0 it bans for 30 s; the old throttle fault does not ban', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, banSeconds: 0 });
    se.fault('api', 'ban', { times: 1, seconds: 3 });
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(3));
    clock.advance(3_000);
    expect((await apiGet(se, '/sites')).status).toBe(200);
    se.fault('api', 'ban', { times: 1 });
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(30));
    clock.advance(30_000);
    se.fault('api', 'throttle', { times: 1 });
    expect((await apiGet(se, '/sites')).body).toEqual(throttled(30));
    expect((await apiGet(se, '/sites')).status).toBe(200);
    expect(() => se?.fault('api', 'ban', { seconds: 0 })).toThrow(TypeError);
    expect(() => se?.fault('api', 'throttle', { seconds: 5 })).toThrow(/for the 'ban' API fault only/);
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

  it('RateLimiter.waitMs is the time until the window has room', () => {
    const limiter = new RateLimiter(2);
    expect(limiter.waitMs('a', 0)).toBe(0);
    limiter.allow('a', 0);
    expect(limiter.waitMs('a', 100)).toBe(0);
    limiter.allow('a', 400);
    expect(limiter.waitMs('a', 500)).toBe(500);
    expect(limiter.waitMs('b', 500)).toBe(0);
    expect(limiter.waitMs('a', 1000)).toBe(0);
    expect(new RateLimiter(Infinity).waitMs('a', 0)).toBe(0);
  });

  it('AddressBans keeps one ban per address, ending exactly banSeconds later; 0 never bans; reset lifts all', () => {
    const bans = new AddressBans(30);
    bans.ban('a', 1_000);
    expect(bans.remainingMs('a', 1_000)).toBe(30_000);
    expect(bans.remainingMs('b', 1_000)).toBe(0);
    expect(bans.remainingMs('a', 30_999)).toBe(1);
    expect(bans.remainingMs('a', 31_000)).toBe(0);
    bans.ban('a', 40_000);
    bans.ban('b', 40_000);
    bans.reset();
    expect(bans.remainingMs('a', 40_001)).toBe(0);
    expect(bans.remainingMs('b', 40_001)).toBe(0);
    const none = new AddressBans(0);
    none.ban('a', 0);
    expect(none.remainingMs('a', 0)).toBe(0);
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
