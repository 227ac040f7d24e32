import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits, StackExchangeApiError, StackExchangeClient, type StackExchangeClientOptions } from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { msToUtcMidnight, queueWait } from '../../src/api/api-limits.js';
import { fakeClock } from './fake-clock.js';
import { localServer } from './local-server.js';
import { rejectionWithin, settleWithin } from './settle-within.js';

const req = (id: string, family = '/sites', quota = 'q'): { id: string; family: string; quota: string } => ({ id, family, quota });

describe('MemoryApiLimits', () => {
  it('grants maxRequests, counts a sent slot until interval after its answer, and frees an unsent one at once', async () => {
    const clock = fakeClock();
    const limits = new MemoryApiLimits({ maxRequests: 2, interval: 1000, now: clock.now });
    expect(await limits.take(req('a'))).toEqual({ ok: true });
    expect(await limits.take(req('b'))).toEqual({ ok: true });
    // Both in flight: the next frees no sooner than an interval.
    expect(await limits.take(req('c'))).toEqual({ ok: false, reason: 'window', waitMs: 1000 });
    await limits.release('a', false);
    expect(await limits.take(req('c'))).toEqual({ ok: true });
    clock.advance(300);
    await limits.release('b', true);
    expect(await limits.take(req('d'))).toEqual({ ok: false, reason: 'window', waitMs: 1000 });
    clock.advance(999);
    expect(await limits.take(req('d'))).toMatchObject({ ok: false, waitMs: 1 });
    clock.advance(1);
    expect(await limits.take(req('d'))).toEqual({ ok: true });
  });

  it('counts a sent request for the interval after its answer however long the answer took', async () => {
    const clock = fakeClock();
    const limits = new MemoryApiLimits({ maxRequests: 1, interval: 1000, now: clock.now });
    expect(await limits.take(req('slow'))).toEqual({ ok: true });
    // Far beyond any in-flight lifetime: in one process a slot in flight is held until its release.
    clock.advance(600_000);
    expect(await limits.take(req('next'))).toMatchObject({ ok: false, reason: 'window' });
    await limits.release('next', false);
    await limits.release('slow', true);
    expect(await limits.take(req('later'))).toEqual({ ok: false, reason: 'window', waitMs: 1000 });
  });

  it('frees each sent slot when its own interval ends, also when answers come out of order or the clock steps back', async () => {
    let t = 0;
    const limits = new MemoryApiLimits({ maxRequests: 2, interval: 1000, now: () => t });
    expect([await limits.take(req('a')), await limits.take(req('b'))]).toEqual([{ ok: true }, { ok: true }]);
    t = 500;
    await limits.release('a', true); // counts until 1500
    t = 0; // a wall clock stepped back (NTP), or a test clock set back
    await limits.release('b', true); // counts until 1000
    t = 1200;
    // b's interval is over, a's is not: one slot is free, and the next frees 300 ms later.
    expect(await limits.take(req('c'))).toEqual({ ok: true });
    expect(await limits.take(req('d'))).toEqual({ ok: false, reason: 'window', waitMs: 300 });
  });

  it('serves waiters in arrival order and tells later ones a longer wait', async () => {
    const clock = fakeClock();
    const limits = new MemoryApiLimits({ maxRequests: 1, interval: 1000, now: clock.now });
    await limits.take(req('a'));
    await limits.release('a', true);
    const waits = [];
    for (const id of ['b', 'c', 'd']) waits.push(await limits.take(req(id)));
    expect(waits).toEqual([
      { ok: false, reason: 'window', waitMs: 1000 },
      { ok: false, reason: 'window', waitMs: 2000 },
      { ok: false, reason: 'window', waitMs: 3000 },
    ]);
    clock.advance(1000);
    // A newcomer and a later waiter do not jump the queue.
    expect(await limits.take(req('e'))).toMatchObject({ ok: false });
    expect(await limits.take(req('c'))).toMatchObject({ ok: false });
    expect(await limits.take(req('b'))).toEqual({ ok: true });
    // A waiter that gives up leaves the queue.
    await limits.release('c', false);
    await limits.release('b', false);
    expect(await limits.take(req('d'))).toEqual({ ok: true });
  });

  it('refuses during a ban, a backoff of the family and an exhausted quota (until the next UTC midnight)', async () => {
    const clock = fakeClock();
    const date = Date.UTC(2026, 11, 2, 23, 0, 0);
    const limits = new MemoryApiLimits({ now: clock.now, date: () => date });
    await limits.backoff('/users/{ids}', 5);
    expect(await limits.take(req('a', '/users/{ids}'))).toEqual({ ok: false, reason: 'backoff', waitMs: 5000 });
    expect(await limits.take(req('b', '/sites'))).toEqual({ ok: true });
    await limits.backoff('/users/{ids}', 1);
    expect(await limits.take(req('a', '/users/{ids}'))).toMatchObject({ waitMs: 5000 });
    await limits.quota('q', { max: 10_000, remaining: 0 });
    expect(await limits.take(req('c', '/sites', 'q'))).toEqual({ ok: false, reason: 'quota', waitMs: 3_600_000 });
    expect(await limits.take(req('c', '/sites', 'other'))).toEqual({ ok: true });
    await limits.quota('q', { max: 10_000, remaining: 5 });
    expect(await limits.take(req('d', '/sites', 'q'))).toEqual({ ok: true });
    await limits.ban(12);
    expect(await limits.take(req('e'))).toEqual({ ok: false, reason: 'ban', waitMs: 12_000 });
    clock.advance(12_000);
    expect(await limits.take(req('e'))).toEqual({ ok: true });
  });

  it('computes the queue estimate and the time to UTC midnight', () => {
    expect(queueWait(200, 0, 30, 1000)).toBe(200);
    expect(queueWait(0, 65, 30, 1000)).toBe(2001);
    expect(msToUtcMidnight(Date.UTC(2026, 0, 1, 0, 0, 0))).toBe(86_400_000);
    expect(msToUtcMidnight(Date.UTC(2026, 0, 1, 23, 59, 59))).toBe(1000);
  });

  it('refuses malformed and unknown options', () => {
    expect(() => new MemoryApiLimits({ maxRequests: 0 })).toThrow(/options\.maxRequests/);
    expect(() => new MemoryApiLimits({ intervall: 5 } as never)).toThrow(/did you mean interval/);
  });
});

