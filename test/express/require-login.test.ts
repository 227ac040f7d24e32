import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLogin } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { createBrowser, login } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

let se: Sandbox;
let app: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, { router: { scopes: ['read_inbox'] } });
});
afterAll(async () => {
  await app.close();
  await se.close();
});

describe('requireLogin()', () => {
  it('answers API requests 401 { error: login_required, login } with the start URL returning here', async () => {
    const res = await createBrowser().get(`${app.url}/api/me?x=1`).set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'login_required', login: '/auth/start?returnTo=%2Fapi%2Fme%3Fx%3D1' });
  });

  it('treats Accept: */* as an API request', async () => {
    const res = await createBrowser().get(`${app.url}/api/me`).set('Accept', '*/*');
    expect(res.status).toBe(401);
  });

  it('redirects HTML navigations 302 to the start route', async () => {
    const res = await createBrowser().get(`${app.url}/api/me`).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe('/auth/start?returnTo=%2Fapi%2Fme');
  });

  it('lets a logged-in user through, and the login URL it gave works end to end', async () => {
    const browser = createBrowser();
    const refused = await browser.get(`${app.url}/api/me`).set('Accept', 'application/json');
    const start = new URL((refused.body as { login: string }).login, app.url);
    const res = await login(browser, se, app.url, { returnTo: start.searchParams.get('returnTo') as string });
    expect(res.headers['location']).toBe('/api/me');
    const me = await browser.get(`${app.url}/api/me`);
    expect(me.status).toBe(200);
  });

  it('answers 403 insufficient_scope when the token lacks a required scope, with a login URL asking for it', async () => {
    const browser = createBrowser();
    await login(browser, se, app.url);
    const res = await browser.get(`${app.url}/api/inbox`).set('Accept', 'application/json');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', login: '/auth/start?returnTo=%2Fapi%2Finbox&scope=read_inbox' });
    await login(browser, se, app.url, { scope: 'read_inbox' });
    const inbox = await browser.get(`${app.url}/api/inbox`);
    expect(inbox.status).toBe(200);
  });

  it('passes an error to next() without stackExchangeAuth() in front', async () => {
    const bare = express();
    bare.get('/x', requireLogin(), (_req, res) => {
      res.send('ok');
    });
    const res = await request(bare).get('/x');
    expect(res.status).toBe(500);
    expect(res.text).toContain('requireLogin() needs app.use(stackExchangeAuth()) before it');
  });

  it('refuses an unknown scope at creation', () => {
    // @ts-expect-error 'admin' is not a Stack Exchange scope (JavaScript callers can still pass it)
    expect(() => requireLogin({ scope: ['admin'] })).toThrow(/requireLogin: options\.scope/);
  });
});
