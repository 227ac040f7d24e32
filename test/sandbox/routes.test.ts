import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { apiGet, manualClock } from './fixtures.js';

let se: Sandbox;
const clock = manualClock();
let key: string;
let ada: SandboxUser;
let token: string;

beforeAll(async () => {
  se = await createSandbox({ port: 0, clock: clock.now, maxRequestsPerSecond: Infinity });
  key = se.clients[0]?.key ?? '';
  ada = se.users[0] as SandboxUser;
  token = se.issueToken({ accountId: ada.accountId, scope: ['read_inbox'] }).accessToken;
});
afterAll(async () => {
  await se.close();
});
beforeEach(() => {
  se.reset();
  clock.advance(60_000);
});

/** `count` stackoverflow user ids of generated people, from the `from`-th (1-based). */
function generatedIds(count: number, from = 1): number[] {
  return se.generatedUsers.slice(from - 1, from - 1 + count).map((u) => u.sites.stackoverflow?.user_id ?? 0);
}

type Items = Array<Record<string, unknown>>;

describe('vectors are paged like any list', () => {
  it('100 ids with no pagesize answer 30 items and has_more: true; pagesize=100 answers all 100', async () => {
    const ids = generatedIds(100).join(';');
    const first = await apiGet(se, `/users/${ids}`, { site: 'stackoverflow', key });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(30);
    expect(first.body.has_more).toBe(true);
    const all = await apiGet(se, `/users/${ids}`, { site: 'stackoverflow', key, pagesize: '100' });
    expect(all.body.items).toHaveLength(100);
    expect(all.body.has_more).toBe(false);
    expect(new Set((all.body.items as Items).map((u) => u.user_id))).toEqual(new Set(generatedIds(100)));
  });

  it('pages 1 to 4 of 30 together hold the 100 users exactly once, sorted by reputation', async () => {
    const ids = generatedIds(100).join(';');
    const pages: Items[] = [];
    for (let page = 1; page <= 4; page++) {
      const { body } = await apiGet(se, `/users/${ids}`, { site: 'stackoverflow', key, page: String(page) });
      pages.push(body.items as Items);
      expect(body.has_more).toBe(page < 4);
    }
    expect(pages.map((p) => p.length)).toEqual([30, 30, 30, 10]);
    const users = pages.flat();
    expect(new Set(users.map((u) => u.user_id)).size).toBe(100);
    const reputations = users.map((u) => u.reputation as number);
    expect(reputations).toEqual([...reputations].sort((a, b) => b - a));
  });

  it('250 ids in three parts of at most 100 with pagesize=100 give 250 users; 101 ids are refused', async () => {
    const ids = generatedIds(250);
    const parts = [ids.slice(0, 100), ids.slice(100, 200), ids.slice(200)];
    const found = new Set<unknown>();
    for (const part of parts) {
      const { body } = await apiGet(se, `/users/${part.join(';')}`, { site: 'stackoverflow', key, pagesize: '100' });
      expect(body.has_more).toBe(false);
      for (const u of body.items as Items) found.add(u.user_id);
    }
    expect(found.size).toBe(250);
    const over = await apiGet(se, `/users/${generatedIds(101).join(';')}`, { site: 'stackoverflow', key, pagesize: '100' });
    expect(over.body).toMatchObject({ error_id: 400, error_name: 'bad_parameter' });
  });

  it('/users/{ids}/associated is paged too (every third generated person has two accounts)', async () => {
    const accounts = se.generatedUsers.slice(0, 30).map((u) => u.accountId).join(';');
    const { body } = await apiGet(se, `/users/${accounts}/associated`, { key });
    expect(body.items).toHaveLength(30);
    expect(body.has_more).toBe(true);
    const all = await apiGet(se, `/users/${accounts}/associated`, { key, pagesize: '100' });
    expect(all.body.items).toHaveLength(40);
  });

  it('validates pagesize (0 to 100) and page (from 1); pagesize=0 answers no items', async () => {
    for (const params of [{ pagesize: '101' }, { pagesize: '-1' }, { pagesize: 'x' }, { page: '0' }, { page: '1.5' }]) {
      const { status, body } = await apiGet(se, '/users/1001', { site: 'stackoverflow', key, ...params });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error_id: 400, error_name: 'bad_parameter' });
    }
    const none = await apiGet(se, '/users/1001', { site: 'stackoverflow', key, pagesize: '0' });
    expect(none.body).toMatchObject({ items: [], has_more: true });
  });
});

