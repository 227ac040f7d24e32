import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { createFilter, resolveFilter } from '../../src/sandbox/filters.js';
import { ApiFailure } from '../../src/sandbox/wrapper.js';
import { apiGet, manualClock } from './fixtures.js';

let se: Sandbox;
const clock = manualClock();
let key: string;
let ada: SandboxUser;

beforeAll(async () => {
  se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: Infinity });
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

type Items = Array<Record<string, unknown>>;

/** Creates a filter over HTTP and returns the answer's item. */
async function create(params: Record<string, string>): Promise<{ filter: string; filter_type: string; included_fields: string[] }> {
  const { status, body } = await apiGet(se, '/filters/create', { key, ...params });
  expect(status).toBe(200);
  const items = body.items as Array<{ filter: string; filter_type: string; included_fields: string[] }>;
  expect(items).toHaveLength(1);
  return items[0] as { filter: string; filter_type: string; included_fields: string[] };
}

describe('/filters/create', () => {
  it('names a filter: the same definition always gives the same string, in any order', async () => {
    const a = await create({ include: '.total;user.about_me', exclude: 'user.badge_counts' });
    const b = await create({ include: 'user.about_me;.total', exclude: 'user.badge_counts' });
    expect(a.filter).toBe(b.filter);
    expect(a.filter).toMatch(/^![\w-]+$/);
    expect(a.filter_type).toBe('safe');
    expect(a.included_fields).toContain('.total');
    expect(a.included_fields).toContain('user.about_me');
    expect(a.included_fields).not.toContain('user.badge_counts');
    // POST works too (the client may create filters either way).
    const res = await fetch(`${se.apiURL}/filters/create`, { method: 'POST', body: new URLSearchParams({ key, include: '.total;user.about_me', exclude: 'user.badge_counts' }) });
    expect(((await res.json()) as { items: Items }).items[0]?.filter).toBe(a.filter);
  });

  it('is immutable and understood by any sandbox (the string is the definition)', async () => {
    const { filter } = await create({ base: 'none', include: '.items;user.display_name' });
    const other = await createSandbox({ port: 0 });
    try {
      const { body } = await apiGet(other, '/users/1001', { site: 'stackoverflow', filter });
      expect(body).toEqual({ items: [{ display_name: ada.sites.stackoverflow?.display_name }] });
    } finally {
      await other.close();
    }
  });

  it('GET /filters/{filters} reads definitions back; an unknown one is invalid', async () => {
    const made = await create({ include: '.page_size', unsafe: 'true' });
    const { body } = await apiGet(se, `/filters/${encodeURIComponent(`${made.filter};!nope;total`)}`, { key });
    expect(body.items).toEqual([
      made,
      { filter: '!nope', filter_type: 'invalid', included_fields: [] },
      { filter: 'total', filter_type: 'safe', included_fields: ['.total'] },
    ]);
    expect(made.filter_type).toBe('unsafe');
  });

  it('refuses an unknown field, base or unsafe value with bad_parameter', async () => {
    for (const params of [{ include: 'user.shoe_size' }, { exclude: 'total' }, { base: 'everything' }, { unsafe: 'yes' }]) {
      const { status, body } = await apiGet(se, '/filters/create', { key, ...params });
      expect(status).toBe(400);
      expect(body.error_name).toBe('bad_parameter');
    }
  });
});

