import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryResponseCache, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { createBrowser, login } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

let se: Sandbox;
let app: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  // The app's own cache, given to the strategy: the router's req.stackexchange inherits it.
  app = await startRouterApp(se, { strategy: { cache: new MemoryResponseCache() } });
});
afterAll(async () => {
  await app.close();
  await se.close();
});
beforeEach(() => se.reset());

const meRequests = (): number => se.requests.filter((r) => r.path === '/2.3/me').length;

describe("the profile read at login and the app's /me reads", () => {
  it('cost one /me request in all: the login, two page loads, then six at once', async () => {
    const browser = createBrowser();
    expect((await login(browser, se, app.url)).status).toBe(303);
    expect(meRequests()).toBe(1);

    const first = await browser.get(`${app.url}/api/me`);
    const second = await browser.get(`${app.url}/api/me`);
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ accountId: se.users[0]?.accountId });

    const six = await Promise.all(Array.from({ length: 6 }, () => browser.get(`${app.url}/api/me`)));
    expect(six.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(meRequests()).toBe(1);
    expect(se.duplicateRequests()).toEqual([]);

    // A read that skips the cache is sent: the count above is the cache's doing.
    expect((await browser.get(`${app.url}/api/me?fresh=1`)).status).toBe(200);
    expect(meRequests()).toBe(2);
  });

  it('uses the cache given to the strategy, not the process-wide one', async () => {
    const other = await startRouterApp(se, { strategy: { cache: false } });
    try {
      const browser = createBrowser();
      expect((await login(browser, se, other.url)).status).toBe(303);
      expect((await browser.get(`${other.url}/api/me`)).status).toBe(200);
      expect(meRequests()).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('refuses a cache option that is not a ResponseCache', () => {
    const client = se.clients[0];
    const options = { clientID: client?.clientId ?? '', key: client?.key ?? '', callbackURL: 'http://localhost/auth/callback' };
    expect(() => new StackExchangeStrategy({ ...options, cache: {} as unknown as false })).toThrow(
      'StackExchangeStrategy: options.cache must be a ResponseCache (MemoryResponseCache, RedisResponseCache) or false',
    );
  });
});