describe('every list method answers has_more and honours pagesize', () => {
  const accessToken = (): string => token;
  const calls: Array<[string, () => Record<string, string>]> = [
    ['/me', () => ({ site: 'stackoverflow', key, access_token: accessToken() })],
    ['/me/associated', () => ({ key, access_token: accessToken() })],
    ['/me/network-activity', () => ({ key, access_token: accessToken() })],
    ['/me/inbox', () => ({ site: 'stackoverflow', key, access_token: accessToken() })],
    ['/inbox', () => ({ key, access_token: accessToken() })],
    ['/users/1001;1002;1004', () => ({ site: 'stackoverflow', key })],
    ['/users/9000001;9000002/associated', () => ({ key })],
    ['/users/9000001;9000004/network-activity', () => ({ key })],
    ['/users/1001/inbox', () => ({ site: 'stackoverflow', key, access_token: accessToken() })],
    ['/questions', () => ({ site: 'stackoverflow', key })],
    ['/sites', () => ({ key })],
    ['/errors', () => ({ key })],
    ['/filters/default;none', () => ({ key })],
  ];

  it.each(calls)('%s', async (path, params) => {
    const whole = await apiGet(se, path, { ...params(), pagesize: '100' });
    expect(whole.status).toBe(200);
    expect(whole.body.has_more).toBe(false);
    const total = (whole.body.items as Items).length;
    const one = await apiGet(se, path, { ...params(), pagesize: '1' });
    expect(one.body.items).toEqual((whole.body.items as Items).slice(0, 1));
    expect(one.body.has_more).toBe(total > 1);
  });
});

describe('network-wide methods refuse site; per-site methods need it', () => {
  const networkWide: Array<[string, (t: string) => Record<string, string>]> = [
    ['/me/associated', (t) => ({ key, access_token: t })],
    ['/users/9000001/associated', () => ({ key })],
    ['/me/network-activity', (t) => ({ key, access_token: t })],
    ['/users/9000001/network-activity', () => ({ key })],
    ['/inbox', (t) => ({ key, access_token: t })],
    ['/sites', () => ({ key })],
    ['/errors', () => ({ key })],
    ['/filters/create', () => ({ key, include: '.total' })],
    ['/filters/default', () => ({ key })],
  ];

  it.each(networkWide)('%s: 200 without site, bad_parameter with it', async (path, params) => {
    expect((await apiGet(se, path, params(token))).status).toBe(200);
    const refused = await apiGet(se, path, { ...params(token), site: 'stackoverflow' });
    expect(refused).toEqual({ status: 400, body: { error_id: 400, error_name: 'bad_parameter', error_message: 'site: this method is network-wide and takes no site parameter' } });
  });

  it('the token methods refuse site too, and do no work when they do', async () => {
    const doomed = se.issueToken({ accountId: ada.accountId }).accessToken;
    for (const path of [`/access-tokens/${encodeURIComponent(doomed)}`, `/access-tokens/${encodeURIComponent(doomed)}/invalidate`, `/apps/${encodeURIComponent(doomed)}/de-authenticate`]) {
      expect((await apiGet(se, path, { key, site: 'stackoverflow' })).body.error_name).toBe('bad_parameter');
    }
    // Not invalidated by the refused calls.
    expect((await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: doomed })).status).toBe(200);
  });

  it('/me, /me/inbox, /users/{ids}, /questions need site', async () => {
    for (const [path, params] of [['/me', { access_token: token }], ['/me/inbox', { access_token: token }], ['/users/1001', {}], ['/questions', {}]] as const) {
      const { body } = await apiGet(se, path, { key, ...params });
      expect(body).toMatchObject({ error_id: 400, error_name: 'bad_parameter', error_message: 'site is required' });
    }
  });
});

describe('network activity and errors', () => {
  it('/me/network-activity lists one recent answer per site account, newest first', async () => {
    const { body } = await apiGet(se, '/me/network-activity', { key, access_token: token });
    const items = body.items as Items;
    expect(items.map((i) => i.api_site_parameter)).toEqual(['stackoverflow', 'superuser', 'math']);
    expect(items.every((i) => i.account_id === ada.accountId && i.activity_type === 'answer')).toBe(true);
    const dates = items.map((i) => i.creation_date as number);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect((await apiGet(se, '/me/network-activity', { key })).body.error_name).toBe('access_token_required');
  });

  it('/errors lists every error the API answers', async () => {
    const { body } = await apiGet(se, '/errors', { key, pagesize: '100' });
    const items = body.items as Items;
    expect(items.map((e) => e.error_name)).toEqual(expect.arrayContaining(['bad_parameter', 'throttle_violation', 'access_token_required']) as unknown[]);
    expect(items).toHaveLength(12);
    expect(items.every((e) => typeof e.description === 'string')).toBe(true);
  });
});