describe('filter= on other methods', () => {
  it('adds wrapper fields (.total, .page, .page_size, .type) and item fields (user.about_me); excludes others', async () => {
    const { filter } = await create({ include: '.total;.page;.page_size;.type;user.about_me', exclude: 'user.reputation;.quota_max' });
    const { body } = await apiGet(se, '/users/1001;1002;1004', { site: 'stackoverflow', key, filter, pagesize: '2', page: '2' });
    expect(body).toMatchObject({ total: 3, page: 2, page_size: 2, type: 'user', has_more: false, quota_remaining: expect.any(Number) as number });
    expect(body).not.toHaveProperty('quota_max');
    const items = body.items as Items;
    expect(items).toHaveLength(1);
    expect(items[0]?.about_me).toMatch(/^<p>About /);
    expect(items[0]).not.toHaveProperty('reputation');
    expect(items[0]).toHaveProperty('display_name');
    // A filter never changes what was sent, only what is answered: the request is recorded as sent.
    expect(se.requests.at(-1)?.query.filter).toBe(filter);
  });

  it('built-ins: none answers nothing, total only the total, withbody adds question bodies, default is the default', async () => {
    const base = { site: 'stackoverflow', key };
    expect((await apiGet(se, '/questions', { ...base, filter: 'none' })).body).toEqual({});
    expect((await apiGet(se, '/questions', { ...base, filter: 'total' })).body).toEqual({ total: 45 });
    const withBody = (await apiGet(se, '/questions', { ...base, filter: 'withbody' })).body;
    expect((withBody.items as Items).every((q) => typeof q.body === 'string')).toBe(true);
    clock.advance(60_000);
    const plain = (await apiGet(se, '/questions', base)).body;
    clock.advance(60_000);
    expect((await apiGet(se, '/questions', { ...base, filter: 'default' })).body).toEqual({ ...plain, quota_remaining: (plain.quota_remaining as number) - 1 });
    expect((plain.items as Items)[0]).not.toHaveProperty('body');
  });

  it('an unsafe filter answers text without HTML encoding', async () => {
    const sean = se.users.find((u) => u.displayName.includes("O'")) as SandboxUser;
    const id = String(sean.sites.stackoverflow?.user_id);
    const safe = (await apiGet(se, `/users/${id}`, { site: 'stackoverflow', key })).body.items as Items;
    expect(safe[0]?.display_name).toBe('Se&#225;n O&#39;Sandbox');
    const { filter } = await create({ unsafe: 'true' });
    const unsafe = (await apiGet(se, `/users/${id}`, { site: 'stackoverflow', key, filter })).body.items as Items;
    expect(unsafe[0]?.display_name).toBe("Seán O'Sandbox");
  });

  it('a filter equal to the default changes nothing on any method', async () => {
    const { filter } = await create({ base: 'default' });
    const token = se.issueToken({ accountId: ada.accountId, scope: ['read_inbox'] }).accessToken;
    const calls: Array<[string, Record<string, string>]> = [
      ['/me', { site: 'stackoverflow', access_token: token }],
      ['/me/associated', { access_token: token }],
      ['/me/network-activity', { access_token: token }],
      ['/me/inbox', { site: 'stackoverflow', access_token: token }],
      ['/users/1001;1002;1004', { site: 'stackoverflow' }],
      ['/questions', { site: 'stackoverflow' }],
      ['/sites', {}],
      ['/errors', {}],
      [`/access-tokens/${encodeURIComponent(token)}`, {}],
    ];
    for (const [path, params] of calls) {
      clock.advance(60_000);
      const plain = await apiGet(se, path, { key, ...params });
      clock.advance(60_000);
      const filtered = await apiGet(se, path, { key, ...params, filter });
      expect({ path, body: filtered.body }).toEqual({ path, body: { ...plain.body, quota_remaining: (plain.body.quota_remaining as number) - 1 } });
    }
  });

  it('an unknown filter is a bad_parameter; errors are never filtered', async () => {
    const unknown = await apiGet(se, '/users/1001', { site: 'stackoverflow', key, filter: '!AAAA' });
    expect(unknown.body).toMatchObject({ error_id: 400, error_name: 'bad_parameter' });
    const error = await apiGet(se, '/me', { site: 'stackoverflow', key, filter: 'none' });
    expect(error.body).toMatchObject({ error_id: 401, error_name: 'access_token_required' });
  });
});

describe('units', () => {
  it('resolveFilter: default when absent; custom strings only in their canonical spelling', () => {
    expect(resolveFilter(undefined).isDefault).toBe(true);
    const made = createFilter({ base: 'none', include: ['.total'], exclude: [], unsafe: false });
    expect(resolveFilter(made.name).included).toEqual(new Set(['.total']));
    expect(() => resolveFilter(`${made.name}x`)).toThrow(ApiFailure);
    const forged = `!${Buffer.from(JSON.stringify([['.total', '.total'], 0])).toString('base64url')}`;
    expect(() => resolveFilter(forged)).toThrow(ApiFailure);
  });

  it('resolveFilter: each built-in is built once, and a filter made from it leaves it as it was', () => {
    for (const name of ['default', 'withbody', 'none', 'total']) expect(resolveFilter(name)).toBe(resolveFilter(name));
    expect(resolveFilter(undefined)).toBe(resolveFilter('default'));
    const before = [...resolveFilter('withbody').included].sort();
    createFilter({ base: 'withbody', include: ['.total'], exclude: ['question.body', '.items'], unsafe: true });
    expect(resolveFilter('withbody')).toMatchObject({ name: 'withbody', unsafe: false, isDefault: false });
    expect([...resolveFilter('withbody').included].sort()).toEqual(before);
    expect(before).toContain('question.body');
    expect(before).not.toContain('.total');
  });

  it('createFilter: a custom base, include then exclude', () => {
    const first = createFilter({ base: 'none', include: ['.total', 'user.user_id'], exclude: [], unsafe: false });
    const second = createFilter({ base: first.name, include: ['user.about_me'], exclude: ['.total'], unsafe: false });
    expect([...second.included].sort()).toEqual(['user.about_me', 'user.user_id']);
  });
});
