import session from 'express-session';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { completeLogin, consent, createBrowser, login, startLogin } from '../helpers/login-flow.js';
import { FailingStore } from '../helpers/failing-session-store.js';
import { skipUnchangedResave } from '../../src/express/callback-route.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { lastApiToken, sessionOf, tokenRequests } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;
let custom: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se);
  custom = await startRouterApp(se, {
    router: { successRedirect: '/welcome', failureRedirect: '/login-failed?from=se', allowedReturnTo: ['/app'] },
  });
});
afterAll(async () => {
  await custom.close();
  await app.close();
  await se.close();
});
beforeEach(() => se.reset());

function cookieOf(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = res.headers['set-cookie'] as string[] | undefined;
  return cookies?.find((c) => c.startsWith('connect.sid='))?.split(';')[0];
}

describe('GET /auth/callback: success', () => {
  it('writes the session once per callback: the logged-in session (which also takes the pending login out)', async () => {
    const store = app.store;
    if (!(store instanceof FailingStore)) throw new Error('the router app has no FailingStore');
    const browser = createBrowser();
    const authorizeURL = await startLogin(browser, app.url);
    const callbackURL = await consent(se, authorizeURL);
    const before = store.writes.length;
    expect((await completeLogin(browser, callbackURL)).status).toBe(303);
    const writes = store.writes.slice(before);
    // Before: a save of the consumed pending login, and express-session's identical second save of the regenerated session.
    expect(writes).toHaveLength(1);
    const loggedIn = JSON.parse(writes[0]?.session ?? '{}') as Record<string, unknown>;
    expect(loggedIn).toMatchObject({ passport: { user: { accountId: se.users[0]?.accountId } }, stackexchange: { scope: [] } });
    expect(loggedIn).not.toHaveProperty('stackexchangePending');
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(true);
  });


  it('writes the session once per callback also when the session cookie has a maxAge (express-session touches it before its own save)', async () => {
    const store = new FailingStore();
    // A write that takes a few milliseconds, as over a network: the end-of-request touch then moves the expiry.
    store.writeDelayMs = 5;
    const lasting = await startRouterApp(se, { store, cookieMaxAge: 7 * 24 * 3600 * 1000 });
    try {
      const browser = createBrowser();
      const callbackURL = await consent(se, await startLogin(browser, lasting.url));
      const before = store.writes.length;
      expect((await completeLogin(browser, callbackURL)).status).toBe(303);
      const writes = store.writes.slice(before);
      expect(writes).toHaveLength(1);
      expect(JSON.parse(writes[0]?.session ?? '{}')).toMatchObject({ cookie: { originalMaxAge: expect.any(Number) as number }, passport: { user: { accountId: se.users[0]?.accountId } } });
    } finally {
      await lasting.close();
    }
  });

  it('logs in, rotates the session id, keeps the token server-side and redirects 303 to returnTo', async () => {
    const browser = createBrowser();
    const authorizeURL = await startLogin(browser, app.url, { returnTo: '/questions?tab=new' });
    const before = await sessionOf(browser, app.url);
    expect(before.sessionID).not.toBeNull();
    expect(before.stackexchange.loggedIn).toBe(false);

    const res = await completeLogin(browser, await consent(se, authorizeURL));
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/questions?tab=new');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const token = lastApiToken(se);
    expect(res.headers['location']).not.toContain(token);
    expect(JSON.stringify(res.headers)).not.toContain(token);
    expect(res.text).not.toContain(token);

    const after = await sessionOf(browser, app.url);
    expect(after.sessionID).not.toBe(before.sessionID);
    expect(after.user?.accountId).toBe(se.users[0]?.accountId);
    expect(after.stackexchange).toMatchObject({ loggedIn: true, scope: [] });
    expect(after.stackexchange.expiresAt).toBeGreaterThan(Date.now());
    expect(JSON.stringify(after)).not.toContain(token);

    const me = await browser.get(`${app.url}/api/me`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ accountId: se.users[0]?.accountId, displayName: se.users[0]?.displayName });
    expect(se.requests.at(-1)?.query['access_token']).toBe(token);
  });

  it('redirects to successRedirect without a returnTo, and ignores a returnTo outside allowedReturnTo', async () => {
    for (const returnTo of [undefined, '//evil.example', '/admin', 'https://evil.example/app']) {
      const browser = createBrowser();
      const res = await login(browser, se, custom.url, returnTo === undefined ? {} : { returnTo });
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/welcome');
    }
    const res = await login(createBrowser(), se, custom.url, { returnTo: '/app/inbox' });
    expect(res.headers['location']).toBe('/app/inbox');
  });

  it('lets two tabs of one browser log in at once: the pending logins survive the session rotation', async () => {
    const browser = createBrowser();
    const tab1 = await startLogin(browser, app.url, { returnTo: '/one' });
    const tab2 = await startLogin(browser, app.url, { returnTo: '/two' });
    const first = await completeLogin(browser, await consent(se, tab1));
    expect(first.headers['location']).toBe('/one');
    const idAfterFirst = (await sessionOf(browser, app.url)).sessionID;
    const second = await completeLogin(browser, await consent(se, tab2));
    expect(second.status).toBe(303);
    expect(second.headers['location']).toBe('/two');
    const final = await sessionOf(browser, app.url);
    expect(final.sessionID).not.toBe(idAfterFirst);
    expect(final.stackexchange.loggedIn).toBe(true);
    expect(tokenRequests(se)).toHaveLength(2);
  });

  it('does not put the login in the session cookie', async () => {
    const browser = createBrowser();
    const res = await login(browser, se, app.url);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^connect\.sid=s%3A[^.]+\./);
    expect(cookie).not.toContain(lastApiToken(se));
  });
});

