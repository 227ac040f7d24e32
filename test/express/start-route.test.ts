import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { completeLogin, consent, createBrowser, startLogin } from '../helpers/login-flow.js';
import { FailingStore } from '../helpers/failing-session-store.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { sessionOf, tokenRequests } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;
let store: FailingStore;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  store = new FailingStore();
  app = await startRouterApp(se, { store, router: { scopes: ['read_inbox', 'no_expiry'] } });
});
afterAll(async () => {
  await app.close();
  await se.close();
});
beforeEach(() => {
  se.reset();
  store.failing = false;
});

describe('GET /auth/start', () => {
  it('redirects 302 to Stack Exchange with PKCE and an opaque state, not cacheable', async () => {
    const browser = createBrowser();
    const res = await browser.get(`${app.url}/auth/start?returnTo=%2Fquestions`);
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    const location = new URL(String(res.headers['location']));
    expect(`${location.origin}${location.pathname}`).toBe(se.authorizationURL);
    expect(location.searchParams.get('redirect_uri')).toBe(`${app.url}/auth/callback`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.href).not.toContain('questions');
  });

  it('takes redirect_uri from configuration, never from Host or X-Forwarded-Host', async () => {
    const res = await createBrowser().get(`${app.url}/auth/start`).set('X-Forwarded-Host', 'evil.example').set('Host', 'evil.example');
    expect(new URL(String(res.headers['location'])).searchParams.get('redirect_uri')).toBe(`${app.url}/auth/callback`);
  });

  it.each(['//evil.example', '/\\evil.example', 'https://evil.example', '/%2F%2Fevil.example', '/%252F/evil.example', '/%0d%0aSet-Cookie:x'])(
    'ignores the unsafe returnTo %s: the login ends on successRedirect',
    async (returnTo) => {
      const browser = createBrowser();
      const authorizeURL = await startLogin(browser, app.url, { returnTo });
      const res = await completeLogin(browser, await consent(se, authorizeURL));
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/');
    },
  );

  it('ignores a repeated returnTo', async () => {
    const browser = createBrowser();
    const start = await browser.get(`${app.url}/auth/start?returnTo=/a&returnTo=/b`);
    const res = await completeLogin(browser, await consent(se, new URL(String(start.headers['location']))));
    expect(res.headers['location']).toBe('/');
  });

  it('adds the allowed scopes of ?scope= to the strategy\'s, and the token carries them', async () => {
    const browser = createBrowser();
    const authorizeURL = await startLogin(browser, app.url, { scope: 'read_inbox,no_expiry' });
    expect(authorizeURL.searchParams.get('scope')).toBe('read_inbox no_expiry');
    await completeLogin(browser, await consent(se, authorizeURL));
    const info = (await sessionOf(browser, app.url)).stackexchange;
    expect(info).toMatchObject({ loggedIn: true, expiresAt: null });
    expect([...info.scope].sort()).toEqual(['no_expiry', 'read_inbox']);
  });

  it.each([
    ['a scope outside the allowlist', 'write_access'],
    ['an unknown scope', 'admin'],
  ])('refuses %s with bad_request, without going to Stack Exchange', async (_name, scope) => {
    const res = await createBrowser().get(`${app.url}/auth/start?scope=${scope}`);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/?error=bad_request');
    const json = await createBrowser().get(`${app.url}/auth/start?scope=${scope}`).set('Accept', 'application/json');
    expect(json.status).toBe(400);
    expect(json.body).toEqual({ error: 'bad_request' });
  });

  it.each(['?state[a]=x', '?code[]=a', '?error[x]=1', '?scope=read_inbox&scope=no_expiry', '?scope[]=read_inbox', '?scope[0]=read_inbox'])(
    'refuses the repeated or structured parameter %s with bad_request, never a redirect to Stack Exchange',
    async (query) => {
      const json = await createBrowser().get(`${app.url}/auth/start${query}`).set('Accept', 'application/json');
      expect(json.status).toBe(400);
      expect(json.body).toEqual({ error: 'bad_request' });
      const html = await createBrowser().get(`${app.url}/auth/start${query}`);
      expect(html.status).toBe(303);
      expect(html.headers['location']).toBe('/?error=bad_request');
    },
  );

  it('keeps at most 10 pending logins per session: the oldest is dropped, the others complete', async () => {
    const browser = createBrowser();
    const tabs: URL[] = [];
    for (let i = 0; i < 11; i++) tabs.push(await startLogin(browser, app.url, { returnTo: `/tab/${i}` }));
    const callbacks = await Promise.all(tabs.map((tab) => consent(se, tab)));
    const oldest = await completeLogin(browser, callbacks[0] as URL);
    expect(oldest.headers['location']).toBe('/?error=invalid_state');
    expect(tokenRequests(se)).toHaveLength(0);
    expect((await completeLogin(browser, callbacks[1] as URL)).headers['location']).toBe('/tab/1');
    expect((await completeLogin(browser, callbacks[10] as URL)).headers['location']).toBe('/tab/10');
    expect(tokenRequests(se)).toHaveLength(2);
  });

  it('never lets the PKCE verifier out: not in the redirect, a cookie or a page, only in the token request', async () => {
    const browser = createBrowser();
    const start = await browser.get(`${app.url}/auth/start?returnTo=%2Fq`);
    const done = await completeLogin(browser, await consent(se, new URL(String(start.headers['location']))));
    expect(done.status).toBe(303);
    const [sent] = tokenRequests(se);
    const verifier = sent?.form?.['code_verifier'];
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const res of [start, done]) expect(JSON.stringify([res.headers, res.text])).not.toContain(verifier);
    const elsewhere = se.requests.filter((r) => r !== sent);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(JSON.stringify(elsewhere)).not.toContain(verifier);
  });

  it('refuses OAuth callback parameters on the start', async () => {
    const res = await createBrowser().get(`${app.url}/auth/start?code=abc&state=xyz`).set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request' });
  });

  it('answers 503 and does not redirect when the session store fails', async () => {
    store.failing = true;
    const res = await createBrowser().get(`${app.url}/auth/start?returnTo=/x`);
    expect(res.status).toBe(503);
    expect(res.headers['location']).toBeUndefined();
    const json = await createBrowser().get(`${app.url}/auth/start`).set('Accept', 'application/json');
    expect(json.status).toBe(503);
    expect(json.body).toEqual({ error: 'temporarily_unavailable' });
    expect(se.requests).toHaveLength(0);
  });
});
