import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryApiLimits,
  MemoryResponseCache,
  StackExchangeClient,
  type ResponseCache,
  type StackExchangeClientOptions,
  type User,
} from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { sharedResponseCache } from '../../src/api/response-cache.js';

let se: Sandbox;
let ada: SandboxUser;
const limits = new MemoryApiLimits();

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  ada = se.users[0] as SandboxUser;
});
afterAll(() => se.close());

const clientFor = (options: Partial<StackExchangeClientOptions> = {}): StackExchangeClient =>
  new StackExchangeClient({ key: se.clients[0]?.key ?? '', apiURL: se.apiURL, apiLimits: limits, cache: new MemoryResponseCache(), ...options });
const apiRequests = (): number => se.requests.filter((r) => r.path.startsWith('/2.3/')).length;

describe('MemoryResponseCache', () => {
  it('keeps entries for their TTL, drops a group, and stays bounded', async () => {
    const cache = new MemoryResponseCache({ maxEntries: 2 });
    await cache.set('a', '{"items":[]}', 60_000, 'g');
    await cache.set('b', '{}', 60_000, undefined);
    expect(await cache.get('a')).toBe('{"items":[]}');
    await cache.dropGroup('g');
    expect([await cache.get('a'), await cache.get('b')]).toEqual([undefined, '{}']);
    await cache.set('c', '1', 60_000, undefined);
    await cache.set('d', '2', 60_000, undefined);
    expect(await cache.get('b')).toBeUndefined();
    expect(() => new MemoryResponseCache({ maxEntrie: 1 } as never)).toThrow(/did you mean maxEntries/);
  });

  it('is shared process-wide per API root by default', () => {
    const a = new StackExchangeClient({ key: 'k', apiURL: se.apiURL });
    expect(sharedResponseCache(se.apiURL)).toBe(sharedResponseCache(a.apiURL));
    expect(sharedResponseCache(se.apiURL)).not.toBe(sharedResponseCache('http://127.0.0.1:1/2.3'));
  });
});

describe('the client response cache', () => {
  it('answers identical reads within cacheTTL from the cache: one request, no duplicate at the sandbox', async () => {
    se.reset();
    const cache = new MemoryResponseCache();
    const token = se.issueToken({ accountId: ada.accountId }).accessToken;
    const first = await clientFor({ cache, accessToken: token }).get<User>('/me');
    // A new client per request, as the router makes: same token and params, same answer.
    const second = await clientFor({ cache, accessToken: token }).get<User>('/me');
    expect(second.items).toEqual(first.items);
    expect(apiRequests()).toBe(1);
    // Another token, other params or `cache: false` on the call are sent.
    await clientFor({ cache, accessToken: se.issueToken({ accountId: ada.accountId }).accessToken }).get('/me');
    await clientFor({ cache, accessToken: token }).get('/me', { site: 'math' });
    await clientFor({ cache, accessToken: token }).get('/me', {}, { cache: false });
    expect(apiRequests()).toBe(4);
    expect(se.duplicateRequests()).toHaveLength(1);
  });

  it('shares one request between six identical reads in flight, even with the cache off', async () => {
    se.reset();
    const answers = await Promise.all(Array.from({ length: 6 }, () => clientFor({ cache: false }).get('/users/{ids}', { ids: [1001, 1002] })));
    expect(answers.every((a) => a.items.length === 2)).toBe(true);
    expect(apiRequests()).toBe(1);
  });

  it('keeps the shared request for the callers still waiting when one aborts', async () => {
    se.reset();
    const controller = new AbortController();
    const leaving = clientFor({ cache: false }).get('/sites', {}, { signal: controller.signal });
    const staying = clientFor({ cache: false }).get('/sites');
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ name: 'AbortError' });
    expect((await staying).items.length).toBeGreaterThan(0);
    expect(apiRequests()).toBe(1);
  });

  it('reads afresh after cacheTTL', async () => {
    se.reset();
    const cache = new MemoryResponseCache();
    await clientFor({ cache, cacheTTL: 30 }).get('/questions', { pagesize: 1 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await clientFor({ cache, cacheTTL: 30 }).get('/questions', { pagesize: 1 });
    expect(apiRequests()).toBe(2);
  });

  it('drops a token’s cached reads after a write with it, never caches errors, and keeps no key or token in its keys', async () => {
    se.reset();
    const seen: string[] = [];
    const inner = new MemoryResponseCache();
    const cache: ResponseCache = {
      get: (key) => inner.get(key),
      set: (key, value, ttl, group) => {
        seen.push(key, group ?? '');
        return inner.set(key, value, ttl, group);
      },
      dropGroup: (group) => inner.dropGroup(group),
    };
    const voter = se.users[1] as SandboxUser;
    const token = se.issueToken({ accountId: voter.accountId, scope: ['write_access'] }).accessToken;
    const client = clientFor({ cache, accessToken: token });
    await client.get('/me');
    await client.get('/me');
    expect(apiRequests()).toBe(1);
    await client.post('/questions/{id}/upvote', { id: 500_003, preview: true });
    await client.get('/me');
    expect(apiRequests()).toBe(3);
    se.fault('api', 'internal', { times: 1 });
    await expect(clientFor({ cache, retry: false }).get('/questions', { pagesize: 1 })).rejects.toMatchObject({ errorId: 500 });
    await clientFor({ cache }).get('/questions', { pagesize: 1 });
    expect(apiRequests()).toBe(5);
    for (const key of seen) {
      expect(key).not.toContain(token);
      expect(key).not.toContain(se.clients[0]?.key ?? '');
    }
  });
});