describe('GET /auth/callback: failures', () => {
  it('a refusal redirects to failureRedirect?error=access_denied, with no token request', async () => {
    const res = await login(createBrowser(), se, custom.url, { approve: false });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/login-failed?from=se&error=access_denied');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(tokenRequests(se)).toHaveLength(0);
  });

  it('answers JSON for Accept: application/json', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url), { approve: false });
    const res = await browser.get(callbackURL.href).set('Accept', 'application/json');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'access_denied' });
  });

  it('an unknown or missing state is invalid_state, with no token request', async () => {
    const browser = createBrowser();
    await startLogin(browser, app.url);
    const unknown = await browser.get(`${app.url}/auth/callback?code=abc&state=forged`);
    expect(unknown.status).toBe(303);
    expect(unknown.headers['location']).toBe('/?error=invalid_state');
    const missing = await browser.get(`${app.url}/auth/callback?code=abc`).set('Accept', 'application/json');
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ error: 'invalid_state' });
    expect(tokenRequests(se)).toHaveLength(0);
  });

  it('a forged state leaves the real pending login alone: it still completes afterwards', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url, { returnTo: '/real' }));
    const forged = new URL(callbackURL);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect((await completeLogin(browser, forged)).headers['location']).toBe('/?error=invalid_state');
    expect(tokenRequests(se)).toHaveLength(0);
    const res = await completeLogin(browser, callbackURL);
    expect(res.headers['location']).toBe('/real');
    expect(tokenRequests(se)).toHaveLength(1);
  });

  it('sends the configured redirect_uri in the token request, whatever Host or X-Forwarded-Host say', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    const res = await browser.get(callbackURL.href).set('Host', 'evil.example').set('X-Forwarded-Host', 'evil.example');
    expect(res.status).toBe(303);
    expect(tokenRequests(se).map((r) => r.form?.['redirect_uri'])).toEqual([`${app.url}/auth/callback`]);
  });

  it('sends the client secret only in the token request body', async () => {
    await login(createBrowser(), se, app.url);
    const [sent] = tokenRequests(se);
    expect(sent?.form?.['client_secret']).toBe(se.clients[0]?.clientSecret);
    expect(sent?.query).toEqual({});
    expect(sent?.headers['authorization']).toBeUndefined();
    const secret = se.clients[0]?.clientSecret as string;
    expect(JSON.stringify(se.requests.filter((r) => r !== sent))).not.toContain(secret);
  });

  it('answers 503 without a redirect when the session store fails at the callback, and the browser stays logged out', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    const store = app.store;
    if (!(store instanceof FailingStore)) throw new Error('startRouterApp should default to a FailingStore');
    store.failing = true;
    try {
      const res = await completeLogin(browser, callbackURL);
      expect(res.status).toBe(503);
      expect(res.headers['location']).toBeUndefined();
    } finally {
      store.failing = false;
    }
    // The code was exchanged once (the store is first written at the login); the session never got the login.
    expect(tokenRequests(se)).toHaveLength(1);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(false);
  });

  it('leaves the browser logged out when the login\'s own save fails but the store is back for the end of the request', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    const store = app.store;
    if (!(store instanceof FailingStore)) throw new Error('startRouterApp should default to a FailingStore');
    const before = store.writes.length;
    store.failNextWrites = 1;
    const res = await completeLogin(browser, callbackURL);
    expect(res.status).toBe(503);
    const view = await sessionOf(browser, app.url);
    expect(view.stackexchange.loggedIn).toBe(false);
    expect(view.user).toBeNull();
    const kept = store.writes.slice(before).filter((write) => write.kept);
    expect(kept.length).toBeGreaterThan(0);
    for (const write of kept) {
      expect(JSON.parse(write.session)).not.toHaveProperty('stackexchange');
      expect(JSON.parse(write.session)).not.toHaveProperty('passport.user');
    }
  });

  it('keeps the token out of the session when the app\'s serializeUser fails: the browser stays logged out', async () => {
    const store = new FailingStore();
    const refusing = await startRouterApp(se, { store, serializeUser: (_user, done) => done(new Error('serializeUser refused')) });
    try {
      const browser = createBrowser();
      const callbackURL = await consent(se, await startLogin(browser, refusing.url));
      const before = store.writes.length;
      const res = await completeLogin(browser, callbackURL);
      expect(res.status).toBe(500);
      expect((await sessionOf(browser, refusing.url)).stackexchange.loggedIn).toBe(false);
      expect((await browser.get(`${refusing.url}/api/me`).set('accept', 'application/json')).status).toBe(401);
      for (const write of store.writes.slice(before)) expect(JSON.parse(write.session)).not.toHaveProperty('stackexchange');
    } finally {
      await refusing.close();
    }
  });

  it('two simultaneous callbacks of one state on one instance: one logs in, the other is invalid_state, one token request (20 trials)', async () => {
    for (let trial = 0; trial < 20; trial++) {
      se.reset();
      const browser = createBrowser();
      const callbackURL = await consent(se, await startLogin(browser, app.url));
      const answers = await Promise.all([completeLogin(browser, callbackURL), completeLogin(browser, callbackURL)]);
      expect(answers.map((res) => res.headers['location']).sort()).toEqual(['/', '/?error=invalid_state']);
      expect(tokenRequests(se)).toHaveLength(1);
    }
  });

  it('a callback replayed after the browser left the first one mid-exchange is invalid_state: no second token request', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    se.fault('token', 'hang');
    try {
      // The browser gives up (a reload, a closed tab) while the code is being exchanged.
      await expect(browser.get(callbackURL.href).timeout(500)).rejects.toThrow(/timeout/i);
      expect(tokenRequests(se)).toHaveLength(1);
    } finally {
      se.fault('token', null);
    }
    const replay = await completeLogin(browser, callbackURL);
    expect(replay.headers['location']).toBe('/?error=invalid_state');
    expect(tokenRequests(se)).toHaveLength(1);
  });

  it('a replayed callback is invalid_state and makes no second token request', async () => {
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    expect((await completeLogin(browser, callbackURL)).status).toBe(303);
    const replay = await completeLogin(browser, callbackURL);
    expect(replay.status).toBe(303);
    expect(replay.headers['location']).toBe('/?error=invalid_state');
    expect(tokenRequests(se)).toHaveLength(1);
  });

  it.each([
    ['repeated code', '?code=a&code=b&state=s'],
    ['state[]', '?code=a&state[]=s'],
    ['state[a]', '?code=a&state[a]=s'],
    ['error and code', '?error=access_denied&code=a&state=s'],
    ['no parameters at all', ''],
  ])('bad input (%s) is bad_request, never a 5xx', async (_name, query) => {
    const browser = createBrowser();
    await startLogin(browser, app.url);
    const res = await browser.get(`${app.url}/auth/callback${query}`).set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request' });
    const html = await browser.get(`${app.url}/auth/callback${query}`);
    expect(html.status).toBe(303);
    expect(html.headers['location']).toBe('/?error=bad_request');
    expect(tokenRequests(se)).toHaveLength(0);
  });

  it.each(['500', 'html', 'no-token'] as const)('a token endpoint fault (%s) is token_error (502 in JSON), without the provider text', async (fault) => {
    se.fault('token', fault);
    const browser = createBrowser();
    const callbackURL = await consent(se, await startLogin(browser, app.url));
    const res = await browser.get(callbackURL.href).set('Accept', 'application/json');
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'token_error' });
    expect(tokenRequests(se)).toHaveLength(1);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(false);
  });

  it('a token endpoint fault redirects to failureRedirect?error=token_error', async () => {
    se.fault('token', '500');
    const res = await login(createBrowser(), se, app.url);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/?error=token_error');
  });

  it('another authorization error never reflects the provider text', async () => {
    const browser = createBrowser();
    const authorizeURL = await startLogin(browser, app.url);
    const state = authorizeURL.searchParams.get('state') as string;
    const res = await browser.get(`${app.url}/auth/callback?error=%3Cscript%3E&error_description=%3Cb%3Ehi&state=${state}`);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/?error=token_error');
    expect(res.text).not.toContain('<b>');
  });
});

