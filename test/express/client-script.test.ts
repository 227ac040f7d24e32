import vm from 'node:vm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { clientScript } from '../../src/express/client-script.js';
import { LOGIN_FAILURE_MESSAGE } from '../../src/express/login-failure.js';
import { launchChromium } from '../helpers/chromium.js';
import { createBrowser } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

type Listener = (event: { origin: string; source: unknown; data: unknown }) => void;

interface LoginApi {
  authenticate(options?: { scope?: string[] | string; networkUsers?: boolean }): Promise<unknown>;
}

/**
 * Runs client.js in a fake window whose `open` returns a fake popup (or null when blocked). The popup's
 * `href` is its location as the opener reads it: a string, or `null` for another origin (reading throws).
 */
function loadScript(options: { blocked?: boolean } = {}) {
  const listeners = new Set<Listener>();
  const opened: string[] = [];
  const popup = {
    closed: false,
    focused: 0,
    href: null as string | null,
    focus() {
      this.focused += 1;
    },
    close() {
      this.closed = true;
    },
    get location() {
      const href = this.href;
      return {
        get href() {
          if (href === null) throw new Error('SecurityError: Blocked a frame from accessing a cross-origin frame.');
          return href;
        },
      };
    },
  };
  const window = {
    location: { origin: 'https://app.example' },
    screenX: 0,
    screenY: 0,
    outerWidth: 1200,
    outerHeight: 900,
    open(url: string) {
      opened.push(url);
      return options.blocked ? null : popup;
    },
    addEventListener(_type: string, fn: Listener) {
      listeners.add(fn);
    },
    removeEventListener(_type: string, fn: Listener) {
      listeners.delete(fn);
    },
  } as Record<string, unknown>;
  vm.runInNewContext(clientScript('/auth'), { window, URL, URLSearchParams, setInterval, clearInterval, setTimeout, Promise, Date, Math, Array, Object, String });
  const api = window['StackExchangeLogin'] as LoginApi;
  const post = (event: { origin: string; source: unknown; data: unknown }) => [...listeners].forEach((fn) => fn(event));
  return { api, popup, opened, listeners, post };
}

describe('client.js', () => {
  it('opens the start route in a popup with popup=1, the scope and networkUsers', () => {
    const { api, opened } = loadScript();
    void api.authenticate({ scope: ['read_inbox', 'no_expiry'], networkUsers: true });
    expect(opened).toEqual(['/auth/start?popup=1&scope=read_inbox%2Cno_expiry&networkUsers=1']);
  });

  it('resolves with the login posted by the popup from the page origin, ignoring other messages', async () => {
    const { api, popup, post, listeners } = loadScript();
    const result = api.authenticate();
    const data = { type: 'stackexchange:login', accountId: 7, displayName: 'Ada', expirationDate: '2030-01-01T00:00:00.000Z', networkUsers: [{ site_name: 'Math' }] };
    post({ origin: 'https://evil.example', source: popup, data: { ...data, accountId: 666 } });
    post({ origin: 'https://app.example', source: {}, data: { ...data, accountId: 667 } });
    post({ origin: 'https://app.example', source: popup, data: { type: 'other', accountId: 668 } });
    post({ origin: 'https://app.example', source: popup, data });
    const value = (await result) as { accountId: number; expirationDate: Date; networkUsers: unknown[] };
    expect(value.accountId).toBe(7);
    expect(value.expirationDate.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(value.networkUsers).toEqual([{ site_name: 'Math' }]);
    expect(listeners.size).toBe(0);
  });

  it('gives a null expirationDate for no_expiry tokens', async () => {
    const { api, popup, post } = loadScript();
    const result = api.authenticate();
    post({ origin: 'https://app.example', source: popup, data: { type: 'stackexchange:login', accountId: 7, displayName: 'Ada', expirationDate: null } });
    expect(await result).toEqual({ accountId: 7, displayName: 'Ada', expirationDate: null });
  });

  it('rejects with { errorName, errorMessage } when the login failed', async () => {
    const { api, popup, post } = loadScript();
    const result = api.authenticate();
    post({ origin: 'https://app.example', source: popup, data: { type: 'stackexchange:login', errorName: 'access_denied', errorMessage: 'You declined access' } });
    await expect(result).rejects.toEqual({ errorName: 'access_denied', errorMessage: 'You declined access' });
  });

  it('rejects with popup_blocked when the popup cannot open', async () => {
    const { api } = loadScript({ blocked: true });
    await expect(api.authenticate()).rejects.toMatchObject({ errorName: 'popup_blocked' });
  });

  it('rejects with popup_closed when the popup is closed first', async () => {
    const { api, popup } = loadScript();
    const result = api.authenticate();
    popup.closed = true;
    await expect(result).rejects.toMatchObject({ errorName: 'popup_closed' });
  });

  it('rejects with the code of a popup redirected to failureRedirect?error=<code> on the page origin, and closes it', async () => {
    const { api, popup, listeners } = loadScript();
    const result = api.authenticate();
    popup.href = 'https://app.example/login?next=%2F&error=invalid_state';
    await expect(result).rejects.toEqual({ errorName: 'invalid_state', errorMessage: LOGIN_FAILURE_MESSAGE.invalid_state });
    expect(popup.closed).toBe(true);
    expect(listeners.size).toBe(0);
  });

  it('takes only the router\'s codes from the URL: any other error value rejects as server_error', async () => {
    const { api, popup } = loadScript();
    const result = api.authenticate();
    popup.href = 'https://app.example/?error=%3Cb%3Eyour%20account%20is%20locked%3C%2Fb%3E';
    await expect(result).rejects.toEqual({ errorName: 'server_error', errorMessage: 'The login failed on the server' });
    expect(popup.closed).toBe(true);
  });

  it('ignores unreadable (cross-origin) locations, other origins, the callback and pages without error', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const { api, popup, post } = loadScript();
    const result = api.authenticate();
    let settled = false;
    result.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (const href of [
      null,
      'about:blank',
      'https://app.example/auth/start?popup=1',
      'https://evil.example/?error=invalid_state',
      'https://app.example:8443/?error=invalid_state',
      'https://app.example/auth/callback?error=access_denied&error_description=nope&state=x',
      'https://app.example/auth/callback/?error=access_denied&state=x',
      'https://app.example/auth/callback?code=abc&state=x',
      'https://app.example/welcome?errors=1#error=invalid_state',
    ]) {
      popup.href = href;
      await vi.advanceTimersByTimeAsync(300);
      expect(settled, String(href)).toBe(false);
      expect(popup.closed).toBe(false);
    }
    // Still waiting for the popup's message.
    post({ origin: 'https://app.example', source: popup, data: { type: 'stackexchange:login', accountId: 7, displayName: 'Ada', expirationDate: null } });
    expect(await result).toEqual({ accountId: 7, displayName: 'Ada', expirationDate: null });
  });

  it('a second call while the popup is open focuses it and shares the promise', () => {
    const { api, popup, opened } = loadScript();
    const first = api.authenticate();
    const second = api.authenticate();
    expect(second).toBe(first);
    expect(popup.focused).toBe(1);
    expect(opened).toHaveLength(1);
  });
});

