import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isStackExchangeError } from '../../src/errors/stackexchange-error.js';
import { isTokenError } from '../../src/errors/token-error.js';
import { desktopLogin } from '../../src/relay/desktop-login.js';
import type { LoopbackDesktopLoginOptions } from '../../src/relay/desktop-login.js';
import { PAGE_MESSAGES } from '../../src/relay/redirect-page.js';
import { launchChromium } from '../helpers/chromium.js';

let se: Sandbox;
let chromium: Browser;
let context: BrowserContext;
const pages: Page[] = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  chromium = await launchChromium();
  context = await chromium.newContext();
});

afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
  se.reset();
});

afterAll(async () => {
  await context?.close();
  await chromium?.close();
  await se?.close();
});

/** What the person does in Chromium once the app opened the authorize URL. */
type Person = 'approve' | 'reject' | 'nothing';

/**
 * An `openBrowser` that opens the URL in a new Chromium tab and, in the background (as a person
 * would, after the app moved on to waiting), clicks Approve or Reject on the sandbox's consent page.
 * `opened` gives the URL and the tab; `finished` settles once the tab loaded the loopback's answer.
 */
function chromiumPerson(person: Person) {
  let openedResolve: (value: { url: URL; page: Page }) => void = () => undefined;
  const opened = new Promise<{ url: URL; page: Page }>((resolve) => {
    openedResolve = resolve;
  });
  let finished: Promise<void> = Promise.resolve();
  const openBrowser = async (url: string): Promise<void> => {
    const page = await context.newPage();
    pages.push(page);
    await page.goto(url);
    openedResolve({ url: new URL(url), page });
    if (person === 'nothing') return;
    finished = (async () => {
      await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+\/callback\?/), page.click(`button[value="${person}"]`)]);
      await page.waitForLoadState('load');
    })();
  };
  return { openBrowser, opened, finished: () => finished };
}

function options(overrides: Partial<LoopbackDesktopLoginOptions> = {}): LoopbackDesktopLoginOptions {
  return {
    redirect: 'loopback',
    clientID: se.clients[1]!.clientId,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    ...overrides,
  };
}

/** The listener's port, from the redirect_uri of the authorize URL. */
function portOf(authorize: URL): number {
  return Number(new URL(authorize.searchParams.get('redirect_uri')!).port);
}

