import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample, type RunningExample } from './support/example-server.js';

// The example app with REDIS_URL: sessions live in the real Redis, and a Redis outage is a quick 503
// from which the app recovers. The app reaches Redis through a TCP relay this test can cut.

const PREFIX = `test:example-app:redis-sessions:${randomUUID()}:`;
const redis = createClient({ url: 'redis://127.0.0.1:6379' });

/** A TCP relay to the real Redis that can be cut (every connection dropped, new ones refused) and restored. */
class RedisRelay {
  readonly sockets = new Set<Socket>();
  server: Server | undefined;
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(6379, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    for (const s of this.sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const relay = new RedisRelay();
let ex: RunningExample;

beforeAll(async () => {
  await redis.connect();
  await relay.open();
  ex = await startExample({ app: { redisURL: `redis://127.0.0.1:${relay.port}`, redisPrefix: PREFIX } });
});

afterAll(async () => {
  await ex?.close();
  await relay.cut();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(keys);
  await redis.quit();
});

describe('the example app with REDIS_URL', () => {
  it('keeps the session in Redis: the login completes and the profile loads', async () => {
    expect(ex.example.sessionStore).toBe('redis');
    const agent = request.agent(ex.server);
    const start = await agent.get('/auth/start').expect(302);
    expect(await redis.keys(`${PREFIX}*`)).toHaveLength(1);
    const back = await ex.se.authorize(start.headers['location'] as string);
    await agent.get(`${back.pathname}${back.search}`).expect(303);
    await agent.get('/profile').expect(200);

    const keys = await redis.keys(`${PREFIX}*`);
    // The session id changed at login (the old session is gone).
    expect(keys).toHaveLength(1);
    const stored = JSON.parse((await redis.get(keys[0] as string)) ?? '{}') as { passport?: { user?: Record<string, unknown> } };
    expect(stored.passport?.user).toMatchObject({ accountId: ex.se.users[0]?.accountId, displayName: ex.se.users[0]?.displayName });
    // The passport user never carries the token (the router keeps it apart, server-side).
    expect(JSON.stringify(stored.passport)).not.toMatch(/access_?token/i);
  });

  it('answers 503 at once while Redis is away, and works again when it is back', async () => {
    const agent = request.agent(ex.server);
    await agent.get('/auth/start').expect(302);
    await relay.cut();
    try {
      const res = await agent.get('/profile').set('Accept', 'text/html').timeout(5_000);
      expect(res.status).toBe(503);
      expect(res.text).toContain('Temporarily unavailable');
      expect(ex.errors.join('\n')).toContain('Session store unavailable');
    } finally {
      await relay.open();
    }
    await expect.poll(async () => (await agent.get('/profile').set('Accept', 'text/html')).status, { timeout: 10_000, interval: 100 }).toBe(302);
  });
});
