import { randomUUID } from 'node:crypto';
import type { SessionData } from 'express-session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionStore } from '../../example-app/session-store.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `test:example-app:session-store:${randomUUID()}:`;
const redis = createClient({ url: REDIS_URL });

beforeAll(async () => {
  await redis.connect();
});

afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(keys);
  await redis.quit();
});

describe('createSessionStore', () => {
  it('without a Redis URL: the memory store, with a development warning', async () => {
    const warnings: string[] = [];
    const sessions = await createSessionStore({ warn: (m) => warnings.push(m) });
    expect(sessions.kind).toBe('memory');
    expect(sessions.store).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('sessions are kept in memory (development only). Set REDIS_URL')]);
    await sessions.close();
  });

  it('with a Redis URL: sessions are written to Redis under the prefix, with a TTL, and read back', async () => {
    const warnings: string[] = [];
    const sessions = await createSessionStore({ redisURL: REDIS_URL, prefix: PREFIX, warn: (m) => warnings.push(m) });
    try {
      expect(sessions.kind).toBe('redis');
      expect(warnings).toEqual([]);
      const store = sessions.store;
      if (store === undefined) throw new Error('no store');
      const data = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString() }, passport: { user: { accountId: 1 } } };
      await new Promise<void>((resolve, reject) => store.set('sid-1', data as unknown as SessionData, (e) => (e ? reject(e) : resolve())));
      expect(JSON.parse((await redis.get(`${PREFIX}sid-1`)) ?? 'null')).toMatchObject({ passport: { user: { accountId: 1 } } });
      const ttl = await redis.ttl(`${PREFIX}sid-1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      const back = await new Promise<unknown>((resolve, reject) => store.get('sid-1', (e, s) => (e ? reject(e) : resolve(s))));
      expect(back).toMatchObject({ passport: { user: { accountId: 1 } } });
    } finally {
      await sessions.close();
    }
  });

  it('fails at start-up when Redis cannot be reached', async () => {
    // Port 1 on loopback refuses connections; node-redis would keep retrying, so connect() must reject.
    await expect(createSessionStore({ redisURL: 'redis://127.0.0.1:1', warn: () => {} })).rejects.toThrow();
  });
});
