import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackExchangeStrategy, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { createBrowser, login } from '../helpers/login-flow.js';

let se: Sandbox;
beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});

describe('stackExchangeAuth()', () => {
  it('throws at creation on a bad option, naming it', () => {
    expect(() => stackExchangeAuth({ basePath: 'auth' })).toThrow(/stackExchangeAuth: options\.basePath/);
  });

  it('finds the strategy on first use, so it may be registered after the router', async () => {
    const authenticator = new passport.Passport();
    const app = express();
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use(authenticator.session());
    app.use(stackExchangeAuth({ passport: authenticator, strategy: 'se' }));
    const missing = await request(app).get('/auth/start');
    expect(missing.status).toBe(500);
    expect(missing.text).toContain('no StackExchangeStrategy is registered as &quot;se&quot;');
    const client = se.clients[0];
    if (client === undefined) throw new Error('no client');
    authenticator.use('se', new StackExchangeStrategy({ clientID: client.clientId, key: client.key, callbackURL: 'https://app.example/auth/callback', authorizationURL: se.authorizationURL }));
    const started = await request(app).get('/auth/start');
    expect(started.status).toBe(302);
    expect(String(started.headers['location'])).toContain(se.authorizationURL);
  });

  describe('with options', () => {
    let app: RouterApp;
    beforeAll(async () => {
      app = await startRouterApp(se, { router: { basePath: '/login/se', origin: 'https://www.app.example' } });
    });
    afterAll(async () => {
      await app.close();
    });

    it('serves its routes under basePath only', async () => {
      const browser = createBrowser();
      expect((await browser.get(`${app.url}/login/se/start`)).status).toBe(302);
      expect((await browser.get(`${app.url}/auth/start`)).status).toBe(404);
      expect((await browser.get(`${app.url}/login/se/logout`)).status).toBe(405);
    });

    it('checks logout against the origin option rather than the callback URL', async () => {
      const browser = createBrowser();
      expect((await login(browser, se, app.url, { basePath: '/login/se' })).status).toBe(303);
      expect((await browser.post(`${app.url}/login/se/logout`).set('Origin', app.url)).status).toBe(403);
      expect((await browser.post(`${app.url}/login/se/logout`).set('Origin', 'https://www.app.example')).status).toBe(303);
    });
  });
});
