import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StackExchangeStrategy, TokenErrorCode, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import type { LoginFailure } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { consent, createBrowser, login, startLogin } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp, RouterAppOptions } from '../helpers/router-app.js';

let se: Sandbox;
const apps: RouterApp[] = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});

afterAll(async () => {
  await se.close();
});

beforeEach(() => {
  se.reset();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A router app whose diagnostics and login errors are captured. */
async function watchedApp(strategy: RouterAppOptions['strategy'] = {}) {
  const lines: string[] = [];
  const failures: LoginFailure[] = [];
  const app = await startRouterApp(se, { strategy, router: { logger: (line) => lines.push(line), onLoginError: (failure) => failures.push(failure) } });
  apps.push(app);
  return { app, lines, failures };
}

describe('operator diagnostics', () => {
  it('a wrong client secret: the person sees token_error, the operator one line naming the fix, onLoginError the cause', async () => {
    const { app, lines, failures } = await watchedApp({ clientSecret: 'not-the-secret' });
    for (let i = 0; i < 2; i++) expect((await login(createBrowser(), se, app.url)).headers['location']).toBe('/?error=token_error');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/token endpoint refused the login .*check clientID and clientSecret/);
    expect(lines[0]).not.toContain('not-the-secret');
    expect(failures.map((f) => [f.code, (f.cause as { code?: unknown }).code])).toEqual([
      ['token_error', TokenErrorCode.Rejected],
      ['token_error', TokenErrorCode.Rejected],
    ]);
  });

  it('a wrong API key: its own code, profile_error, and a line naming the key', async () => {
    const { app, lines, failures } = await watchedApp({ key: 'wrong-key((' });
    expect((await login(createBrowser(), se, app.url)).headers['location']).toBe('/?error=profile_error');
    expect(lines).toEqual([expect.stringMatching(/API refused the profile request \(bad_parameter\): check the strategy's key/)]);
    expect(lines[0]).not.toContain('wrong-key((');
    expect(failures[0]?.code).toBe('profile_error');
  });

  it('a callback on another host than callbackURL, with no pending login there: wrong_host naming both hosts', async () => {
    const { app, lines, failures } = await watchedApp();
    const browser = createBrowser();
    const callback = await consent(se, await startLogin(browser, app.url));
    const port = new URL(app.url).port;
    callback.host = `127.0.0.1:${port}`;
    const res = await browser.get(callback.href).set('Accept', 'application/json');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'wrong_host' });
    expect(lines).toEqual([expect.stringContaining(`callback arrived on host 127.0.0.1:${port} but the strategy's callbackURL is on localhost:${port}`)]);
    expect(failures[0]?.code).toBe('wrong_host');
    expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toHaveLength(0);

    // Host is the client's to choose: forged ones are answered alike but neither log nor pile up.
    for (let i = 0; i < 20; i++) {
      const forged = await request(app.url).get(`${callback.pathname}${callback.search}`).set('Host', `forged-${i}.example`).set('Accept', 'application/json');
      expect(forged.body).toEqual({ error: 'wrong_host' });
    }
    expect(lines).toHaveLength(1);
  });

  it('warns at creation when the callbackURL path is not the router callback', () => {
    const lines: string[] = [];
    const strategy = new StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: 'https://app.example/login/return' });
    stackExchangeAuth({ strategy, logger: (line) => lines.push(line) });
    expect(lines).toEqual([expect.stringMatching(/callbackURL path \/login\/return is not the router's \/auth\/callback/)]);
  });

  it('without passport.session(): a clear error at the first login', async () => {
    const client = se.clients[0]!;
    const app = express();
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://localhost:${(server.address() as { port: number }).port}`;
    try {
      const strategy = new StackExchangeStrategy({ clientID: client.clientId, clientSecret: client.clientSecret, key: client.key, callbackURL: `${url}/auth/callback`, authorizationURL: se.authorizationURL, tokenURL: se.tokenURL, apiURL: se.apiURL });
      const authenticator = new passport.Passport();
      authenticator.use(strategy);
      app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
      app.use(stackExchangeAuth({ strategy, passport: authenticator, logger: () => undefined }));
      app.use((err: Error & { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ code: err.code, message: err.message });
      });
      const browser = request.agent(url);
      const start = await browser.get('/auth/start');
      const callback = await se.authorize(String(start.headers['location']));
      const res = await browser.get(`${callback.pathname}${callback.search}`);
      expect(res.status).toBe(500);
      const answer = res.body as { code: string; message: string };
      expect(answer.code).toBe('PASSPORT_SESSION_MISSING');
      expect(answer.message).toContain('app.use(passport.session())');
      expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
