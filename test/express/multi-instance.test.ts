import { randomBytes } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { completeLogin, consent, createBrowser, login, startLogin } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { sessionOf } from '../helpers/session-peek.js';

// Two app instances behind one public URL, sharing sessions in the real Redis through connect-redis.
// The sandbox allows more than Stack Exchange's 30 API requests/s from one address: the load test's 200
// logins come from this one process. The API client's own limiter stays at its default for the profile.
const prefix = `test:express:multi-instance:${randomBytes(6).toString('hex')}:`;
const redis = createClient({ url: 'redis://127.0.0.1:6379' });
let se: Sandbox;
let a: RouterApp;
let b: RouterApp;

beforeAll(async () => {
  redis.on('error', () => undefined);
  await redis.connect();
  se = await createSandbox({ port: 0, maxRequestsPerSecond: 1000 });
  const store = new RedisStore({ client: redis, prefix });
  const client = { apiLimits: new MemoryApiLimits({ maxRequests: 1000 }) };
  a = await startRouterApp(se, { store, router: { client } });
  // Instance B uses A's URL as its public URL (one callbackURL for both, as behind a load balancer).
  b = await startRouterApp(se, { store, publicURL: a.url, router: { client } });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await se.close();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.quit();
});

describe('several instances sharing connect-redis', () => {
  it('a login started on instance A completes on instance B', async () => {
    const browser = createBrowser();
    const res = await login(browser, se, a.url, { returnTo: '/api/me', callbackVia: b.url });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/api/me');
    for (const instance of [a, b]) {
      const me = await browser.get(`${instance.url}/api/me`);
      expect(me.body).toEqual({ accountId: se.users[0]?.accountId, displayName: se.users[0]?.displayName });
    }
    const keys: string[] = [];
    for await (const found of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...found);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('two tabs started on two instances both complete, each on the other instance', async () => {
    const browser = createBrowser();
    const tab1 = await startLogin(browser, a.url, { returnTo: '/one' });
    const tab2 = await startLogin(browser, b.url, { returnTo: '/two' });
    const first = await completeLogin(browser, await consent(se, tab1, { callbackVia: b.url }));
    const second = await completeLogin(browser, await consent(se, tab2, { callbackVia: a.url }));
    expect([first.status, first.headers['location']]).toEqual([303, '/one']);
    expect([second.status, second.headers['location']]).toEqual([303, '/two']);
    expect((await sessionOf(browser, b.url)).stackexchange.loggedIn).toBe(true);
  });

  it('200 concurrent logins across both instances: no session crossed', async () => {
    const users = se.users.filter((user) => user.sites['stackoverflow'] !== undefined);
    expect(users.length).toBeGreaterThan(1);
    const runs = Array.from({ length: 200 }, async (_, i) => {
      const user = users[i % users.length];
      if (user === undefined) throw new Error('no user');
      const [start, end] = i % 2 === 0 ? [a, b] : [b, a];
      const browser = createBrowser();
      const res = await login(browser, se, start.url, { accountId: user.accountId, returnTo: `/done/${i}`, callbackVia: end.url });
      const me = await browser.get(`${start.url}/api/me`);
      return { i, expected: user.accountId, status: res.status, location: res.headers['location'], me: me.body as { accountId?: number } };
    });
    const results = await Promise.all(runs);
    for (const result of results) {
      expect(result.status).toBe(303);
      expect(result.location).toBe(`/done/${result.i}`);
      expect(result.me.accountId).toBe(result.expected);
    }
    expect(new Set(results.map((r) => r.expected)).size).toBe(users.length);
  }, 90_000);
});