describe('a write while a read of the same token is in flight', () => {
  it('neither stores the read\'s pre-write answer nor lets a read made after the write join it', async () => {
    se.reset();
    const token = se.issueToken({ accountId: ada.accountId, scope: ['write_access'] }).accessToken;
    // GET answers are held (the sandbox has answered) until the test lets them through.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: Array<Promise<unknown>> = [];
    const fetchHeld: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      if ((init?.method ?? 'GET') === 'GET') {
        const waited = gate.then(() => answer);
        held.push(waited);
        return waited;
      }
      return answer;
    };
    const client = clientFor({ cache: new MemoryResponseCache(), accessToken: token, fetch: fetchHeld });
    const target = (await clientFor({ accessToken: token }).get<{ question_id: number; score: number; owner?: { account_id?: number } }>('/questions', { pagesize: 100 }, { cache: false })).items.find(
      (q) => q.owner?.account_id !== ada.accountId,
    );
    if (target === undefined) throw new Error('no question of another user');
    const before = apiRequests();
    const readBefore = client.get<{ question_id: number; score: number }>('/questions', { pagesize: 100 });
    await expect.poll(() => held.length).toBe(1);
    await client.post('/questions/{id}/upvote', { id: target.question_id });
    const readAfter = client.get<{ question_id: number; score: number }>('/questions', { pagesize: 100 });
    await expect.poll(() => held.length).toBe(2);
    release();
    const scoreIn = (answer: { items: Array<{ question_id: number; score: number }> }): number | undefined => answer.items.find((q) => q.question_id === target.question_id)?.score;
    expect(scoreIn(await readBefore)).toBe(target.score);
    expect(scoreIn(await readAfter)).toBe(target.score + 1);
    // The next identical read is the post-write answer, from the cache.
    expect(scoreIn(await client.get('/questions', { pagesize: 100 }))).toBe(target.score + 1);
    expect(apiRequests() - before).toBe(3);
  });
});

describe('cached reads of a token that ends', () => {
  it('drops them when the token is invalidated or rejected', async () => {
    se.reset();
    const cache = new MemoryResponseCache();
    const token = se.issueToken({ accountId: ada.accountId }).accessToken;
    await clientFor({ cache, accessToken: token }).get('/me');
    await clientFor({ cache }).invalidateToken(token);
    await expect(clientFor({ cache, accessToken: token }).get('/me')).rejects.toMatchObject({ errorId: 402 });
    const other = se.issueToken({ accountId: ada.accountId }).accessToken;
    await clientFor({ cache, accessToken: other }).get('/me');
    se.expireToken(other);
    await expect(clientFor({ cache, accessToken: other }).get('/me', { site: 'math' })).rejects.toMatchObject({ errorId: 402 });
    await expect(clientFor({ cache, accessToken: other }).get('/me')).rejects.toMatchObject({ errorId: 402 });
  });
});
