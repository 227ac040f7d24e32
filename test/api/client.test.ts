import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryApiLimits,
  sharedApiLimits,
  StackExchangeApiError,
  StackExchangeClient,
  StackExchangeNetworkError,
  type AccessTokenInfo,
  type ApiLimits,
  type BackoffEvent,
  type LimitRequest,
  type NetworkUser,
  type Question,
  type ResponseCache,
  type StackExchangeClientOptions,
  type User,
} from 'passport-stackexchange-oauth2';
import { createSandbox, type RecordedRequest, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { localServer } from './local-server.js';
import { rejectionWithin, settleWithin, until } from './settle-within.js';

// Retries in these tests wait 1–2 ms instead of half a second.
const FAST_RETRY = { minDelay: 1, maxDelay: 2 };

let se: Sandbox;
let ada: SandboxUser;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  ada = se.users[0] as SandboxUser;
});
afterAll(() => se.close());

// One window for every test of the file (they share the sandbox's 30/s), and no response cache: these
// tests count the requests they cause. Tests that provoke a throttle_violation pass their own limits
// (`banned()`), since the client then rightly pauses everything for the ban's 30 s.
const limits = new MemoryApiLimits();

/** Limits with the file's window but bans, backoffs and quota of their own. */
function banned(): { apiLimits: ApiLimits } {
  const own = new MemoryApiLimits({ maxRequests: 1_000_000 });
  return {
    apiLimits: {
      maxRequests: limits.maxRequests,
      interval: limits.interval,
      take: async (request) => {
        const decision = await own.take(request);
        await own.release(request.id, false);
        return decision.ok ? limits.take(request) : decision;
      },
      release: (id, sent) => limits.release(id, sent),
      backoff: (family, seconds) => own.backoff(family, seconds),
      ban: (seconds) => own.ban(seconds),
      quota: (quota, value) => own.quota(quota, value),
    },
  };
}

function clientFor(sandbox: Sandbox, options: Partial<StackExchangeClientOptions> = {}): StackExchangeClient {
  return new StackExchangeClient({ key: (sandbox.clients[0] ?? { key: '' }).key, apiURL: sandbox.apiURL, retry: FAST_RETRY, cache: false, apiLimits: limits, ...options });
}

/** How many requests `apiLimits` would let through now (probes taken and given back unsent). */
async function available(apiLimits: MemoryApiLimits): Promise<number> {
  const probes: string[] = [];
  while ((await apiLimits.take({ id: `probe-${probes.length}`, family: '/probe', quota: 'probe' })).ok) probes.push(`probe-${probes.length}`);
  await apiLimits.release(`probe-${probes.length}`, false);
  for (const id of probes) await apiLimits.release(id, false);
  return probes.length;
}

/** The wait `apiLimits` imposes on `family` now (0 when a request could go), given back unsent. */
async function backoffLeft(apiLimits: MemoryApiLimits, family: string): Promise<number> {
  const decision = await apiLimits.take({ id: 'probe-backoff', family, quota: 'probe' });
  await apiLimits.release('probe-backoff', false);
  return decision.ok ? 0 : decision.reason === 'backoff' ? decision.waitMs : 0;
}

function tokenFor(sandbox: Sandbox, user: SandboxUser, scope: string[] = []): string {
  return sandbox.issueToken({ accountId: user.accountId, scope }).accessToken;
}

/** The API requests recorded since `from` (an index into `se.requests`). */
function apiRequestsSince(sandbox: Sandbox, from: number): RecordedRequest[] {
  return sandbox.requests.slice(from).filter((r) => r.path.startsWith('/2.3/'));
}

/** Fails the test if `error`, however it is logged, shows `secrets`. */
function expectRedacted(error: unknown, secrets: string[]): void {
  const shown = [inspect(error, { depth: 10 }), JSON.stringify(error), String(error), (error as Error).stack ?? ''].join('\n');
  for (const secret of secrets) expect(shown, 'a secret leaked into the error').not.toContain(secret);
}

