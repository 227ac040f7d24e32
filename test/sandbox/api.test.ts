import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { apiGet, apiUrl, manualClock } from './fixtures.js';

let se: Sandbox;
const clock = manualClock();
let key: string;
let ada: SandboxUser;

beforeAll(async () => {
  se = await createSandbox({ port: 0, clock: clock.now, keys: ['readOnlyKey(('] });
  key = se.clients[0]?.key ?? '';
  ada = se.users[0] as SandboxUser;
});
afterAll(async () => {
  await se.close();
});
beforeEach(() => {
  se.reset();
  clock.advance(60_000);
});

function token(scope: string[] = [], accountId = ada.accountId): string {
  return se.issueToken({ accountId, scope }).accessToken;
}

async function expectError(res: Promise<{ status: number; body: Record<string, unknown> }>, errorId: number, errorName: string): Promise<Record<string, unknown>> {
  const { status, body } = await res;
  expect(status).toBe(400);
  expect(body.error_id).toBe(errorId);
  expect(body.error_name).toBe(errorName);
  expect(typeof body.error_message).toBe('string');
  expect(body).not.toHaveProperty('items');
  return body;
}

async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${se.apiURL}${path}`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/me', () => {
  it('answers the token owner on the site, wrapped', async () => {
    const { status, body } = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token() });
    expect(status).toBe(200);
    expect(body).toEqual({ items: [ada.sites.stackoverflow], has_more: false, quota_max: 10000, quota_remaining: 9999 });
  });

  it('accepts the site domain', async () => {
    const { body } = await apiGet(se, '/me', { site: 'stackoverflow.com', key, access_token: token() });
    expect(body.items).toEqual([ada.sites.stackoverflow]);
  });

  it('answers items: [] for a user with no account on that site', async () => {
    const noSo = se.users.find((u) => !u.sites.stackoverflow) as SandboxUser;
    const { status, body } = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token([], noSo.accountId) });
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
  });

  it('sends HTML-encoded display names, as Stack Exchange does', async () => {
    const sean = se.users.find((u) => u.displayName.includes("O'")) as SandboxUser;
    const { body } = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token([], sean.accountId) });
    expect((body.items as Array<{ display_name: string }>)[0]?.display_name).toBe('Se&#225;n O&#39;Sandbox');
  });

  it('needs a token (401), a valid one (402), a key with it (405), a valid key (400) and a site (400)', async () => {
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key }), 401, 'access_token_required');
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: 'bogus))' }), 402, 'invalid_access_token');
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', access_token: token() }), 405, 'key_required');
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key: 'unknown((', access_token: token() }), 400, 'bad_parameter');
    await expectError(apiGet(se, '/me', { key, access_token: token() }), 400, 'bad_parameter');
    const unknownSite = await expectError(apiGet(se, '/me', { site: 'nosuchsite', key, access_token: token() }), 400, 'bad_parameter');
    expect(unknownSite.error_message).toContain('nosuchsite');
  });

  it('refuses expired (expireToken, or lifetime by the clock) and revoked tokens with 402', async () => {
    const expired = token();
    se.expireToken(expired);
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: expired }), 402, 'invalid_access_token');
    const aging = token();
    clock.advance(86_400_000 - 1);
    expect((await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: aging })).status).toBe(200);
    clock.advance(1);
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: aging }), 402, 'invalid_access_token');
    const forever = token(['no_expiry']);
    clock.advance(400 * 86_400_000);
    expect((await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: forever })).status).toBe(200);
  });

  it('refuses a repeated parameter', async () => {
    const res = await fetch(`${apiUrl(se, '/me', { site: 'stackoverflow', key, access_token: token() })}&site=math`);
    expect(((await res.json()) as { error_id: number }).error_id).toBe(400);
    expect(se.requests.at(-1)?.query.site).toEqual(['stackoverflow', 'math']);
  });
});

describe('/me/associated and /users/{ids}/associated', () => {
  it('lists the network accounts, network-wide (no site), with paging', async () => {
    const t = token();
    const all = await apiGet(se, '/me/associated', { key, access_token: t });
    expect(all.body.items).toEqual(ada.network);
    const page = await apiGet(se, '/me/associated', { key, access_token: t, pagesize: '2', page: '1' });
    expect(page.body.items).toEqual(ada.network.slice(0, 2));
    expect(page.body.has_more).toBe(true);
    const last = await apiGet(se, '/me/associated', { key, access_token: t, pagesize: '2', page: '2' });
    expect(last.body.items).toEqual(ada.network.slice(2, 4));
    expect(last.body.has_more).toBe(false);
    const byId = await apiGet(se, `/users/${ada.accountId}/associated`, { key });
    expect(byId.body.items).toEqual(ada.network);
  });
});

describe('/me/inbox', () => {
  it('needs the read_inbox scope (403 access_denied without it)', async () => {
    await expectError(apiGet(se, '/me/inbox', { site: 'stackoverflow', key, access_token: token() }), 403, 'access_denied');
    const { body } = await apiGet(se, '/me/inbox', { site: 'stackoverflow', key, access_token: token(['read_inbox']) });
    expect(body.items).toEqual(ada.inbox);
    expect((body.items as Array<{ is_unread: boolean }>).some((i) => i.is_unread)).toBe(true);
  });

  it('/users/{id}/inbox only for the token owner; /inbox network-wide', async () => {
    const t = token(['read_inbox']);
    const own = await apiGet(se, `/users/${ada.sites.stackoverflow?.user_id}/inbox`, { site: 'stackoverflow', key, access_token: t });
    expect(own.body.items).toEqual(ada.inbox);
    await expectError(apiGet(se, '/users/1002/inbox', { site: 'stackoverflow', key, access_token: t }), 403, 'access_denied');
    expect((await apiGet(se, '/inbox', { key, access_token: t })).body.items).toEqual(ada.inbox);
  });
});

describe('/users/{ids}', () => {
  it('answers the users with those ids on the site, by reputation, without a token or key', async () => {
    const { status, body } = await apiGet(se, '/users/1001;1002;999', { site: 'stackoverflow' });
    expect(status).toBe(200);
    expect((body.items as Array<{ user_id: number }>).map((u) => u.user_id)).toEqual([1002, 1001]);
    expect(body.quota_max).toBe(300);
  });

  it('takes at most 100 ids; a non-numeric id is no_method', async () => {
    const ids101 = Array.from({ length: 101 }, (_, i) => i + 1).join(';');
    await expectError(apiGet(se, `/users/${ids101}`, { site: 'stackoverflow', key }), 400, 'bad_parameter');
    const ids100 = Array.from({ length: 100 }, (_, i) => i + 1000).join(';');
    expect((await apiGet(se, `/users/${ids100}`, { site: 'stackoverflow', key })).status).toBe(200);
    await expectError(apiGet(se, '/users/abc', { site: 'stackoverflow', key }), 404, 'no_method');
    await expectError(apiGet(se, '/users/1;x', { site: 'stackoverflow', key }), 404, 'no_method');
  });

  it('requires site', async () => {
    await expectError(apiGet(se, '/users/1001', { key }), 400, 'bad_parameter');
  });

  it('validates page and pagesize', async () => {
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', pagesize: '101' }), 400, 'bad_parameter');
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', page: '0' }), 400, 'bad_parameter');
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', page: 'x' }), 400, 'bad_parameter');
    const empty = await apiGet(se, '/users/1001', { site: 'stackoverflow', pagesize: '0' });
    expect(empty.body.items).toEqual([]);
    expect(empty.body.has_more).toBe(true);
  });
});

describe('/access-tokens', () => {
  it('describes valid tokens (key optional; unknown ones left out)', async () => {
    const a = token(['read_inbox']);
    const b = token(['no_expiry']);
    const { body } = await apiGet(se, `/access-tokens/${encodeURIComponent(`${a};${b};nope))`)}`);
    const items = body.items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({ access_token: a, account_id: ada.accountId, expires_on_date: Math.floor((clock.now() + 86_400_000) / 1000), scope: ['read_inbox'] });
    expect(items[1]).toEqual({ access_token: b, account_id: ada.accountId, scope: ['no_expiry'] });
    expect((await apiGet(se, `/access-tokens/${encodeURIComponent(a)}`, { key })).status).toBe(200);
    await expectError(apiGet(se, `/access-tokens/${encodeURIComponent(a)}`, { key: 'bad((' }), 400, 'bad_parameter');
  });

  it('takes at most 20 tokens, on every token method', async () => {
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`).join(';');
    await expectError(apiGet(se, `/access-tokens/${many}`), 400, 'bad_parameter');
    await expectError(apiGet(se, `/access-tokens/${many}/invalidate`, { key }), 400, 'bad_parameter');
    await expectError(apiGet(se, `/apps/${many}/de-authenticate`, { key }), 400, 'bad_parameter');
    const twenty = [token(), ...Array.from({ length: 19 }, (_, i) => `t${i}`)];
    const { status, body } = await apiGet(se, `/access-tokens/${encodeURIComponent(twenty.join(';'))}`);
    expect(status).toBe(200);
    expect((body.items as Array<{ access_token: string }>).map((i) => i.access_token)).toEqual([twenty[0]]);
  });

  it('/invalidate expires the tokens now', async () => {
    const t = token();
    const { body } = await apiGet(se, `/access-tokens/${encodeURIComponent(t)}/invalidate`, { key });
    expect((body.items as Array<{ access_token: string }>)[0]?.access_token).toBe(t);
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: t }), 402, 'invalid_access_token');
  });

  it('/apps/{tokens}/de-authenticate destroys all the app’s tokens for that user', async () => {
    const a = token();
    const b = token();
    const other = se.issueToken({ accountId: ada.accountId, clientId: se.clients[1]?.clientId ?? '' }).accessToken;
    const { status } = await apiGet(se, `/apps/${encodeURIComponent(a)}/de-authenticate`, { key });
    expect(status).toBe(200);
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: b }), 402, 'invalid_access_token');
    expect((await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: other })).status).toBe(200);
  });
});