describe('StackExchangeClient under the limits', () => {
  let se: Sandbox;
  let ada: SandboxUser;
  beforeAll(async () => {
    se = await createSandbox({ port: 0 });
    ada = se.users[0] as SandboxUser;
  });
  afterAll(() => se.close());

  const clientFor = (options: Partial<StackExchangeClientOptions> = {}): StackExchangeClient =>
    new StackExchangeClient({ key: se.clients[0]?.key ?? '', apiURL: se.apiURL, cache: false, retry: { minDelay: 1, maxDelay: 2 }, ...options });

  it('pauses every request to the API root during a ban it was told of: 429 with Retry-After, nothing sent, never retried', async () => {
    se.reset();
    const apiLimits = new MemoryApiLimits();
    se.fault('api', 'ban', { seconds: 45, times: 1 });
    const banned = await rejectionWithin(clientFor({ apiLimits }).get('/sites'));
    expect(banned).toBeInstanceOf(StackExchangeApiError);
    expect(banned).toMatchObject({ code: 'API_ERROR', errorName: 'throttle_violation', status: 429, retryAfter: 45, headers: { 'Retry-After': '45' } });
    const from = se.requests.length;
    const token = se.issueToken({ accountId: ada.accountId }).accessToken;
    const later = await rejectionWithin(clientFor({ apiLimits, accessToken: token }).get('/me'));
    expect(later).toMatchObject({ code: 'API_THROTTLED', errorId: 502, status: 429 });
    expect((later as StackExchangeApiError).retryAfter).toBeLessThanOrEqual(45);
    expect((later as StackExchangeApiError).headers).toEqual({ 'Retry-After': String((later as StackExchangeApiError).retryAfter) });
    expect(se.requests.length).toBe(from);
  });

  it('answers 503 without Retry-After for a throttle_violation that gives no time, and still pauses', async () => {
    const server = await localServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error_id: 502, error_name: 'throttle_violation', error_message: 'too many requests' }));
    });
    try {
      const apiLimits = new MemoryApiLimits();
      const client = new StackExchangeClient({ key: 'k', apiURL: `${server.url}/2.3`, apiLimits, cache: false });
      expect(await rejectionWithin(client.get('/sites'))).toMatchObject({ status: 503, retryAfter: undefined, headers: undefined });
      expect(await rejectionWithin(client.get('/info'))).toMatchObject({ code: 'API_THROTTLED', retryAfter: 30 });
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('fails at once instead of queueing past maxWait, for a backoff and for the window', async () => {
    se.reset();
    const apiLimits = new MemoryApiLimits({ maxRequests: 1, interval: 60_000 });
    const client = clientFor({ apiLimits, maxWait: 5000 });
    se.setBackoff('/sites', 20);
    expect((await client.get('/sites')).backoff).toBe(20);
    const backoff = await rejectionWithin(client.get('/sites', { page: 2 }), 500);
    expect(backoff).toMatchObject({ code: 'API_THROTTLED', status: 429, retryAfter: 20 });
    const window = await rejectionWithin(client.get('/info'), 500);
    expect(window).toMatchObject({ code: 'API_THROTTLED', status: 429 });
    expect((window as Error).message).toMatch(/window would hold the call longer than maxWait \(5000 ms\); nothing was sent$/);
    expect(se.requests.filter((r) => r.path.startsWith('/2.3/'))).toHaveLength(1);
  });

  it('names the deadline, not maxWait, when the call’s deadline is what a window wait would pass', async () => {
    se.reset();
    const apiLimits = new MemoryApiLimits({ maxRequests: 1, interval: 60_000 });
    const client = clientFor({ apiLimits, maxWait: 30_000, deadline: 2000 });
    await client.get('/sites');
    const window = await rejectionWithin(client.get('/sites', { page: 2 }), 500);
    expect(window).toMatchObject({ code: 'API_THROTTLED', status: 429 });
    expect((window as Error).message).toMatch(/window would hold the call past its deadline \(2000 ms\); nothing was sent$/);
    expect(se.requests.filter((r) => r.path.startsWith('/2.3/'))).toHaveLength(1);
  });

  it('lets 1,500 abandoned calls leave the queue: an unrelated read goes next', async () => {
    se.reset();
    const apiLimits = new MemoryApiLimits({ maxRequests: 1, interval: 200 });
    const abandoned = new AbortController();
    const crowd = new StackExchangeClient({ key: se.clients[0]?.key ?? '', apiURL: se.apiURL, cache: false, apiLimits, maxWait: 1_000_000, deadline: 1_000_000, signal: abandoned.signal });
    const calls = Array.from({ length: 1500 }, (_, i) => crowd.get('/users/{ids}', { ids: [100_001 + i] }).catch((e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 20));
    abandoned.abort();
    const errors = await Promise.all(calls);
    expect(errors.filter((e) => e instanceof DOMException && e.name === 'AbortError').length).toBeGreaterThanOrEqual(1498);
    const unrelated = await settleWithin(clientFor({ apiLimits }).get('/questions', { pagesize: 1 }), 1000);
    expect(unrelated).not.toBe('pending');
    expect(se.requests.filter((r) => r.path.startsWith('/2.3/')).length).toBeLessThanOrEqual(3);
  });

  it('tracks the quota per key and token, calls onQuota, and refuses at 0 with QUOTA_EXHAUSTED until UTC midnight', async () => {
    const sandbox = await createSandbox({ port: 0, quotaMax: 3 });
    try {
      const apiLimits = new MemoryApiLimits();
      const seen: Array<{ max: number; remaining: number }> = [];
      const client = new StackExchangeClient({ key: sandbox.clients[0]?.key ?? '', apiURL: sandbox.apiURL, cache: false, apiLimits, onQuota: (q) => seen.push(q) });
      for (const page of [1, 2, 3]) await client.get('/sites', { page });
      expect(seen).toEqual([{ max: 3, remaining: 2 }, { max: 3, remaining: 1 }, { max: 3, remaining: 0 }]);
      expect(client.quota).toEqual({ max: 3, remaining: 0 });
      const from = sandbox.requests.length;
      const refused = await rejectionWithin(client.get('/sites', { page: 4 }));
      expect(refused).toMatchObject({ code: 'QUOTA_EXHAUSTED', status: 429 });
      const expected = Math.ceil(msToUtcMidnight(Date.now()) / 1000);
      expect(Math.abs(((refused as StackExchangeApiError).retryAfter ?? 0) - expected)).toBeLessThanOrEqual(2);
      expect(sandbox.requests.length).toBe(from);
      // A user's token has its own quota.
      const token = sandbox.issueToken({ accountId: (sandbox.users[0] as SandboxUser).accountId }).accessToken;
      const user = new StackExchangeClient({ key: sandbox.clients[0]?.key ?? '', apiURL: sandbox.apiURL, cache: false, apiLimits, accessToken: token });
      expect((await user.get('/me')).quotaRemaining).toBe(2);
    } finally {
      await sandbox.close();
    }
  });

  it('takes a quota Stack Exchange says is spent (by another process) as QUOTA_EXHAUSTED, not as a ban', async () => {
    const sandbox = await createSandbox({ port: 0, quotaMax: 1 });
    try {
      const key = sandbox.clients[0]?.key ?? '';
      await new StackExchangeClient({ key, apiURL: sandbox.apiURL, cache: false, apiLimits: new MemoryApiLimits() }).get('/sites');
      const apiLimits = new MemoryApiLimits();
      const unaware = new StackExchangeClient({ key, apiURL: sandbox.apiURL, cache: false, apiLimits, retry: false });
      expect(await rejectionWithin(unaware.get('/sites', { page: 2 }))).toMatchObject({ code: 'QUOTA_EXHAUSTED', status: 429, errorName: 'throttle_violation' });
      const from = sandbox.requests.length;
      expect(await rejectionWithin(unaware.get('/sites', { page: 3 }))).toMatchObject({ code: 'QUOTA_EXHAUSTED' });
      expect(sandbox.requests.length).toBe(from);
      // Other quotas (a user's token) are not paused.
      const token = sandbox.issueToken({ accountId: (sandbox.users[0] as SandboxUser).accountId }).accessToken;
      expect((await new StackExchangeClient({ key, apiURL: sandbox.apiURL, cache: false, apiLimits, accessToken: token }).get('/me')).items).toHaveLength(1);
    } finally {
      await sandbox.close();
    }
  });

  it('fails a hanging API within the call deadline, retries included (NETWORK_DEADLINE, 503)', async () => {
    const hang = await localServer(() => undefined);
    try {
      const client = new StackExchangeClient({ key: 'K3Y', apiURL: `${hang.url}/2.3`, timeout: 10_000, deadline: 300, cache: false, apiLimits: new MemoryApiLimits() });
      const error = await rejectionWithin(client.get('/me'), 3000);
      expect(error).toMatchObject({ name: 'StackExchangeNetworkError', code: 'NETWORK_DEADLINE', status: 503, message: "/me: no answer within the call's deadline of 300 ms" });
    } finally {
      await hang.close();
    }
  });

  it('cancels every call with the client-wide signal', async () => {
    const hang = await localServer(() => undefined);
    try {
      const controller = new AbortController();
      const client = new StackExchangeClient({ key: 'k', apiURL: `${hang.url}/2.3`, cache: false, apiLimits: new MemoryApiLimits(), signal: controller.signal });
      const pending = client.get('/me');
      controller.abort(new Error('the browser went away'));
      expect(await rejectionWithin(pending)).toMatchObject({ message: 'the browser went away' });
      expect(await rejectionWithin(client.get('/sites'))).toMatchObject({ message: 'the browser went away' });
    } finally {
      await hang.close();
    }
  });
});
