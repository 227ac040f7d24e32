import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { clientScript } from '../../src/express/client-script.js';
import { createBrowser } from '../helpers/login-flow.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

type Listener = (event: { origin: string; source: unknown; data: unknown }) => void;

interface LoginApi {
  authenticate(options?: { scope?: string[] | string; networkUsers?: boolean }): Promise<unknown>;
}

/** Runs client.js in a fake window whose `open` returns a fake popup (or null when blocked). */
function loadScript(options: { blocked?: boolean } = {}) {
  const listeners = new Set<Listener>();
  const opened: string[] = [];
  const popup = { closed: false, focused: 0, focus() { this.focused += 1; } };
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
  vm.runInNewContext(clientScript('/auth'), { window, URLSearchParams, setInterval, clearInterval, setTimeout, Promise, Date, Math, Array, Object, String });
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
