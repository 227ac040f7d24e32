import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits, RedisResponseCache, StackExchangeClient, type StackExchangeClientOptions, type User } from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox, type SandboxUser } from 'passport-stackexchange-oauth2/sandbox';

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
