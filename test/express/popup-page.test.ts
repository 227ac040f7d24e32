import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { popupPageHTML } from '../../src/express/popup-page.js';
import { createBrowser, login } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';
import { lastApiToken, sessionOf } from '../helpers/session-peek.js';

let se: Sandbox;
let app: RouterApp;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, { router: { scopes: ['read_inbox', 'no_expiry'] } });
});
afterAll(async () => {
  await app.close();
  await se.close();
});
beforeEach(() => se.reset());

/** Runs the page's inline script with a fake opener; returns what it posted and whether it closed. */
function runPage(html: string, withOpener = true) {
  const script = /<script nonce="([^"]+)">([\s\S]*?)<\/script>/.exec(html);
  if (!script) throw new Error('no script in the page');
  const posted: Array<{ message: unknown; targetOrigin: string }> = [];
  let closed = false;
  const window = {
    opener: withOpener ? { postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }) } : null,
    close: () => {
      closed = true;
    },
  };
  vm.runInNewContext(script[2] as string, { window });
  return { nonce: script[1], posted, closed };
}

describe('popup logins', () => {
  it('end on a page that posts the account to the app origin only, never the token, under a strict CSP', async () => {
    const browser = createBrowser();
    const res = await login(browser, se, app.url, { popup: true });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const token = lastApiToken(se);
    expect(res.text).not.toContain(token);
    expect(JSON.stringify(res.headers)).not.toContain(token);

    const { nonce, posted, closed } = runPage(res.text);
    expect(res.headers['content-security-policy']).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const user = se.users[0];
    expect(posted).toEqual([
      {
        targetOrigin: app.url,
        message: { type: 'stackexchange:login', accountId: user?.accountId, displayName: user?.displayName, expirationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown },
      },
    ]);
    expect(closed).toBe(true);
    expect((await sessionOf(browser, app.url)).stackexchange.loggedIn).toBe(true);
  });

  it('a new nonce per page', async () => {
    const first = runPage((await login(createBrowser(), se, app.url, { popup: true })).text).nonce;
    const second = runPage((await login(createBrowser(), se, app.url, { popup: true })).text).nonce;
    expect(first).not.toBe(second);
  });

  it('adds the network users when asked for, and a null expirationDate for no_expiry', async () => {
    const res = await login(createBrowser(), se, app.url, { popup: true, networkUsers: true, scope: 'no_expiry' });
    const message = runPage(res.text).posted[0]?.message as { networkUsers: Array<{ account_id: number }>; expirationDate: unknown };
    expect(message.expirationDate).toBeNull();
    expect(message.networkUsers.length).toBe(se.users[0]?.network.length);
    expect(se.requests.some((r) => r.path === '/2.3/me/associated')).toBe(true);
  });

  it('posts access_denied when the person declines', async () => {
    const res = await login(createBrowser(), se, app.url, { popup: true, approve: false });
    expect(res.status).toBe(403);
    expect(runPage(res.text).posted[0]?.message).toEqual({ type: 'stackexchange:login', errorName: 'access_denied', errorMessage: 'You declined access' });
  });

  it('posts token_error when the token endpoint fails', async () => {
    se.fault('token', '500');
    const res = await login(createBrowser(), se, app.url, { popup: true });
    expect(res.status).toBe(502);
    expect(runPage(res.text).posted[0]?.message).toMatchObject({ errorName: 'token_error' });
  });

  it('posts bad_request when the start asks for a scope that is not allowed', async () => {
    const res = await createBrowser().get(`${app.url}/auth/start?popup=1&scope=write_access`);
    expect(res.status).toBe(400);
    expect(runPage(res.text).posted[0]?.message).toMatchObject({ errorName: 'bad_request' });
  });

  it('without an opener the page only says it can be closed', () => {
    const { posted, closed } = runPage(popupPageHTML({ type: 'stackexchange:login', errorName: 'access_denied', errorMessage: 'x' }, 'https://app.example', 'n0nce'), false);
    expect(posted).toEqual([]);
    expect(closed).toBe(false);
  });

  it('escapes the message so that it cannot end the script', () => {
    const html = popupPageHTML({ type: 'stackexchange:login', accountId: 1, displayName: '</script><script>alert(1)</script>&\u2028', expirationDate: null }, 'https://app.example', 'n');
    expect(html).not.toContain('</script><script>');
    const { posted } = runPage(html);
    expect((posted[0]?.message as { displayName: string }).displayName).toBe('</script><script>alert(1)</script>&\u2028');
  });
});