/** A raw request to the loopback listener, with any Host and method (fetch would not send a forged Host). */
function raw(port: number, path: string, init: { method?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host: init.host ?? `localhost:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** True when nothing accepts connections on 127.0.0.1:port any more. */
async function refused(port: number): Promise<boolean> {
  return raw(port, '/callback').then(
    () => false,
    (error: unknown) => (error as { code?: string }).code === 'ECONNREFUSED',
  );
}

function tokenRequests() {
  return se.requests.filter((r) => r.path.startsWith('/oauth/access_token'));
}

/** A `sleep` whose waits the test ends with `fire(ms)`. */
function capturedSleep() {
  const waits: Array<{ ms: number; resolve: () => void }> = [];
  return {
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        waits.push({ ms, resolve });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
    pending: () => waits.map((w) => w.ms),
    fire: (ms: number) => waits.filter((w) => w.ms === ms).forEach((w) => w.resolve()),
  };
}

describe("desktopLogin({ redirect: 'loopback' }) in Chromium against the sandbox", () => {
  it('logs in: loopback listener, PKCE S256 and state, public-client exchange, a page saying the window can be closed, then stops listening', async () => {
    const person = chromiumPerson('approve');
    const result = await desktopLogin(options({ scope: 'read_inbox no_expiry', openBrowser: person.openBrowser, userAgent: 'test-cli/1.0' }));
    const { url, page } = await person.opened;
    await person.finished();

    expect(result.accessToken).toMatch(/^\S+$/);
    expect({ expiresAt: result.expiresAt, scope: result.scope }).toEqual({ expiresAt: null, scope: ['read_inbox', 'no_expiry'] });
    const me = await fetch(`${se.apiURL}/me?site=stackoverflow&key=${se.clients[1]!.key}&access_token=${encodeURIComponent(result.accessToken)}`);
    expect(me.status).toBe(200);

    const port = portOf(url);
    expect(port).toBeGreaterThan(0);
    const authorize = se.requests.find((r) => r.method === 'GET' && r.path === '/oauth');
    expect(authorize?.query).toMatchObject({
      client_id: '1002',
      redirect_uri: `http://localhost:${port}/callback`,
      scope: 'read_inbox no_expiry',
      code_challenge_method: 'S256',
    });
    expect(authorize?.query['state']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const exchange = tokenRequests();
    expect(exchange).toHaveLength(1);
    expect(exchange[0]!.path).toBe('/oauth/access_token/json');
    const form = exchange[0]!.form!;
    expect(form).not.toHaveProperty('client_secret');
    expect(form).toMatchObject({ client_id: '1002', grant_type: 'authorization_code', redirect_uri: `http://localhost:${port}/callback` });
    expect(createHash('sha256').update(form['code_verifier'] as string).digest('base64url')).toBe(authorize?.query['code_challenge']);

    // The browser's tab: the loopback's page, styled, with no script, telling the person to close it.
    expect(page.url()).toMatch(new RegExp(`^http://localhost:${port}/callback\\?code=`));
    expect(await page.textContent('#status')).toBe(PAGE_MESSAGES.stored);
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.card')!).borderRadius)).toBe('8px');
    expect(await page.$('script')).toBeNull();
    expect(await refused(port)).toBe(true);
  });

  it('rejects with ACCESS_DENIED when the person refuses, exchanges nothing, tells the person, and stops listening', async () => {
    const person = chromiumPerson('reject');
    const error: unknown = await desktopLogin(options({ openBrowser: person.openBrowser })).catch((e: unknown) => e);
    const { url, page } = await person.opened;
    await person.finished();
    expect(isStackExchangeError(error) && error.code).toBe('ACCESS_DENIED');
    expect(tokenRequests()).toEqual([]);
    expect(await page.textContent('#status')).toBe(PAGE_MESSAGES.declined);
    expect(await refused(portOf(url))).toBe(true);
  });

  it('rejects with LOGIN_TIMEOUT when its timeout timer fires before any callback, and stops listening', async () => {
    const person = chromiumPerson('nothing');
    const timers = capturedSleep();
    const login = desktopLogin(options({ openBrowser: person.openBrowser, timeout: 90_000, sleep: timers.sleep })).catch((e: unknown) => e);
    const { url } = await person.opened;
    const port = portOf(url);
    expect(await refused(port)).toBe(false);
    expect(timers.pending()).toEqual([90_000]);
    timers.fire(90_000);
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_TIMEOUT');
    expect(await refused(port)).toBe(true);
    expect(tokenRequests()).toEqual([]);
  });

  it('answers forged callbacks (wrong state, path, method, Host, repeated or empty parameters) 400/404/405 and consumes nothing', async () => {
    const person = chromiumPerson('nothing');
    const login = desktopLogin(options({ openBrowser: person.openBrowser }));
    const { url, page } = await person.opened;
    const port = portOf(url);
    const state = url.searchParams.get('state')!;
    const forged = [
      await raw(port, `/callback?code=forged&state=${'A'.repeat(43)}`),
      await raw(port, '/callback?code=forged'),
      await raw(port, `/callback?code=forged&state=${state}&state=${state}`),
      await raw(port, `/callback?state=${state}`),
      await raw(port, `/callback?code=forged&error=access_denied&state=${state}`),
      await raw(port, `/callback?access_token=forged&state=${state}`),
      await raw(port, `/other?code=forged&state=${state}`),
      await raw(port, `/callback/?code=forged&state=${state}`),
      await raw(port, `/callback?code=forged&state=${state}`, { method: 'POST' }),
      await raw(port, `/callback?code=forged&state=${state}`, { host: `evil.example:${port}` }),
      await raw(port, `/callback?code=forged&state=${state}`, { host: `127.0.0.1:${port}` }),
    ];
    expect(forged.map((f) => f.status)).toEqual([400, 400, 400, 400, 400, 400, 404, 404, 405, 400, 400]);
    expect(forged.every((f) => f.body.includes(PAGE_MESSAGES.invalid))).toBe(true);
    // A page on another origin in the same browser guessing the port gets no further (Chromium may even
    // refuse to send it: Private Network Access).
    const other = await context.newPage();
    pages.push(other);
    await other.goto(`${se.url}/`);
    const fromPage = await other.evaluate(async (target) => {
      try {
        const res = await fetch(target, { mode: 'no-cors', credentials: 'omit' });
        return res.type;
      } catch (error) {
        return String(error);
      }
    }, `http://localhost:${port}/callback?code=forged&state=guess`);
    expect(['opaque', 'TypeError: Failed to fetch']).toContain(fromPage);
    expect(tokenRequests()).toEqual([]);

    // Nothing was consumed: the real callback still completes the login.
    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value="approve"]')]);
    const result = await login;
    expect(result.accessToken).toBeTruthy();
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0]!.form!['code']).not.toBe('forged');
    expect(await refused(port)).toBe(true);
  });

  it('rejects with the TokenError when the exchange fails, without retrying it, and tells the person', async () => {
    se.fault('token', '500');
    try {
      const person = chromiumPerson('approve');
      const error: unknown = await desktopLogin(options({ openBrowser: person.openBrowser })).catch((e: unknown) => e);
      const { page } = await person.opened;
      await person.finished();
      expect(isTokenError(error) && error.code).toBe('TOKEN_HTTP_STATUS');
      expect(tokenRequests()).toHaveLength(1);
      expect(await page.textContent('#status')).toBe(PAGE_MESSAGES.failed);
    } finally {
      se.fault('token', null);
    }
  });

  it('listens on the port it is given; a taken port fails with LOOPBACK_UNAVAILABLE before opening anything', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    const openBrowser = vi.fn();
    const error: unknown = await desktopLogin(options({ port: taken, openBrowser })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('LOOPBACK_UNAVAILABLE');
    expect(openBrowser).not.toHaveBeenCalled();
    await new Promise((resolve) => holder.close(resolve));

    const person = chromiumPerson('approve');
    const result = await desktopLogin(options({ port: taken, openBrowser: person.openBrowser }));
    expect(result.accessToken).toBeTruthy();
    expect(portOf((await person.opened).url)).toBe(taken);
    await person.finished();
  });

  it('waits for the callback while openBrowser is still busy (an opener that follows the whole visit), and fails with its error', async () => {
    let port = 0;
    const visit = async (url: string): Promise<void> => {
      port = portOf(new URL(url));
      // Plays the person and the browser to the end, the loopback's answer included.
      const location = await se.authorize(url);
      const answer = await fetch(location);
      expect(await answer.text()).toContain(PAGE_MESSAGES.stored);
    };
    expect((await desktopLogin(options({ openBrowser: visit }))).accessToken).toBeTruthy();
    expect(await refused(port)).toBe(true);

    const failing = async (url: string): Promise<void> => {
      port = portOf(new URL(url));
      throw new Error('no browser here');
    };
    await expect(desktopLogin(options({ openBrowser: failing }))).rejects.toThrow('no browser here');
    expect(await refused(port)).toBe(true);
  });

  it('settles when the browser leaves right after sending the callback (nobody left to answer)', async () => {
    const person = chromiumPerson('nothing');
    const login = desktopLogin(options({ openBrowser: person.openBrowser })).catch((e: unknown) => e);
    const { url } = await person.opened;
    const port = portOf(url);
    // The right state with a code the sandbox never issued, sent by a client that hangs up at once.
    const req = httpRequest({ host: '127.0.0.1', port, path: `/callback?code=gone&state=${url.searchParams.get('state')!}`, headers: { host: `localhost:${port}` } });
    req.on('error', () => undefined);
    req.end();
    // Sent in full (handed to the kernel), then the client is gone before any answer.
    await once(req, 'finish');
    req.destroy();
    const error = await login;
    expect(isTokenError(error)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(await refused(port)).toBe(true);
  });

  it('rejects with LOGIN_ABORTED when the signal aborts while it waits, and stops listening', async () => {
    const person = chromiumPerson('nothing');
    const controller = new AbortController();
    const login = desktopLogin(options({ openBrowser: person.openBrowser, signal: controller.signal })).catch((e: unknown) => e);
    const { url } = await person.opened;
    controller.abort();
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_ABORTED');
    expect(await refused(portOf(url))).toBe(true);
  });
});
