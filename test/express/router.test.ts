import createDebug from 'debug';
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
import { lastApiToken, tokenRequests } from '../helpers/session-peek.js';

let se: Sandbox;
beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});

describe('stackExchangeAuth()', () => {
  it('throws at creation on a bad option, naming it', () => {
    const strategy = new StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: 'https://app.example/auth/callback' });
    expect(() => stackExchangeAuth({ strategy, basePath: 'auth' })).toThrow(/stackExchangeAuth: options\.basePath/);
  });

  it('takes the strategy instance, not a name (passport has no public lookup)', () => {
    expect(() => stackExchangeAuth({ strategy: 'stackexchange' } as never)).toThrow(/options\.strategy must be the StackExchangeStrategy instance given to passport\.use\(\)/);
  });

  it('works with a strategy registered under another name, and runs each request on its own strategy object', async () => {
    const authenticator = new passport.Passport();
    const client = se.clients[0];
    if (client === undefined) throw new Error('no client');
    const strategy = new StackExchangeStrategy({ clientID: client.clientId, key: client.key, callbackURL: 'https://app.example/auth/callback', authorizationURL: se.authorizationURL });
    authenticator.use('se', strategy);
    const app = express();
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use(authenticator.session());
    app.use(stackExchangeAuth({ passport: authenticator, strategy }));
    const started = await Promise.all([request(app).get('/auth/start'), request(app).get('/auth/start')]);
    expect(started.map((res) => res.status)).toEqual([302, 302]);
    expect(String(started[0]?.headers['location'])).toContain(se.authorizationURL);
    // passport sets its action functions on the object it is given: never on the shared instance.
    expect(Object.hasOwn(strategy, 'redirect')).toBe(false);
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

  describe('debug logging', () => {
    const originalLog = createDebug.log;
    let app: RouterApp;
    beforeAll(async () => {
      app = await startRouterApp(se, { router: { client: { retry: false } } });
    });
    afterAll(async () => {
      createDebug.disable();
      createDebug.log = originalLog;
      await app.close();
    });

    it('never writes a token, code, verifier, secret or key, through logins, failures, a rejected token and logout', async () => {
      se.reset();
      const lines: string[] = [];
      createDebug.log = (...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      };
      createDebug.enable('passport-stackexchange-oauth2:*');
      const tokens: string[] = [];

      const revoked = createBrowser();
      expect((await login(revoked, se, app.url)).status).toBe(303);
      tokens.push(lastApiToken(se));
      se.expireToken(lastApiToken(se));
      expect((await revoked.get(`${app.url}/api/me?fresh=1`)).status).toBe(401);

      se.fault('token', '500');
      expect((await login(createBrowser(), se, app.url)).headers['location']).toBe('/?error=token_error');
      se.fault('token', null);

      const browser = createBrowser();
      await login(browser, se, app.url);
      tokens.push(lastApiToken(se));
      se.fault('api', 'unavailable');
      expect((await browser.post(`${app.url}/auth/logout`).set('Origin', app.url)).status).toBe(303);
      se.fault('api', null);

      // Last: the throttle ban it records in the app's limits refuses later profile reads.
      se.fault('api', 'throttle', { times: 1 });
      expect((await login(createBrowser(), se, app.url)).headers['location']).toBe('/?error=profile_error');

      expect(lines.some((line) => line.includes('token revocation at logout failed'))).toBe(true);
      expect(lines.some((line) => line.includes('the API rejected the token'))).toBe(true);
      const secrets = [
        ...tokens,
        ...se.requests.map((r) => r.query['access_token']),
        ...tokenRequests(se).flatMap((r) => [r.form?.['code'], r.form?.['code_verifier']]),
        se.clients[0]?.clientSecret,
        se.clients[0]?.key,
      ].filter((value): value is string => typeof value === 'string');
      expect(secrets.length).toBeGreaterThan(8);
      const log = lines.join('\n');
      for (const secret of secrets) expect(log).not.toContain(secret);
    });
  });
});
