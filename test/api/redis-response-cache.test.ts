import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits, RedisResponseCache, StackExchangeClient, type StackExchangeClientOptions, type User } from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { deletePrefix } from '../relay/redis-helpers.js';

let se: Sandbox;
let ada: SandboxUser;
const limits = new MemoryApiLimits();
const redis = createClient({ url: 'redis://127.0.0.1:6379' });

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  ada = se.users[0] as SandboxUser;
  await redis.connect();
});
afterAll(async () => {
  await se.close();
  await redis.quit();
});

const clientFor = (options: Partial<StackExchangeClientOptions> = {}): StackExchangeClient =>
  new StackExchangeClient({ key: se.clients[0]?.key ?? '', apiURL: se.apiURL, apiLimits: limits, ...options });
const apiRequests = (): number => se.requests.filter((r) => r.path.startsWith('/2.3/')).length;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// The members of a group key, whatever its type (a sorted set now, a plain set left by older versions).
const groupMembers = async (key: string): Promise<string[]> => {
  const type = await redis.type(key);
  const members = type === 'zset' ? await redis.zRange(key, 0, -1) : type === 'set' ? await redis.sMembers(key) : [];
  return members.sort();
};
// Waits until Redis has expired every key (polling, so that the test does not depend on timer accuracy).
const untilExpired = async (keys: string[]): Promise<void> => {
  for (let i = 0; i < 200 && (await redis.exists(keys)) > 0; i++) await sleep(10);
  expect(await redis.exists(keys)).toBe(0);
};