describe('GET /auth/client.js', () => {
  let se: Sandbox;
  let app: RouterApp;
  beforeAll(async () => {
    se = await createSandbox({ port: 0 });
    app = await startRouterApp(se, { router: { basePath: '/login/se' } });
  });
  afterAll(async () => {
    await app.close();
    await se.close();
  });

  it('is served as JavaScript, revalidated by ETag, same-origin, without CORS headers', async () => {
    const browser = createBrowser();
    const res = await browser.get(`${app.url}/login/se/client.js`).set('Origin', 'https://evil.example');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.text).toContain('"/login/se/start"');
    const etag = String(res.headers['etag']);
    const again = await browser.get(`${app.url}/login/se/client.js`).set('If-None-Match', etag);
    expect(again.status).toBe(304);
  });
});

describe('client.js in Chromium', () => {
  let se: Sandbox;
  let app: RouterApp;
  let browser: Browser;
  // A page of the app that loads client.js; its button starts a popup login and keeps the outcome.
  const PAGE = `<!doctype html><html><head><script src="/auth/client.js"></script></head><body>
<button id="login">Log in</button>
<script>
document.getElementById('login').addEventListener('click', function () {
  window.outcome = window.StackExchangeLogin.authenticate({ networkUsers: true }).then(
    function (login) { return { resolved: { accountId: login.accountId, displayName: login.displayName } }; },
    function (error) { return { rejected: error }; }
  );
});
</script></body></html>`;

  beforeAll(async () => {
    let launched: Browser | undefined;
    [launched, se] = await Promise.all([launchChromium(), createSandbox({ port: 0 })]);
    browser = launched;
    app = await startRouterApp(se, { routes: (a) => a.get('/page', (_req, res) => void res.type('html').send(PAGE)) });
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await se?.close();
  });

  /** Opens the page, clicks the button, approves in the popup; `beforeApprove` runs on the consent page. */
  async function popupLogin(beforeApprove?: (popup: Page) => Promise<void>): Promise<{ page: Page; popup: Page; outcome: unknown }> {
    const context = await browser.newContext();
    await context.route((url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1', (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${app.url}/page`);
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login')]);
    await popup.waitForURL((url) => url.href.startsWith(se.authorizationURL));
    await beforeApprove?.(popup);
    const accountId = se.users[0]?.accountId;
    await popup.check(`input[name="account_id"][value="${accountId}"]`);
    await popup.click('button:has-text("Approve")');
    // No hand closes the popup: the outcome must come by itself, well before the test's timeout.
    const outcome = await page.evaluate(() => Promise.race([(window as unknown as { outcome: Promise<unknown> }).outcome, new Promise((resolve) => setTimeout(() => resolve('still pending'), 4_000))]));
    return { page, popup, outcome };
  }

  it('a popup login whose pending login is gone rejects with invalid_state and closes the popup', async () => {
    // The session (and its pending login) is dropped while the person is on the consent page: the
    // callback answers the popup with the redirect to failureRedirect?error=invalid_state.
    const { page, popup, outcome } = await popupLogin((p) => p.context().clearCookies());
    expect(outcome).toEqual({ rejected: { errorName: 'invalid_state', errorMessage: LOGIN_FAILURE_MESSAGE.invalid_state } });
    await (popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close'));
    await page.context().close();
  });

  it('a popup login that succeeds still resolves with the login', async () => {
    const { page, popup, outcome } = await popupLogin();
    expect(outcome).toEqual({ resolved: { accountId: se.users[0]?.accountId, displayName: se.users[0]?.displayName } });
    await (popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close'));
    await page.context().close();
  });
});