/** Ids of questions on stackoverflow that `user` does not own (so that upvoting them is allowed). */
async function votableQuestions(sandbox: Sandbox, user: SandboxUser): Promise<number[]> {
  const all = await clientFor(sandbox).get<Question>('/questions', { pagesize: 100 });
  return all.items.filter((q) => q.owner?.account_id !== user.accountId).map((q) => q.question_id);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('get', () => {
  it('sends key, site, access_token, User-Agent and Accept-Encoding, and maps the compressed wrapper', async () => {
    const token = tokenFor(se, ada);
    const client = clientFor(se, { accessToken: token, userAgent: 'my-app/2.0' });
    const from = se.requests.length;
    const me = await client.get<User>('/me');
    expect(me.items).toEqual([ada.sites.stackoverflow]);
    expect(me).toMatchObject({ hasMore: false, quotaMax: 10000 });
    expect(me.raw).toMatchObject({ has_more: false, quota_max: 10000 });
    expect(client.quota).toEqual({ max: me.quotaMax, remaining: me.quotaRemaining });
    const [sent] = apiRequestsSince(se, from);
    expect(sent).toMatchObject({ method: 'GET', path: '/2.3/me', query: { key: se.clients[0]?.key, site: 'stackoverflow', access_token: token }, form: null });
    expect(sent?.headers['user-agent']).toBe('my-app/2.0 passport-stackexchange-oauth2/0.1.0');
    expect(sent?.headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('sends no site on network-wide methods, and a per-call site when given', async () => {
    const client = clientFor(se, { accessToken: tokenFor(se, ada) });
    const from = se.requests.length;
    const associated = await client.get<NetworkUser>('/me/associated');
    expect(associated.items.map((u) => u.site_name)).toEqual(ada.network.map((u) => u.site_name));
    const math = await client.get<User>('/me', { site: 'math' });
    expect(math.items[0]?.user_id).toBe(ada.sites.math?.user_id);
    const [first, second] = apiRequestsSince(se, from);
    expect(first?.query).not.toHaveProperty('site');
    expect(second?.query.site).toBe('math');
  });

  it('answers items: [] for a user with no account on the site', async () => {
    const noSO = se.users.find((u) => !u.sites.stackoverflow) as SandboxUser;
    const me = await clientFor(se, { accessToken: tokenFor(se, noSO) }).get<User>('/me');
    expect(me.items).toEqual([]);
  });

  it('encodes arrays with ; and dates as Unix seconds in the query', async () => {
    const client = clientFor(se);
    const from = se.requests.length;
    const answer = await client.get<Question>('/questions', { tagged: ['node.js', 'express'], pagesize: 5, order: 'asc', sort: 'creation', todate: new Date('2030-01-01T00:00:00Z'), filter: undefined });
    expect(answer.items.every((q) => q.tags.includes('node.js') && q.tags.includes('express'))).toBe(true);
    expect(apiRequestsSince(se, from)[0]?.query).toEqual({ tagged: 'node.js;express', pagesize: '5', order: 'asc', sort: 'creation', todate: '1893456000', site: 'stackoverflow', key: se.clients[0]?.key });
  });

  it('splits 250 ids into exactly 3 requests of at most 100 and merges the answers', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => 1000 + i);
    const from = se.requests.length;
    const users = await clientFor(se).get<User>('/users/{ids}', { ids });
    const sent = apiRequestsSince(se, from);
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => r.path.split('/')[3]?.split(';').length).sort()).toEqual([100, 100, 50]);
    expect(new Set(sent.flatMap((r) => r.path.split('/')[3]?.split(';') ?? [])).size).toBe(250);
    const known = se.users.flatMap((u) => (u.sites.stackoverflow ? [u.sites.stackoverflow.user_id] : []));
    expect(users.items.map((u) => u.user_id).sort()).toEqual(known.sort());
    expect(users.hasMore).toBe(false);
  });

  it('returns every item of a vector over 100: 250 generated ids → 250 users in 3 requests with pagesize=100', async () => {
    const ids = se.generatedUsers.slice(0, 250).map((u) => u.sites.stackoverflow?.user_id ?? 0);
    const from = se.requests.length;
    const users = await clientFor(se).get('/users/{ids}', { ids });
    expect(users.items.map((u) => u.user_id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const sent = apiRequestsSince(se, from);
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => r.query.pagesize)).toEqual(['100', '100', '100']);
    // The caller's pagesize wins: 30 per part, and has_more says so.
    const paged = await clientFor(se).get('/users/{ids}', { ids: ids.slice(0, 100), pagesize: 30 });
    expect([paged.items.length, paged.hasMore]).toEqual([30, true]);
  });

  it('sends pagesize=100 on a vector whose pagesize is null (left out), and each id of a split vector once', async () => {
    const ids = se.generatedUsers.slice(0, 150).map((u) => u.sites.stackoverflow?.user_id ?? 0);
    const from = se.requests.length;
    const users = await clientFor(se).get<User>('/users/{ids}', { ids: [...ids, ids[0] ?? 0, ids[120] ?? 0], pagesize: null });
    expect(users.items.map((u) => u.user_id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const sent = apiRequestsSince(se, from);
    expect(sent.map((r) => [r.path.split('/')[3]?.split(';').length, r.query.pagesize])).toEqual([[100, '100'], [50, '100']]);
  });

  it.each(['{"items": [', 'null', '"x"', '42'])('answers a read from the API when its cache entry is %s (not a wrapper: a miss)', async (entry) => {
    const stored: string[] = [];
    const corrupt: ResponseCache = { get: () => Promise.resolve(entry), set: (_key, value) => { stored.push(value); return Promise.resolve(); }, dropGroup: () => Promise.resolve() };
    const from = se.requests.length;
    const sites = await clientFor(se, { cache: corrupt }).get('/sites', { pagesize: 2 });
    expect(sites.items).toHaveLength(2);
    expect(apiRequestsSince(se, from)).toHaveLength(1);
    expect(stored).toHaveLength(1);
  });

  it('pages a split vector part by part with paginate(): everything, each part until has_more is false', async () => {
    const ids = se.generatedUsers.slice(0, 150).map((u) => u.sites.stackoverflow?.user_id ?? 0);
    const from = se.requests.length;
    const seen: number[] = [];
    for await (const user of clientFor(se).paginate('/users/{ids}', { ids, pagesize: 40 })) seen.push(user.user_id);
    expect(seen.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const sent = apiRequestsSince(se, from).map((r) => `${r.path.split('/')[3]?.split(';').length ?? 0}:${String(r.query.page)}`);
    expect(sent).toEqual(['100:1', '100:2', '100:3', '50:1', '50:2']);
  });

  it('omits site with site: null, and sends none to network-wide methods of the catalogue', async () => {
    const token = tokenFor(se, ada);
    const from = se.requests.length;
    await clientFor(se, { accessToken: token }).get('/me/associated');
    await clientFor(se).get('/sites', { site: null });
    await clientFor(se, { accessToken: token }).get('/me/network-activity').catch(() => undefined);
    const sent = apiRequestsSince(se, from);
    expect(sent.map((r) => r.query.site)).toEqual([undefined, undefined, undefined]);
  });

  it('creates a filter once per definition and applies it', async () => {
    const from = se.requests.length;
    const client = clientFor(se);
    const [a, b] = await Promise.all([
      client.createFilter({ include: ['.total', 'question.body'] }),
      clientFor(se).createFilter({ include: ['question.body', '.total'] }),
    ]);
    expect(a).toBe(b);
    expect(a.startsWith('!')).toBe(true);
    expect(apiRequestsSince(se, from).map((r) => r.path)).toEqual(['/2.3/filters/create']);
    const answer = await client.get('/questions', { pagesize: 2, filter: a });
    expect(answer.raw.total).toBeGreaterThan(0);
    expect(typeof answer.items[0]?.body).toBe('string');
    await expect(client.createFilter({ include: 'question.body' as never })).rejects.toThrow(/include must be an array of field names/);
  });

  it('creates a shared filter for every caller: one caller\'s abort (its call\'s or its client\'s signal) ends its own wait only', async () => {
    const from = se.requests.length;
    const leaving = new AbortController();
    const pageGone = new AbortController();
    const definition = { include: ['user.about_me', '.quota_max'] };
    const first = clientFor(se, { signal: pageGone.signal }).createFilter(definition);
    const second = clientFor(se).createFilter(definition, { signal: leaving.signal });
    const third = clientFor(se).createFilter(definition);
    pageGone.abort();
    leaving.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect((await third).startsWith('!')).toBe(true);
    expect(apiRequestsSince(se, from).map((r) => r.path)).toEqual(['/2.3/filters/create']);
    await expect(clientFor(se).createFilter(definition, { signal: 'x' as never })).rejects.toThrow(/createFilter\(\) options\.signal/);
  });

  it('refuses key or access_token in params and missing placeholders', async () => {
    const client = clientFor(se);
    await expect(client.get('/me', { access_token: 'x' })).rejects.toThrow(/params\.access_token is set by the client/);
    await expect(client.get('/me', { key: 'x' })).rejects.toThrow(TypeError);
    await expect(client.get('/users/{ids}')).rejects.toThrow(/params\.ids is required/);
    await expect(client.get('https://evil.example/me')).rejects.toThrow(TypeError);
  });
});

describe('paginate', () => {
  it('follows has_more until it is false', async () => {
    const from = se.requests.length;
    const items: Question[] = [];
    for await (const q of clientFor(se).paginate<Question>('/questions', { pagesize: 20 })) items.push(q);
    const sent = apiRequestsSince(se, from);
    expect(sent.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    expect(items).toHaveLength(45);
    expect(new Set(items.map((q) => q.question_id)).size).toBe(45);
  });

  it('stops at maxPages, and when the loop breaks', async () => {
    const client = clientFor(se);
    let from = se.requests.length;
    const items: Question[] = [];
    for await (const q of client.paginate<Question>('/questions', { pagesize: 10, maxPages: 2 })) items.push(q);
    expect(items).toHaveLength(20);
    expect(apiRequestsSince(se, from).map((r) => r.query.page)).toEqual(['1', '2']);
    expect(apiRequestsSince(se, from).every((r) => r.query.maxPages === undefined)).toBe(true);

    from = se.requests.length;
    for await (const q of client.paginate<Question>('/questions', { pagesize: 10, page: 3 })) {
      expect(q.question_id).toBeTypeOf('number');
      break;
    }
    expect(apiRequestsSince(se, from).map((r) => r.query.page)).toEqual(['3']);
  });

  it('validates maxPages and page', async () => {
    const pages = clientFor(se).paginate('/questions', { maxPages: 0 });
    await expect(pages.next()).rejects.toThrow(/params\.maxPages/);
    await expect(clientFor(se).paginate('/questions', { page: 0 }).next()).rejects.toThrow(/params\.page/);
  });
});

describe('post', () => {
  it('sends a form-encoded body with key, access_token and site, nothing in the query', async () => {
    const token = tokenFor(se, ada, ['write_access']);
    const client = clientFor(se, { accessToken: token });
    const from = se.requests.length;
    const answer = await client.post<Question & { upvoted: boolean }>('/questions/{id}/upvote', { id: 500_003, preview: true });
    expect(answer.items[0]).toMatchObject({ question_id: 500_003, upvoted: true });
    const [sent] = apiRequestsSince(se, from);
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/2.3/questions/500003/upvote');
    expect(sent?.query).toEqual({});
    expect(sent?.form).toEqual({ preview: 'true', site: 'stackoverflow', key: se.clients[0]?.key, access_token: token });
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(se.upvotes).toHaveLength(0);
  });

  it('is never retried, even on temporarily_unavailable', async () => {
    const client = clientFor(se, { accessToken: tokenFor(se, ada, ['write_access']) });
    se.fault('api', 'unavailable', { times: 1 });
    const from = se.requests.length;
    const error = await rejection(client.post('/questions/{id}/upvote', { id: 500_003, preview: true }));
    expect(error).toMatchObject({ errorId: 503 });
    expect(apiRequestsSince(se, from)).toHaveLength(1);
  });

  it('refuses to split a write vector', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => i + 1);
    await expect(clientFor(se).post('/questions/{id}/upvote', { id: ids })).rejects.toThrow(/at most 100/);
  });
});

describe('retries', () => {
  it('retries a GET on temporarily_unavailable and succeeds: 3 requests', async () => {
    const client = clientFor(se);
    se.fault('api', 'unavailable', { times: 2 });
    const from = se.requests.length;
    const answer = await client.get('/sites');
    expect(answer.items.length).toBeGreaterThan(0);
    expect(apiRequestsSince(se, from)).toHaveLength(3);
  });

  it('gives up after 3 retries on internal_error', async () => {
    se.fault('api', 'internal', { times: 5 });
    const from = se.requests.length;
    await expect(clientFor(se).get('/sites')).rejects.toMatchObject({ errorId: 500, errorName: 'internal_error' });
    expect(apiRequestsSince(se, from)).toHaveLength(4);
    se.fault('api', null);
  });

  it('does not retry throttle_violation, nor anything with retry: false', async () => {
    se.fault('api', 'throttle', { times: 1 });
    let from = se.requests.length;
    await expect(clientFor(se, banned()).get('/sites')).rejects.toMatchObject({ errorId: 502, status: 429, retryAfter: 30, headers: { 'Retry-After': '30' } });
    expect(apiRequestsSince(se, from)).toHaveLength(1);
    se.fault('api', 'unavailable', { times: 1 });
    from = se.requests.length;
    await expect(clientFor(se, { retry: false }).get('/sites')).rejects.toMatchObject({ errorId: 503 });
    expect(apiRequestsSince(se, from)).toHaveLength(1);
  });
});

describe('errors', () => {
  const withoutKey = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    url.searchParams.delete('key');
    return fetch(url, init);
  }) as typeof fetch;

  // One call per error id the API documents, each provoked the way Stack Exchange would answer it.
  const cases: Array<[number, string, number, () => Promise<unknown>]> = [
    [400, 'bad_parameter', 502, () => clientFor(se).get('/questions', { site: 'no-such-site' })],
    [401, 'access_token_required', 401, () => clientFor(se).get('/me')],
    [402, 'invalid_access_token', 401, async () => {
      const token = tokenFor(se, ada);
      se.expireToken(token);
      return clientFor(se, { accessToken: token }).get('/me');
    }],
    [403, 'access_denied', 403, () => clientFor(se, { accessToken: tokenFor(se, ada) }).get('/me/inbox')],
    [404, 'no_method', 502, () => clientFor(se).get('/users/{ids}', { ids: ['not-a-number'] })],
    [405, 'key_required', 502, () => clientFor(se, { accessToken: tokenFor(se, ada), fetch: withoutKey }).get('/me')],
    [406, 'access_token_compromised', 401, () => {
      se.fault('api', 'compromised', { times: 1 });
      return clientFor(se, { accessToken: tokenFor(se, ada) }).get('/me');
    }],
    [407, 'write_failed', 502, async () => {
      const voter = se.users[1] as SandboxUser;
      const [a, b] = await votableQuestions(se, voter);
      // Own backoffs: the write_failed answer carries one for writes, which would hold every later write
      // of the file (seconds of waiting in the duplicate_request test).
      const client = clientFor(se, { accessToken: tokenFor(se, voter, ['write_access']), ...banned() });
      await client.post('/questions/{id}/upvote', { id: a ?? 0 });
      return client.post('/questions/{id}/upvote', { id: b ?? 0 });
    }],
    [500, 'internal_error', 502, () => {
      se.fault('api', 'internal', { times: 1 });
      return clientFor(se, { retry: false }).get('/sites');
    }],
    [502, 'throttle_violation', 429, () => {
      se.fault('api', 'throttle', { times: 1 });
      return clientFor(se, banned()).get('/sites');
    }],
    [503, 'temporarily_unavailable', 503, () => {
      se.fault('api', 'unavailable', { times: 1 });
      return clientFor(se, { retry: false }).get('/sites');
    }],
  ];

  it.each(cases)('maps error_id %i (%s) to status %i, redacted', async (errorId, errorName, status, call) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(StackExchangeApiError);
    expect(error).toMatchObject({ errorId, errorName, status, statusCode: status, httpStatus: 400, code: 'API_ERROR' });
    expect((error as StackExchangeApiError).message).toMatch(new RegExp(`\\(${errorName}, error_id ${errorId}\\)$`));
    const tokens = se.requests.flatMap((r) => [r.query.access_token, r.form?.access_token]).filter((t): t is string => typeof t === 'string');
    expectRedacted(error, [...tokens, se.clients[0]?.key ?? '']);
  });

  it('maps duplicate_request (409) for a repeated request_id', async () => {
    const sandbox = await createSandbox({ port: 0, writeInterval: 0 });
    try {
      const voter = sandbox.users[1] as SandboxUser;
      const [id = 0] = await votableQuestions(sandbox, voter);
      const token = tokenFor(sandbox, voter, ['write_access']);
      const client = clientFor(sandbox, { accessToken: token });
      await client.post('/questions/{id}/upvote', { id, request_id: 'r-1' });
      const error = await rejection(client.post('/questions/{id}/upvote', { id, request_id: 'r-1' }));
      expect(error).toMatchObject({ errorId: 409, errorName: 'duplicate_request', status: 502, method: '/questions/{id}/upvote' });
      expectRedacted(error, [token, sandbox.clients[0]?.key ?? '']);
    } finally {
      await sandbox.close();
    }
  });

  it('names the method, redacting a token written into the path', async () => {
    const token = tokenFor(se, ada);
    se.fault('api', 'throttle', { times: 1 });
    const error = await rejection(clientFor(se, banned()).get(`/access-tokens/${token}`));
    expect(error).toMatchObject({ method: '/access-tokens/[REDACTED]' });
    expectRedacted(error, [token]);
  });

  it('keeps a token written into the path out of onBackoff, and counts it as its method family', async () => {
    const sandbox = await createSandbox({ port: 0 });
    try {
      const token = tokenFor(sandbox, ada);
      const events: BackoffEvent[] = [];
      sandbox.setBackoff('/access-tokens/{tokens}', 1);
      await clientFor(sandbox, { onBackoff: (e) => events.push(e) }).get(`/access-tokens/${encodeURIComponent(token)}`);
      expect(events).toEqual([{ method: '/access-tokens/{tokens}', seconds: 1 }]);
      expect(await backoffLeft(limits, '/access-tokens/{tokens}')).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses a full URL as the path without echoing its key or token', async () => {
    const error = await rejection(clientFor(se).get('https://api.stackexchange.com/2.3/me?key=K3Y-never-shown&access_token=T0K-never-shown'));
    expect(error).toBeInstanceOf(TypeError);
    expectRedacted(error, ['K3Y-never-shown', 'T0K-never-shown']);
  });

  it('calls onTokenRejected for 402 and 406 with the error, not for other errors', async () => {
    const rejected: StackExchangeApiError[] = [];
    const onTokenRejected = async (error: StackExchangeApiError): Promise<void> => {
      await Promise.resolve();
      rejected.push(error);
    };
    const expired = tokenFor(se, ada);
    se.expireToken(expired);
    const e402 = await rejection(clientFor(se, { accessToken: expired, onTokenRejected }).get('/me'));
    expect(rejected).toEqual([e402]);
    await expect(clientFor(se, { accessToken: tokenFor(se, ada), onTokenRejected }).get('/me/inbox')).rejects.toMatchObject({ errorId: 403 });
    se.fault('api', 'compromised', { times: 1 });
    const e406 = await rejection(clientFor(se, { accessToken: tokenFor(se, ada), onTokenRejected: (e) => { rejected.push(e); throw new Error('hook bug'); } }).get('/me'));
    expect(e406).toMatchObject({ errorId: 406 });
    expect(rejected).toEqual([e402, e406]);
  });

  it('calls every waiting client’s onTokenRejected when identical reads in flight shared one rejected request', async () => {
    const expired = tokenFor(se, ada);
    se.expireToken(expired);
    const seen: string[] = [];
    const from = se.requests.length;
    const [a, b] = await Promise.all(['a', 'b'].map((name) => rejection(clientFor(se, { accessToken: expired, onTokenRejected: () => void seen.push(name) }).get('/me'))));
    expect(apiRequestsSince(se, from).map((r) => r.path)).toEqual(['/2.3/me']);
    expect([a, b]).toEqual([expect.objectContaining({ errorId: 402 }), expect.objectContaining({ errorId: 402 })]);
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('times out on an API that never answers, retrying reads, redacting key and token', async () => {
    const hang = await localServer(() => undefined);
    try {
      const client = new StackExchangeClient({ key: 'K3Y-never-shown', accessToken: 'T0K-never-shown', apiURL: `${hang.url}/2.3`, timeout: 100, retry: { retries: 1, ...FAST_RETRY } });
      const error = await rejection(client.get('/me'));
      expect(error).toBeInstanceOf(StackExchangeNetworkError);
      expect(error).toMatchObject({ code: 'NETWORK_TIMEOUT', method: '/me', status: 503, message: 'GET /me: no answer within 100 ms' });
      expect(hang.seen.map((r) => new URL(r.url, hang.url).pathname)).toEqual(['/2.3/me', '/2.3/me']);
      expect(hang.seen[0]?.url).toContain('access_token=T0K-never-shown');
      expectRedacted(error, ['K3Y-never-shown', 'T0K-never-shown']);

      const write = await rejection(client.post('/questions/{id}/upvote', { id: 1 }));
      expect(write).toMatchObject({ code: 'NETWORK_TIMEOUT' });
      expect(hang.seen).toHaveLength(3);
    } finally {
      await hang.close();
    }
  });

  it('fails cleanly when the API cannot be reached, redacting key and token', async () => {
    const gone = await localServer(() => undefined);
    await gone.close();
    const client = new StackExchangeClient({ key: 'K3Y-never-shown', accessToken: 'T0K-never-shown', apiURL: `${gone.url}/2.3`, retry: false });
    const error = await rejection(client.get('/me'));
    expect(error).toMatchObject({ code: 'NETWORK_FAILED', method: '/me' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expectRedacted(error, ['K3Y-never-shown', 'T0K-never-shown']);
  });
});

describe('tokens', () => {
  it('inspects the client’s own token without sending it as access_token', async () => {
    const token = tokenFor(se, ada, ['read_inbox']);
    const client = clientFor(se, { accessToken: token });
    const from = se.requests.length;
    const info = await client.inspectToken();
    expect(info).toMatchObject<Partial<AccessTokenInfo>>({ access_token: token, account_id: ada.accountId, scope: ['read_inbox'] });
    const [sent] = apiRequestsSince(se, from);
    expect(sent?.path).toBe(`/2.3/access-tokens/${token}`);
    expect(sent?.query).toEqual({ key: se.clients[0]?.key });
  });

  it('invalidates its token when the token\'s own quota is spent: the request goes without the token, on the key\'s quota', async () => {
    const sandbox = await createSandbox({ port: 0, quotaMax: 2 });
    try {
      const token = tokenFor(sandbox, sandbox.users[0] as SandboxUser);
      const client = clientFor(sandbox, { accessToken: token, apiLimits: new MemoryApiLimits() });
      expect((await client.get('/me', { pagesize: 1 })).quotaRemaining).toBe(1);
      expect((await client.get('/me', { pagesize: 2 })).quotaRemaining).toBe(0);
      await expect(client.get('/me', { pagesize: 3 })).rejects.toMatchObject({ code: 'QUOTA_EXHAUSTED' });
      const from = sandbox.requests.length;
      await client.invalidateToken();
      expect(apiRequestsSince(sandbox, from).map((r) => r.path)).toEqual([`/2.3/access-tokens/${token}/invalidate`]);
      await expect(clientFor(sandbox, { accessToken: token, apiLimits: new MemoryApiLimits() }).get('/me')).rejects.toMatchObject({ errorId: 402 });
    } finally {
      await sandbox.close();
    }
  });

  it('inspects another token, and answers undefined for an unknown one', async () => {
    const other = tokenFor(se, se.users[1] as SandboxUser);
    const client = clientFor(se);
    expect(await client.inspectToken(other)).toMatchObject({ access_token: other, account_id: se.users[1]?.accountId });
    expect(await client.inspectToken('no-such-token')).toBeUndefined();
    await expect(client.inspectToken()).rejects.toThrow(/inspectToken\(\) needs a token/);
  });

  it('invalidates the token, after which the API rejects it', async () => {
    const token = tokenFor(se, ada);
    const rejected: number[] = [];
    const client = clientFor(se, { accessToken: token, onTokenRejected: (e) => void rejected.push(e.errorId) });
    const from = se.requests.length;
    await client.invalidateToken();
    const [sent] = apiRequestsSince(se, from);
    expect(sent?.path).toBe(`/2.3/access-tokens/${token}/invalidate`);
    expect(sent?.query).toEqual({ key: se.clients[0]?.key });
    await expect(client.get('/me')).rejects.toMatchObject({ errorId: 402, status: 401 });
    expect(rejected).toEqual([402]);
    expect(await client.inspectToken()).toBeUndefined();
  });
});

describe('backoff', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());

  it('holds later calls of the family (/me ≡ /users/{ids}) until the backoff passed, in every client; others go on', async () => {
    const events: BackoffEvent[] = [];
    const token = tokenFor(sandbox, ada);
    sandbox.setBackoff('/users/{ids}', 1);
    const first = await clientFor(sandbox, { accessToken: token, onBackoff: (e) => events.push(e) }).get<User>('/me');
    expect(first.backoff).toBe(1);
    expect(events).toEqual([{ method: '/users/{ids}', seconds: 1 }]);

    // A fresh client (as the router makes per request) shares the process-wide registry.
    const later = clientFor(sandbox).get<User>('/users/{ids}', { ids: [1001] });
    const other = await clientFor(sandbox).get('/sites');
    expect(other.items.length).toBeGreaterThan(0);
    expect((await later).items[0]?.user_id).toBe(1001);

    const sent = apiRequestsSince(sandbox, 0).map((r) => ({ path: r.path, time: r.time }));
    expect(sent.map((r) => r.path)).toEqual(['/2.3/me', '/2.3/sites', '/2.3/users/1001']);
    expect((sent[2]?.time ?? 0) - (sent[0]?.time ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(sandbox.throttleViolations).toEqual([]);
  });

  it('is what keeps the sandbox quiet: a client with its own empty limits is caught', async () => {
    sandbox.reset();
    sandbox.setBackoff('/users/{ids}', 5);
    await clientFor(sandbox, { apiLimits: new MemoryApiLimits() }).get('/users/{ids}', { ids: [1001] });
    const error = await rejection(clientFor(sandbox, { apiLimits: new MemoryApiLimits(), retry: false }).get('/users/{ids}', { ids: [1002] }));
    expect(error).toMatchObject({ errorId: 502, errorName: 'throttle_violation' });
    expect(sandbox.throttleViolations).toMatchObject([{ method: '/users/{ids}', reason: 'backoff' }]);
  });

  it('remembers a backoff carried by an error (write_failed) and waits before the next write', async () => {
    const events: BackoffEvent[] = [];
    const registry = new MemoryApiLimits({ secondMs: 100 });
    const voter = sandbox.users[1] as SandboxUser;
    const [a = 0, b = 0] = await votableQuestions(sandbox, voter);
    const client = clientFor(sandbox, { accessToken: tokenFor(sandbox, voter, ['write_access']), apiLimits: registry, onBackoff: (e) => events.push(e) });
    await client.post('/questions/{id}/upvote', { id: a });
    const error = await rejection(client.post('/questions/{id}/upvote', { id: b }));
    expect(error).toMatchObject({ errorId: 407 });
    expect((error as StackExchangeApiError).backoff).toBeGreaterThan(0);
    expect(events).toEqual([{ method: '/questions/{id}/upvote', seconds: (error as StackExchangeApiError).backoff }]);
    expect(await backoffLeft(registry, '/questions/{id}/upvote')).toBeGreaterThan(0);
  });
});

describe('rate limit', () => {
  it('holds 30 requests per second under a burst of 200 calls (the process-wide default)', { timeout: 20_000 }, async () => {
    const sandbox = await createSandbox({ port: 0 });
    try {
      const clients = Array.from({ length: 200 }, () => clientFor(sandbox, { apiLimits: sharedApiLimits(sandbox.apiURL) }));
      // Distinct reads: identical ones in flight would share one request.
      const answers = await Promise.all(clients.map((c, i) => c.get('/sites', { page: i + 1 })));
      expect(answers).toHaveLength(200);
      expect(apiRequestsSince(sandbox, 0)).toHaveLength(200);
      expect(sandbox.throttleViolations).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('is what keeps the sandbox quiet: a burst through a looser limiter is caught', async () => {
    const sandbox = await createSandbox({ port: 0, maxRequestsPerSecond: 10 });
    try {
      const loose = new MemoryApiLimits({ maxRequests: 1000 });
      const results = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => clientFor(sandbox, { apiLimits: loose, retry: false }).get('/sites', { page: i + 1 })));
      expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
      expect(sandbox.throttleViolations.some((v) => v.reason === 'rate')).toBe(true);
    } finally {
      await sandbox.close();
    }
  });

  it('honours a lower limit given as MemoryApiLimits', async () => {
    const sandbox = await createSandbox({ port: 0, maxRequestsPerSecond: 5 });
    try {
      const limiter = new MemoryApiLimits({ maxRequests: 5 });
      // 8 calls: more than one window's worth, so the limiter has to hold some for the next second.
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => clientFor(sandbox, { apiLimits: limiter }).get('/sites', { page: i + 1 })));
      expect(answers).toHaveLength(8);
      expect(sandbox.throttleViolations).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });
});

describe('cancellation', () => {
  const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;
  const isAbortError = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

  it('sends nothing for a call whose signal has already aborted, in every method', async () => {
    const token = tokenFor(se, ada, ['write_access']);
    const limiter = new MemoryApiLimits({ maxRequests: 5 });
    const client = clientFor(se, { accessToken: token, apiLimits: limiter });
    const reason = new Error('the user left');
    const signal = AbortSignal.abort(reason);
    const from = se.requests.length;
    const calls: Array<Promise<unknown>> = [
      client.get('/me', {}, { signal }),
      client.get('/users/{ids}', { ids: Array.from({ length: 250 }, (_, i) => i + 1) }, { signal }),
      client.post('/questions/{id}/upvote', { id: 500_003, preview: true }, { signal }),
      client.paginate('/questions', { pagesize: 10 }, { signal }).next(),
      client.inspectToken(undefined, { signal }),
      client.invalidateToken(token, { signal }),
    ];
    for (const call of calls) expect(await rejection(call)).toBe(reason);
    expect(isAbortError(await rejection(client.get('/sites', {}, { signal: AbortSignal.abort() })))).toBe(true);
    expect(apiRequestsSince(se, from)).toEqual([]);
    expect(await available(limiter)).toBe(5);
    // The token was not invalidated.
    expect((await client.get<User>('/me')).items).toHaveLength(1);
  });

  it('keeps every existing signature and refuses malformed options', async () => {
    const client = clientFor(se);
    expect((await client.get('/sites', {}, {})).items.length).toBeGreaterThan(0);
    expect((await client.get('/sites', {}, { signal: undefined })).items.length).toBeGreaterThan(0);
    await expect(client.get('/sites', {}, { signal: 'stop' as never })).rejects.toThrow(/get\(\) options\.signal must be an AbortSignal/);
    await expect(client.paginate('/questions', {}, 5 as never).next()).rejects.toThrow(/paginate\(\) options must be an object/);
  });

  it('leaves the rate-limit queue on abort: no slot taken, nothing sent, the calls behind it keep their turn', async () => {
    const limiter = new MemoryApiLimits({ maxRequests: 1, interval: 300 });
    const client = clientFor(se, { apiLimits: limiter });
    const from = se.requests.length;
    await client.get('/sites', { pagesize: 1 });
    const controller = new AbortController();
    const settled: string[] = [];
    const queued = client.get('/questions', { pagesize: 1 }, { signal: controller.signal }).finally(() => settled.push('aborted'));
    const behind = client.get('/sites', { pagesize: 2 }).finally(() => settled.push('behind'));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(isAbortError(await rejectionWithin(queued))).toBe(true);
    expect(settled).toEqual(['aborted']);
    expect((await behind).items).toHaveLength(2);
    expect(apiRequestsSince(se, from).map((r) => `${r.path}?${String(r.query.pagesize)}`)).toEqual(['/2.3/sites?1', '/2.3/sites?2']);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('gives the slot back uncounted when the abort comes as the slot is handed over', async () => {
    const controller = new AbortController();
    class AbortOnGrant extends MemoryApiLimits {
      override async take(request: LimitRequest) {
        const decision = await super.take(request);
        if (!request.id.startsWith('probe')) controller.abort();
        return decision;
      }
    }
    const limiter = new AbortOnGrant({ maxRequests: 3, interval: 60_000 });
    const from = se.requests.length;
    expect(isAbortError(await rejection(clientFor(se, { apiLimits: limiter }).get('/sites', {}, { signal: controller.signal })))).toBe(true);
    expect(apiRequestsSince(se, from)).toEqual([]);
    expect(await available(limiter)).toBe(3);
  });

  it('stops waiting for a backoff on abort, sending nothing and taking no slot; the backoff still holds', async () => {
    const sandbox = await createSandbox({ port: 0 });
    try {
      const limiter = new MemoryApiLimits({ maxRequests: 5, interval: 60_000 });
      const client = clientFor(sandbox, { accessToken: tokenFor(sandbox, ada), apiLimits: limiter, maxWait: 60_000, deadline: 60_000 });
      sandbox.setBackoff('/users/{ids}', 30);
      expect((await client.get('/me')).backoff).toBe(30);
      const controller = new AbortController();
      const waiting = client.get('/users/{ids}', { ids: [1001] }, { signal: controller.signal });
      expect(await settleWithin(waiting, 50)).toBe('pending');
      controller.abort(new Error('gave up waiting'));
      expect(await rejectionWithin(waiting)).toMatchObject({ message: 'gave up waiting' });
      expect(apiRequestsSince(sandbox, 0).map((r) => r.path)).toEqual(['/2.3/me']);
      expect(await available(limiter)).toBe(4);
      expect(await backoffLeft(limiter, '/users/{ids}')).toBeGreaterThan(25_000);
      expect(listeners(controller.signal)).toBe(0);
      expect(sandbox.throttleViolations).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('stops in the sleep before a retry on abort and does not retry', async () => {
    let entered: (ms: number) => void = () => undefined;
    const sleeping = new Promise<number>((resolve) => (entered = resolve));
    const controller = new AbortController();
    // A real timer, long enough that only the abort can end it in time.
    const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
      entered(ms);
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('sleep stopped'));
        }, { once: true });
      });
    };
    const client = clientFor(se, { retry: { retries: 3, minDelay: 60_000, maxDelay: 60_000, sleep } });
    se.fault('api', 'unavailable', { times: 1 });
    const from = se.requests.length;
    const call = client.get('/sites', {}, { signal: controller.signal });
    expect(await sleeping).toBeGreaterThanOrEqual(30_000);
    controller.abort();
    const error = await rejectionWithin(call);
    expect(error).toBe(controller.signal.reason);
    expect(error).not.toBeInstanceOf(StackExchangeApiError);
    expect(apiRequestsSince(se, from)).toHaveLength(1);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('aborts a hanging request: rejects with the reason, never a network error, never retried; the sent request still counts', async () => {
    const hang = await localServer(() => undefined);
    try {
      const limiter = new MemoryApiLimits({ maxRequests: 5, interval: 60_000 });
      const client = new StackExchangeClient({ key: 'k', apiURL: `${hang.url}/2.3`, timeout: 60_000, retry: FAST_RETRY, apiLimits: limiter });
      const controller = new AbortController();
      const read = client.get('/me', {}, { signal: controller.signal });
      await until(() => hang.seen.length === 1);
      controller.abort();
      const error = await rejectionWithin(read);
      expect(isAbortError(error)).toBe(true);
      expect(error).not.toBeInstanceOf(StackExchangeNetworkError);

      const writer = new AbortController();
      const write = client.post('/questions/{id}/upvote', { id: 1 }, { signal: writer.signal });
      await until(() => hang.seen.length === 2);
      const reason = new Error('closed the tab');
      writer.abort(reason);
      expect(await rejectionWithin(write)).toBe(reason);

      expect(await settleWithin(new Promise((resolve) => setTimeout(resolve, 50)))).toEqual({ value: undefined });
      expect(hang.seen).toHaveLength(2);
      expect(await available(limiter)).toBe(3);
      expect([listeners(controller.signal), listeners(writer.signal)]).toEqual([0, 0]);

      // The client's timeout still applies to a call with a signal.
      const quick = new StackExchangeClient({ key: 'k', apiURL: `${hang.url}/2.3`, timeout: 100, retry: false });
      expect(await rejection(quick.get('/me', {}, { signal: new AbortController().signal }))).toMatchObject({ code: 'NETWORK_TIMEOUT' });
    } finally {
      await hang.close();
    }
  });

  it('stops paginate: the next step rejects and no further page is requested', async () => {
    const controller = new AbortController();
    const from = se.requests.length;
    const items: Question[] = [];
    const error = await (async () => {
      for await (const q of clientFor(se).paginate<Question>('/questions', { pagesize: 10 }, { signal: controller.signal })) {
        items.push(q);
        if (items.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(items).toHaveLength(3);
    expect(apiRequestsSince(se, from).map((r) => r.query.page)).toEqual(['1']);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('cancels the parts of a split vector call not yet sent', async () => {
    const controller = new AbortController();
    let fetched = 0;
    const abortAfterFirst = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (++fetched === 1) controller.abort();
      return res;
    }) as typeof fetch;
    const from = se.requests.length;
    const ids = Array.from({ length: 250 }, (_, i) => 1000 + i);
    const error = await rejection(clientFor(se, { concurrency: 1, fetch: abortAfterFirst }).get('/users/{ids}', { ids }, { signal: controller.signal }));
    expect(isAbortError(error)).toBe(true);
    expect(apiRequestsSince(se, from)).toHaveLength(1);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('leaves no listener on a signal reused across many calls, wherever they waited, and still cancels', async () => {
    const sandbox = await createSandbox({ port: 0 });
    try {
      const controller = new AbortController();
      const { signal } = controller;
      const warnings: Error[] = [];
      const onWarning = (warning: Error): number => warnings.push(warning);
      process.on('warning', onWarning);
      const token = tokenFor(sandbox, ada, ['write_access']);
      // 25 requests a second: under the sandbox's 30.
      const limiter = new MemoryApiLimits({ maxRequests: 1, interval: 40 });
      // Waits of 100 s are allowed so that only the abort ends the last one.
      const client = clientFor(sandbox, { accessToken: token, apiLimits: limiter, maxWait: 200_000, deadline: 200_000 });
      try {
        // 15 calls queued behind each other in the limiter share one listener (Node warns past 10).
        const burst = Promise.all(Array.from({ length: 15 }, () => client.get('/sites', { pagesize: 1 }, { signal })));
        await new Promise((resolve) => setImmediate(resolve));
        expect(listeners(signal)).toBeLessThanOrEqual(1);
        await burst;
        expect(listeners(signal)).toBe(0);
        // Waiting for a backoff.
        sandbox.setBackoff('/users/{ids}', 0.05);
        expect((await client.get('/me', {}, { signal })).backoff).toBe(0.05);
        await client.get('/users/{ids}', { ids: [1001] }, { signal });
        // Retried after a sleep, and failing with an API error.
        sandbox.fault('api', 'unavailable', { times: 1 });
        await client.get('/sites', {}, { signal });
        sandbox.fault('api', 'throttle', { times: 1 });
        await clientFor(sandbox, { ...banned(), accessToken: token }).get('/sites', {}, { signal }).catch(() => undefined);
        // Split, paged, written, inspected.
        await client.get('/users/{ids}', { ids: Array.from({ length: 250 }, (_, i) => i + 1) }, { signal });
        for await (const question of client.paginate('/questions', { pagesize: 20 }, { signal })) expect(question.question_id).toBeGreaterThan(0);
        await client.post('/questions/{id}/upvote', { id: 500_003, preview: true }, { signal });
        await client.inspectToken(undefined, { signal });
      } finally {
        process.off('warning', onWarning);
      }
      expect(listeners(signal)).toBe(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);

      // Then the same signal still cancels a waiting call, which holds one listener meanwhile.
      sandbox.setBackoff('/users/{ids}', 100);
      await client.get('/me');
      const waiting = client.get('/me', {}, { signal });
      expect(await settleWithin(waiting, 20)).toBe('pending');
      expect(listeners(signal)).toBeLessThanOrEqual(1);
      controller.abort();
      expect(isAbortError(await rejectionWithin(waiting))).toBe(true);
      expect(listeners(signal)).toBe(0);
      expect(sandbox.throttleViolations).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });
});