describe('RedisResponseCache', () => {
  it('shares answers between clients of different processes’ caches, and drops a group', async () => {
    se.reset();
    const prefix = `test:response-cache:${randomUUID()}:`;
    const token = se.issueToken({ accountId: ada.accountId, scope: ['write_access'] }).accessToken;
    const one = clientFor({ cache: new RedisResponseCache({ client: redis, prefix }), accessToken: token });
    const two = clientFor({ cache: new RedisResponseCache({ client: redis, prefix }), accessToken: token });
    const a = await one.get<User>('/me');
    const b = await two.get<User>('/me');
    expect(b.items).toEqual(a.items);
    expect(apiRequests()).toBe(1);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain(token);
    await one.post('/questions/{id}/upvote', { id: 500_003, preview: true });
    await two.get('/me');
    expect(apiRequests()).toBe(3);
  });

  it('keeps in a group only the entries still alive, however many expired reads the token made before', async () => {
    const prefix = `test:response-cache:${randomUUID()}:`;
    const cache = new RedisResponseCache({ client: redis, prefix });
    const group = `${prefix}group:G`;
    try {
      // A token that keeps reading (a background job), so its group stays alive: one long-lived entry,
      // then rounds of short-lived ones, each round expired before the next one is saved.
      await cache.set('live-1', '{"items":[1]}', 60_000, 'G');
      for (let round = 0; round < 3; round++) {
        const keys = Array.from({ length: 10 }, (_, i) => `r${round}-${i}`);
        for (const key of keys) await cache.set(key, '{"items":[]}', 20, 'G');
        await untilExpired(keys.map((k) => `${prefix}${k}`));
      }
      await cache.set('live-2', '{"items":[2]}', 60_000, 'G');
      expect(await groupMembers(group)).toEqual([`${prefix}live-1`, `${prefix}live-2`]);
      // A shorter entry saved after a longer one does not shorten the group: it lives as long as its
      // longest entry.
      await cache.set('short', '{}', 20, 'G');
      expect(await redis.pTTL(group)).toBeGreaterThan(30_000);
      await untilExpired([`${prefix}short`]);
      await cache.set('live-3', '{"items":[3]}', 60_000, 'G');
      expect(await groupMembers(group)).toEqual([`${prefix}live-1`, `${prefix}live-2`, `${prefix}live-3`]);
      expect(await cache.get('live-2')).toBe('{"items":[2]}');
    } finally {
      await deletePrefix(redis, prefix);
    }
  });

  it('dropGroup removes every live entry of its group and nothing of another group', async () => {
    const prefix = `test:response-cache:${randomUUID()}:`;
    const cache = new RedisResponseCache({ client: redis, prefix });
    try {
      await cache.set('a-expired', '{}', 20, 'A');
      await untilExpired([`${prefix}a-expired`]);
      for (let i = 0; i < 5; i++) await cache.set(`a${i}`, `"a${i}"`, 60_000, 'A');
      for (let i = 0; i < 3; i++) await cache.set(`b${i}`, `"b${i}"`, 60_000, 'B');
      await cache.set('ungrouped', '"u"', 60_000, undefined);
      await cache.dropGroup('A');
      expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}b0`, `${prefix}b1`, `${prefix}b2`, `${prefix}group:B`, `${prefix}ungrouped`]);
      for (let i = 0; i < 5; i++) expect(await cache.get(`a${i}`)).toBeUndefined();
      expect(await cache.get('b1')).toBe('"b1"');
      expect(await groupMembers(`${prefix}group:B`)).toEqual([`${prefix}b0`, `${prefix}b1`, `${prefix}b2`]);
      await cache.dropGroup('A'); // an empty (or missing) group: nothing to do
      expect(await redis.exists(`${prefix}b0`)).toBe(1);
    } finally {
      await deletePrefix(redis, prefix);
    }
  });

  it('takes over a group left as a plain set by an older version without serving its entries after a write', async () => {
    const prefix = `test:response-cache:${randomUUID()}:`;
    const cache = new RedisResponseCache({ client: redis, prefix });
    try {
      // dropGroup on an old group drops its entries.
      await redis.set(`${prefix}old-1`, '{}', { expiration: { type: 'PX', value: 60_000 } });
      await redis.sAdd(`${prefix}group:A`, [`${prefix}old-1`, `${prefix}gone`]);
      await cache.dropGroup('A');
      expect(await redis.exists([`${prefix}old-1`, `${prefix}group:A`])).toBe(0);
      // A save into an old group replaces it, and drops its entries, which the new group does not list.
      await redis.set(`${prefix}old-2`, '{}', { expiration: { type: 'PX', value: 60_000 } });
      await redis.sAdd(`${prefix}group:B`, [`${prefix}old-2`, `${prefix}gone`]);
      await cache.set('new', '{}', 60_000, 'B');
      expect(await redis.type(`${prefix}group:B`)).toBe('zset');
      expect(await groupMembers(`${prefix}group:B`)).toEqual([`${prefix}new`]);
      expect(await redis.exists(`${prefix}old-2`)).toBe(0);
      expect(await cache.get('new')).toBe('{}');
    } finally {
      await deletePrefix(redis, prefix);
    }
  });

  it('refuses malformed and unknown options', () => {
    expect(() => new RedisResponseCache({ client: 'redis' as never })).toThrow(/options\.client/);
    expect(() => new RedisResponseCache({ client: redis, prefx: 'x' } as never)).toThrow(/did you mean prefix/);
  });

  it('is skipped, not fatal, when Redis is down: the read goes to the API', async () => {
    se.reset();
    const down = createClient({ url: 'redis://127.0.0.1:6379' });
    const answer = await clientFor({ cache: new RedisResponseCache({ client: down, prefix: 'x:' }) }).get('/questions', { pagesize: 1 });
    expect(answer.items.length).toBe(1);
    expect(apiRequests()).toBe(1);
  });

  it('is skipped when Redis is connected but does not answer within commandTimeout', async () => {
    se.reset();
    let commands = 0;
    const stalled = { isReady: true, sendCommand: () => ((commands += 1), new Promise<never>(() => undefined)) };
    const answer = await clientFor({ cache: new RedisResponseCache({ client: stalled, prefix: 'x:', commandTimeout: 20 }) }).get('/questions', { pagesize: 1 });
    expect(answer.items.length).toBe(1);
    expect(apiRequests()).toBe(1);
    expect(commands).toBeGreaterThanOrEqual(1);
  });
});
