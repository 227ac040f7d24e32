import net from 'node:net';
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

  it('a login started on another host than callbackURL\'s: one line at the start naming both hosts (the cookie will not come back), once', async () => {
    const { app, lines } = await watchedApp();
    const port = new URL(app.url).port;
    const res = await createBrowser().get(`http://127.0.0.1:${port}/auth/start`);
    // The start itself goes on: behind a proxy that rewrites Host it is not wrong.
    expect(res.status).toBe(302);
    expect(lines).toEqual([expect.stringContaining(`a login started on host 127.0.0.1 but the strategy's callbackURL is on localhost`)]);
    // Host is the client's to choose: forged ones neither log again nor pile up.
    for (let i = 0; i < 20; i++) await request(app.url).get('/auth/start').set('Host', `forged-${i}.example`);
    expect(lines).toHaveLength(1);
  });

  it('a start on callbackURL\'s host, or with no Host header at all (HTTP/1.0), writes nothing', async () => {
    const { app, lines } = await watchedApp();
    expect((await createBrowser().get(`${app.url}/auth/start`)).status).toBe(302);
    // Node requires Host of HTTP/1.1 requests only.
    const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
    socket.end('GET /auth/start HTTP/1.0\r\n\r\n');
    let answer = '';
    for await (const chunk of socket) answer += String(chunk);
    expect(answer).toMatch(/^HTTP\/1\.1 302 /);
    expect(lines).toEqual([]);
  });

  it('a callback whose Host differs from callbackURL\'s (a proxy rewriting Host) is answered for what it is: invalid_state, no host diagnosis', async () => {
    const { app, lines, failures } = await watchedApp();
    const browser = createBrowser();
    const callback = await consent(se, await startLogin(browser, app.url));
    const res = await request(app.url).get(`${callback.pathname}${callback.search}`).set('Host', 'upstream-app:3000').set('Accept', 'application/json');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'invalid_state' });
    expect(failures.map((f) => f.code)).toEqual(['invalid_state']);
    expect(lines).toEqual([]);
    expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toHaveLength(0);
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