describe('/questions', () => {
  it('pages through the sample questions with has_more', async () => {
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const { body } = await apiGet(se, '/questions', { site: 'stackoverflow', key, page: String(page), pagesize: '20' });
      seen.push(...(body.items as Array<{ question_id: number }>).map((q) => q.question_id));
      if (!body.has_more) break;
    }
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
  });

  it('filters by tagged (all tags) and sorts', async () => {
    const { body } = await apiGet(se, '/questions', { site: 'stackoverflow', tagged: 'javascript;typescript', pagesize: '100', sort: 'votes', order: 'asc' });
    const items = body.items as Array<{ tags: string[]; score: number }>;
    expect(items.length).toBeGreaterThan(0);
    for (const q of items) expect(q.tags).toEqual(expect.arrayContaining(['javascript', 'typescript']));
    expect(items.map((q) => q.score)).toEqual([...items.map((q) => q.score)].sort((x, y) => x - y));
    await expectError(apiGet(se, '/questions', { site: 'stackoverflow', sort: 'hot' }), 400, 'bad_parameter');
    // A parameter named like what every object has is a parameter like any other (it answered 500).
    const withProto = JSON.parse('{"site": "stackoverflow", "__proto__": "1", "pagesize": "5"}') as Record<string, string>;
    expect((await apiGet(se, '/questions', withProto)).status).toBe(200);
    // Names every object has are not sorts either (one answered 500, the other 200).
    for (const sort of ['__proto__', 'constructor', 'toString']) await expectError(apiGet(se, '/questions', { site: 'stackoverflow', sort }), 400, 'bad_parameter');
  });
});

