import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { createBrowser, login } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { lastApiToken, sessionOf } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, {
    router: { client: { retry: false } },
    routes: (server) => {
      // Test-only: moves the stored token's expiry into the past, as time passing would.
      server.post('/test/age-token', (req, res) => {
        const tokens = req.session.stackexchange;
        if (tokens) tokens.expiresAt = Date.now() - 1;
        res.status(204).end();
      });
      // Calls a method needing read_inbox without requireLogin's scope check.
      server.get('/api/inbox-unchecked', async (req, res, next) => {
        try {
          res.json(await req.stackexchange.get('/me/inbox'));
        } catch (err) {
          next(err);
        }
      });
    },
  });
});
afterAll(async () => {
  await app.close();
  await se.close();
});
beforeEach(() => se.reset());

const userId = (): number => se.users[0]?.sites['stackoverflow']?.user_id ?? 0;

describe('req.stackexchange', () => {
  it('is key-only without a login', async () => {
    const res = await createBrowser().get(`${app.url}/api/anonymous?ids=${userId()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ authenticated: false, count: 1 });
    const sent = se.requests.at(-1);
    expect(sent?.query['key']).toBe(se.clients[0]?.key);
    expect(sent?.query['access_token']).toBeUndefined();
  });

  it('carries the session token after login', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const res = await browser.get(`${app.url}/api/anonymous?ids=${userId()}`);
    expect(res.body).toEqual({ authenticated: true, count: 1 });
  });

  it('a token revoked at Stack Exchange gives 401 and the user counts as logged out', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    se.expireToken(lastApiToken(se));
    const res = await browser.get(`${app.url}/api/me?fresh=1`);
    expect(res.status).toBe(401);
    const after = await sessionOf(browser, app.url);
    expect(after.stackexchange.loggedIn).toBe(false);
    expect(after.user).toBeNull();
    const again = await browser.get(`${app.url}/api/me`).set('Accept', 'application/json');
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: 'login_required' });
    // The rejected token is not sent again.
    expect(se.requests.filter((r) => r.path === '/2.3/me' && r.query['access_token'] !== undefined).length).toBe(2);
  });

  it('a token past its expiresAt is dropped before any API call: logged out, 401', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const before = se.requests.length;
    await browser.post(`${app.url}/test/age-token`);
    const info = await sessionOf(browser, app.url);
    expect(info.stackexchange).toEqual({ loggedIn: false, expiresAt: null, scope: [] });
    expect(info.user).toBeNull();
    expect((await browser.get(`${app.url}/api/me`).set('Accept', 'application/json')).status).toBe(401);
    expect(se.requests.length).toBe(before);
  });

  it.each([
    ['a missing scope', null, '/api/inbox-unchecked', 403],
    ['an unavailable API', 'unavailable', '/api/me?fresh=1', 503],
    // Last: the ban it records in the app's limits would refuse the next test's profile read.
    ['throttling', 'throttle', '/api/me?fresh=1', 429],
  ] as const)('API errors reach Express with a status: %s → %i', async (_name, fault, path, status) => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    if (fault !== null) se.fault('api', fault);
    const res = await browser.get(`${app.url}${path}`);
    se.fault('api', null);
    expect(res.status).toBe(status);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(true);
  });
});
