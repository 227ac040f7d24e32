import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { ApiRequestLog, requestIdentity } from '../../src/sandbox/request-log.js';
import { apiGet, manualClock } from './fixtures.js';

describe('requestIdentity', () => {
  it('ignores parameter order and keeps every value, key and token included', () => {
    expect(requestIdentity('GET', '/2.3/me', { site: 'so', key: 'k', access_token: 't' })).toBe(requestIdentity('GET', '/2.3/me', { access_token: 't', key: 'k', site: 'so' }));
    expect(requestIdentity('GET', '/2.3/me', { key: 'k', access_token: 't' })).not.toBe(requestIdentity('GET', '/2.3/me', { key: 'k', access_token: 'u' }));
    expect(requestIdentity('GET', '/2.3/me', { a: ['1', '2'] })).toBe(requestIdentity('GET', '/2.3/me', { a: ['2', '1'] }));
    expect(requestIdentity('GET', '/2.3/me', {})).not.toBe(requestIdentity('POST', '/2.3/me', {}));
  });
});

describe('ApiRequestLog', () => {
  it('records an identical request less than 60 s after the previous identical one', () => {
    const log = new ApiRequestLog();
    log.record('GET', '/2.3/me', { key: 'k' }, 0);
    log.record('GET', '/2.3/me', { key: 'k' }, 59_999);
    log.record('GET', '/2.3/me', { key: 'k' }, 119_998);
    // Exactly 60 s after the previous identical one: allowed.
    log.record('GET', '/2.3/me', { key: 'k' }, 179_998);
    expect(log.duplicates).toEqual([
      { method: 'GET', path: '/2.3/me', params: { key: 'k' }, time: 59_999, previousTime: 0 },
      { method: 'GET', path: '/2.3/me', params: { key: 'k' }, time: 119_998, previousTime: 59_999 },
    ]);
  });

  it('keeps the peak of any one-second window, out-of-order arrivals included', () => {
    const log = new ApiRequestLog();
    for (const t of [0, 100, 200, 999, 1000, 1001, 1500, 1200]) log.record('GET', `/2.3/x${t}`, {}, t);
    // (500, 1500] holds 999, 1000, 1001, 1200 (arrived late) and 1500; every earlier window holds 4.
    expect(log.peak).toBe(5);
    expect(log.total).toBe(8);
    log.reset();
    expect(log.peak).toBe(0);
    expect(log.total).toBe(0);
    expect(log.duplicates).toEqual([]);
  });
});

describe('sandbox.duplicateRequests() and stats() over sockets', () => {
  let se: Sandbox | undefined;
  afterEach(async () => {
    await se?.close();
    se = undefined;
  });

  it('records identical API requests within 60 s by the clock: key and token count, parameter order does not', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now });
    const key = se.clients[0]?.key ?? '';
    const accountId = se.users[0]?.accountId ?? 0;
    const a = se.issueToken({ accountId }).accessToken;
    const b = se.issueToken({ accountId }).accessToken;
    const start = clock.now();
    await fetch(`${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(key)}&access_token=${encodeURIComponent(a)}`);
    clock.advance(10_000);
    // Same request, parameters in another order.
    await fetch(`${se.apiURL}/me?access_token=${encodeURIComponent(a)}&key=${encodeURIComponent(key)}&site=stackoverflow`);
    // Another token, another key (none), another site: not identical.
    await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: b });
    await apiGet(se, '/me', { site: 'stackoverflow', access_token: a });
    await apiGet(se, '/me', { site: 'math', key, access_token: a });
    // OAuth endpoints are not API requests.
    await fetch(se.authorizationURL);
    await fetch(se.authorizationURL);
    expect(se.duplicateRequests()).toEqual([
      { method: 'GET', path: '/2.3/me', params: { access_token: a, key, site: 'stackoverflow' }, time: start + 10_000, previousTime: start },
    ]);
    clock.advance(60_000);
    await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: a });
    expect(se.duplicateRequests()).toHaveLength(1);
    expect(se.stats()).toMatchObject({ apiRequests: 6, duplicateRequests: 1, violations: 0 });
    se.reset();
    expect(se.duplicateRequests()).toEqual([]);
    expect(se.stats()).toMatchObject({ apiRequests: 0, peakRequestsPerSecond: 0, duplicateRequests: 0 });
  });

  it('stats() keeps the peak of API requests in any one second, refused ones included', async () => {
    const clock = manualClock();
    se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: 5, banSeconds: 0 });
    const sandbox = se;
    const burst = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => apiGet(sandbox, `/users/${1001 + i}`, { site: 'stackoverflow' })));
    await burst(4);
    clock.advance(1_000);
    const answers = await burst(7);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    clock.advance(1_000);
    await burst(2);
    expect(se.stats()).toEqual({ apiRequests: 13, peakRequestsPerSecond: 7, violations: 2, rateViolations: 2, banViolations: 0, backoffViolations: 0, duplicateRequests: 6 });
  });
});