describe('POST /questions/{id}/upvote', () => {
  const q = '500002';

  it('needs write_access, a token and POST with a form', async () => {
    await expectError(post(`/questions/${q}/upvote`, { site: 'stackoverflow', key }), 401, 'access_token_required');
    await expectError(post(`/questions/${q}/upvote`, { site: 'stackoverflow', key, access_token: token() }), 403, 'access_denied');
    await expectError(apiGet(se, `/questions/${q}/upvote`, { site: 'stackoverflow', key, access_token: token(['write_access']) }), 404, 'no_method');
    expect(se.upvotes).toEqual([]);
  });

  it('preview=true validates without writing; a real upvote is recorded', async () => {
    const t = token(['write_access']);
    const preview = await post(`/questions/${q}/upvote`, { site: 'stackoverflow', key, access_token: t, preview: 'true' });
    expect(preview.status).toBe(200);
    expect(se.upvotes).toEqual([]);
    const done = await post(`/questions/${q}/upvote`, { site: 'stackoverflow', key, access_token: t });
    expect(done.status).toBe(200);
    expect((done.body.items as Array<{ question_id: number }>)[0]?.question_id).toBe(Number(q));
    expect(se.upvotes).toEqual([{ questionId: Number(q), accountId: ada.accountId, site: 'stackoverflow', time: clock.now() }]);
    expect(se.requests.at(-1)?.form).toEqual({ site: 'stackoverflow', key, access_token: t });
  });

  it('refuses writing again within writeInterval (write_failed with backoff), and a repeated request_id (duplicate_request)', async () => {
    const t = token(['write_access']);
    expect((await post('/questions/500003/upvote', { site: 'stackoverflow', key, access_token: t, request_id: 'r1' })).status).toBe(200);
    clock.advance(2000);
    const tooSoon = await expectError(post('/questions/500005/upvote', { site: 'stackoverflow', key, access_token: t }), 407, 'write_failed');
    expect(tooSoon.backoff).toBe(3);
    clock.advance(3000);
    await expectError(post('/questions/500005/upvote', { site: 'stackoverflow', key, access_token: t, request_id: 'r1' }), 409, 'duplicate_request');
  });

  it('refuses voting on your own post and unknown questions', async () => {
    const t = token(['write_access']);
    await expectError(post('/questions/500001/upvote', { site: 'stackoverflow', key, access_token: t }), 407, 'write_failed');
    await expectError(post('/questions/1/upvote', { site: 'stackoverflow', key, access_token: t }), 400, 'bad_parameter');
  });
});

