import express4 from 'express4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { completeLogin, consent, createBrowser, login, startLogin } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { lastApiToken, sessionOf, tokenRequests } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, { express: express4 });
});
beforeEach(() => se.reset());
afterAll(async () => {
  await app.close();
  await se.close();
});

describe('the router on Express 4', () => {
  it('runs on Express 4', async () => {
    const res = await createBrowser().get(`${app.url}/`);
    expect(res.headers['x-powered-by']).toBe('Express');
    expect((express4 as unknown as { application: object }).application).toBeDefined();
  });

  it('logs in, calls the API, and logs out', async () => {
    const browser = createBrowser();
    const before = (await sessionOf(browser, app.url)).sessionID;
    const res = await login(browser, se, app.url, { returnTo: '/api/me' });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/api/me');
    expect(res.headers['cache-control']).toBe('no-store');
    const after = await sessionOf(browser, app.url);
    expect(after.sessionID).not.toBe(before);
    expect(after.stackexchange.loggedIn).toBe(true);
    expect((await browser.get(`${app.url}/api/me`)).body).toMatchObject({ accountId: se.users[0]?.accountId });

    const token = lastApiToken(se);
    const out = await browser.post(`${app.url}/auth/logout`).set('Origin', app.url);
    expect(out.status).toBe(303);
    expect(se.requests.some((r) => r.path === `/2.3/access-tokens/${token}/invalidate`)).toBe(true);
    expect((await browser.get(`${app.url}/api/me`).set('Accept', 'application/json')).status).toBe(401);
  });

  it('refuses structured callback parameters (qs objects) with 400, not 500', async () => {
    const browser = createBrowser();
    await startLogin(browser, app.url);
    for (const query of ['?code=a&state[a]=b', '?code[x]=a&state=b', '?code=a&code=b&state=c']) {
      const res = await browser.get(`${app.url}/auth/callback${query}`).set('Accept', 'application/json');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'bad_request' });
    }
    expect(tokenRequests(se)).toHaveLength(0);
  });

  it('refuses structured or repeated start parameters (qs objects and arrays) with 400, and ignores a structured returnTo', async () => {
    for (const query of ['?state[a]=x', '?code[]=a', '?scope[0]=read_inbox', '?scope=read_inbox&scope=no_expiry', '?error[x]=1']) {
      const res = await createBrowser().get(`${app.url}/auth/start${query}`).set('Accept', 'application/json');
      expect([query, res.status, res.body]).toEqual([query, 400, { error: 'bad_request' }]);
    }
    const browser = createBrowser();
    const start = await browser.get(`${app.url}/auth/start?returnTo[a]=/x&returnTo[b]=//evil.example`);
    expect(start.status).toBe(302);
    const done = await completeLogin(browser, await consent(se, new URL(String(start.headers['location']))));
    expect(done.status).toBe(303);
    expect(done.headers['location']).toBe('/');
  });

  it('answers 405 to GET /auth/logout and 401/302 from requireLogin', async () => {
    const browser = createBrowser();
    expect((await browser.get(`${app.url}/auth/logout`)).status).toBe(405);
    expect((await browser.get(`${app.url}/api/me`).set('Accept', 'application/json')).status).toBe(401);
    expect((await browser.get(`${app.url}/api/me`).set('Accept', 'text/html')).status).toBe(302);
  });
});