describe('skipUnchangedResave', () => {
  // express-session's Cookie class (its types declare no constructor arguments).
  const Cookie = session.Cookie as unknown as new (options: session.CookieOptions) => session.Cookie;
  const cookieOf86400 = (): session.Cookie => new Cookie({ maxAge: 86_400_000 });

  function fakeSession(cookie?: session.Cookie): { writes: number; user?: string; cookie?: session.Cookie; save: (done: (err?: unknown) => void) => void } {
    const fake = {
      writes: 0,
      ...(cookie === undefined ? {} : { cookie }),
      save(done: (err?: unknown) => void): void {
        fake.writes++;
        setImmediate(done);
      },
    };
    return fake;
  }

  it('skips the next save while the session is unchanged, calling back only after save() returned', async () => {
    const fake = fakeSession();
    skipUnchangedResave(fake);
    let calledBack = false;
    const saved = new Promise<void>((resolve) =>
      fake.save(() => {
        calledBack = true;
        resolve();
      }),
    );
    expect(calledBack).toBe(false);
    await saved;
    expect(fake.writes).toBe(0);
    // One save only: later saves write again.
    await new Promise<void>((resolve) => fake.save(() => resolve()));
    expect(fake.writes).toBe(1);
  });

  it('treats a touch of the cookie (its expiry moved by the time since) as no change, but writes a new maxAge', async () => {
    const touched = fakeSession(cookieOf86400());
    skipUnchangedResave(touched);
    await new Promise((resolve) => setTimeout(resolve, 15));
    // What express-session's touch() does at the end of the request.
    if (touched.cookie) touched.cookie.maxAge = touched.cookie.originalMaxAge ?? undefined;
    await new Promise<void>((resolve) => touched.save(() => resolve()));
    expect(touched.writes).toBe(0);

    const extended = fakeSession(cookieOf86400());
    skipUnchangedResave(extended);
    if (extended.cookie) extended.cookie.maxAge = 30 * 86_400_000;
    await new Promise<void>((resolve) => extended.save(() => resolve()));
    expect(extended.writes).toBe(1);
  });

  it('writes a session changed since', async () => {
    const fake = fakeSession();
    skipUnchangedResave(fake);
    fake.user = 'changed';
    await new Promise<void>((resolve) => fake.save(() => resolve()));
    expect(fake.writes).toBe(1);
  });
});