describe('errors, faults and quota', () => {
  it('an unknown method is no_method', async () => {
    await expectError(apiGet(se, '/nope', { key }), 404, 'no_method');
  });

  it('fault throttle → 502 throttle_violation; unavailable → 503; internal → 500; with times', async () => {
    se.fault('api', 'throttle', { times: 1 });
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', key }), 502, 'throttle_violation');
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow', key })).status).toBe(200);
    se.fault('api', 'unavailable');
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', key }), 503, 'temporarily_unavailable');
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', key }), 503, 'temporarily_unavailable');
    se.fault('api', 'internal');
    await expectError(apiGet(se, '/users/1001', { site: 'stackoverflow', key }), 500, 'internal_error');
    se.fault('api', null);
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow', key })).status).toBe(200);
  });

  it('fault compromised → 406 and the token is invalidated', async () => {
    const t = token();
    se.fault('api', 'compromised', { times: 1 });
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: t }), 406, 'access_token_compromised');
    await expectError(apiGet(se, '/me', { site: 'stackoverflow', key, access_token: t }), 402, 'invalid_access_token');
  });

  it('counts quota per key, per key and user with a token, and spends it', async () => {
    const own = await createSandbox({ port: 0, quotaMax: 3 });
    try {
      const k = own.clients[0]?.key ?? '';
      const remaining = async (params: Record<string, string>) => (await apiGet(own, '/users/1001', { site: 'stackoverflow', ...params })).body.quota_remaining;
      expect(await remaining({ key: k })).toBe(2);
      expect(await remaining({ key: k })).toBe(1);
      const t = own.issueToken({ accountId: own.users[0]?.accountId ?? 0 }).accessToken;
      expect(await remaining({ key: k, access_token: t })).toBe(2);
      expect(await remaining({ key: k })).toBe(0);
      const spent = await apiGet(own, '/users/1001', { site: 'stackoverflow', key: k });
      expect(spent.body.error_id).toBe(502);
    } finally {
      await own.close();
    }
  });

  it('accepts the extra keys option', async () => {
    expect((await apiGet(se, '/users/1001', { site: 'stackoverflow', key: 'readOnlyKey((' })).status).toBe(200);
  });
});
