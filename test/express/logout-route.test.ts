import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StackExchangeStrategy, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { createBrowser, login } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { lastApiToken, sessionOf } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;
let named: RouterApp;
let hangRevocation = false;
// A fetch that never answers the revocation (and ignores its abort signal): the logout must not wait for it.
const hangingFetch: typeof fetch = (input, init) =>
  hangRevocation && String(input instanceof Request ? input.url : input).includes('/invalidate') ? new Promise<Response>(() => {}) : fetch(input, init);

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se);
  named = await startRouterApp(se, { cookieName: 'app.sid', router: { cookieName: 'app.sid', logoutRedirect: '/bye', logoutTimeout: 200, client: { fetch: hangingFetch } } });
});
afterAll(async () => {
  await named.close();
  await app.close();
  await se.close();
});
beforeEach(() => {
  se.reset();
  hangRevocation = false;
});

function invalidations(token: string) {
  return se.requests.filter((r) => r.path === `/2.3/access-tokens/${token}/invalidate`);
}

describe('POST /auth/logout', () => {
  it('revokes the token at Stack Exchange, destroys the session, clears the cookie and redirects 303 to /', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const token = lastApiToken(se);
    const before = await sessionOf(browser, app.url);

    const res = await browser.post(`${app.url}/auth/logout`).set('Origin', app.url);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toEqual([expect.stringMatching(/^connect\.sid=; Path=\/; Expires=Thu, 01 Jan 1970/)]);

    const revoke = invalidations(token);
    expect(revoke).toHaveLength(1);
    expect(revoke[0]?.query['key']).toBe(se.clients[0]?.key);
    // The token is dead at Stack Exchange afterwards.
    const check = await fetch(`${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(se.clients[0]?.key ?? '')}&access_token=${encodeURIComponent(token)}`);
    expect(((await check.json()) as { error_id?: number }).error_id).toBe(402);

    // The old session is gone from the store, even presented again.
    const after = await sessionOf(browser, app.url);
    expect(after.stackexchange.loggedIn).toBe(false);
    expect(after.user).toBeNull();
    expect(after.sessionID).not.toBe(before.sessionID);
    const stored = await new Promise((resolve) => app.store.get(before.sessionID as string, (_err, sess) => resolve(sess)));
    expect(stored).toBeFalsy();
    expect((await browser.get(`${app.url}/api/me`)).status).toBe(401);
  });

  it('answers 204 for JSON and accepts a same-origin Referer when there is no Origin', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const res = await browser.post(`${app.url}/auth/logout`).set('Referer', `${app.url}/profile`).set('Accept', 'application/json');
    expect(res.status).toBe(204);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(false);
  });

  it.each(['GET', 'PUT', 'DELETE'] as const)('refuses %s with 405 and Allow: POST', async (method) => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const res = await browser[method.toLowerCase() as 'get' | 'put' | 'delete'](`${app.url}/auth/logout`).set('Origin', app.url);
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(true);
  });

  it.each([
    ['another Origin', { Origin: 'https://evil.example' }],
    ['an opaque Origin', { Origin: 'null' }],
    ['another Referer', { Referer: 'https://evil.example/page' }],
    ['no Origin nor Referer', {}],
    ['only a matching Host', { 'X-Forwarded-Host': 'localhost' }],
  ])('refuses %s with 403 and keeps the login', async (_name, headers: Record<string, string>) => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const res = await browser.post(`${app.url}/auth/logout`).set(headers);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'forbidden_origin' });
    expect(se.requests.some((r) => r.path.includes('/invalidate'))).toBe(false);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(true);
  });

  it('logs out even when the revocation fails or hangs, with the configured cookie name and redirect', async () => {
    for (const fault of ['unavailable', 'throttle', 'hang'] as const) {
      const browser = createBrowser();
      await login(browser, se, named.url);
      if (fault === 'hang') hangRevocation = true;
      else se.fault('api', fault);
      const res = await browser.post(`${named.url}/auth/logout`).set('Origin', named.url);
      se.fault('api', null);
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/bye');
      expect(res.headers['set-cookie']).toEqual([expect.stringMatching(/^app\.sid=;/)]);
      expect((await sessionOf(browser, named.url)).stackexchange.loggedIn).toBe(false);
    }
  });

  it('logs out a browser that was not logged in', async () => {
    const res = await createBrowser().post(`${app.url}/auth/logout`).set('Origin', app.url);
    expect(res.status).toBe(303);
    expect(se.requests).toHaveLength(0);
  });

  it('logs out without passport.session() in front (no req.logout): the session is destroyed, nothing crashes', async () => {
    const authenticator = new passport.Passport();
    const strategy = new StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: 'http://app.example/auth/callback' });
    authenticator.use(strategy);
    const bare = express();
    const sessions = new session.MemoryStore();
    const sent: string[] = [];
    bare.use(session({ secret: 's', resave: false, saveUninitialized: false, store: sessions }));
    bare.get('/visit', (req, res) => {
      req.session.stackexchange = { accessToken: 'bare-token', expiresAt: null, scope: [] };
      res.status(204).end();
    });
    bare.use(stackExchangeAuth({ passport: authenticator, strategy, client: { fetch: async (input) => {
      sent.push(input instanceof Request ? input.url : input.toString());
      return new Response('{"items":[]}');
    } } }));
    const agent = request.agent(bare);
    const visit = await agent.get('/visit');
    expect(visit.headers['set-cookie']).toEqual([expect.stringMatching(/^connect\.sid=s%3A/)]);
    const res = await agent.post('/auth/logout').set('Origin', 'http://app.example').timeout(5000);
    expect(res.status).toBe(303);
    expect(res.headers['set-cookie']).toEqual([expect.stringMatching(/^connect\.sid=; Path=\/; Expires=Thu, 01 Jan 1970/)]);
    expect(sent).toEqual([expect.stringContaining('/access-tokens/bare-token/invalidate')]);
    expect(await new Promise((resolve) => sessions.length((_err, count) => resolve(count)))).toBe(0);
  });
});
