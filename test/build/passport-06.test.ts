import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport06 from 'passport06';
import { StackExchangeStrategy, requireLogin, stackExchangeAuth, type User } from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, login } from '../helpers/login-flow.js';

// The peer range says `passport: ^0.6.0 || ^0.7.0`; the rest of the suite runs on 0.7. This file runs
// the whole login, an API call as the person and the logout on passport 0.6.0 (installed as
// `passport06`), which regenerates the session at login and needs a callback for `req.logout`.

let se: Sandbox;
let server: Server;
let url: string;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  const client = se.clients[0];
  if (client === undefined) throw new Error('the sandbox has no client');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://localhost:${(server.address() as AddressInfo).port}`;

  const authenticator = new passport06.Passport();
  const strategy = new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL: `${url}/auth/callback`,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
  });
  authenticator.use(strategy);
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.use(session({ secret: 'passport-06 test', resave: false, saveUninitialized: false }));
  app.use(authenticator.session());
  app.use(stackExchangeAuth({ strategy, passport: authenticator, successRedirect: '/me' }));
  app.get('/me', requireLogin(), async (req, res, next) => {
    try {
      const me = await req.stackexchange.get<User>('/me', { site: 'stackoverflow' });
      res.json({ user: req.user, sessionID: req.sessionID, apiName: me.items[0]?.display_name });
    } catch (error) {
      next(error);
    }
  });
  server.on('request', app);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await se.close();
});

describe('on passport 0.6.0', () => {
  it('is really passport 0.6', async () => {
    const { createRequire } = await import('node:module');
    const version = (createRequire(import.meta.url)('passport06/package.json') as { version: string }).version;
    expect(version).toBe('0.6.0');
  });

  it('logs in through the router, calls the API as the person, and logs out', async () => {
    const browser = createBrowser();
    const ada = se.users[0];
    if (ada === undefined) throw new Error('no sample user');
    await browser.get(`${url}/auth/start`).expect(302);
    const before = se.requests.length;

    const callback = await login(browser, se, url, { accountId: ada.accountId });
    expect(callback.status).toBe(303);
    expect(callback.headers['location']).toBe('/me');
    // The token exchange reached the sandbox with the PKCE verifier.
    const exchange = se.requests.slice(before).find((r) => r.path.startsWith('/oauth/access_token'));
    expect(exchange?.form?.['code_verifier']).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);

    const me = await browser.get(`${url}/me`).expect(200);
    const body = me.body as { user: { id: string; displayName: string }; apiName: string };
    expect(body.user).toMatchObject({ id: String(ada.accountId), displayName: ada.displayName });
    expect(body.apiName).toBe(ada.displayName);
    const apiCall = se.requests.filter((r) => r.path === '/2.3/me').at(-1);
    expect(typeof apiCall?.query['access_token']).toBe('string');

    await browser.post(`${url}/auth/logout`).set('Origin', url).expect(303);
    const token = String(apiCall?.query['access_token']);
    expect(se.requests.some((r) => r.path === `/2.3/access-tokens/${token}/invalidate`)).toBe(true);
    await browser.get(`${url}/me`).set('Accept', 'application/json').expect(401);
  });
});
