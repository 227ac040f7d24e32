import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOGIN_FAILURE_MESSAGE } from 'passport-stackexchange-oauth2';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startExample, type RunningExample } from './support/example-server.js';

// The example app in real Chromium against the sandbox: both login flows, the inbox, refusal, logout,
// and that the access token never reaches the browser.

/** The README's picture (1280 px wide) and its phone-width twin (375 px). */
const SCREENSHOTS = {
  1280: fileURLToPath(new URL('../../docs/profile.png', import.meta.url)),
  375: fileURLToPath(new URL('../../docs/profile-375.png', import.meta.url)),
} as const;

let browser: Browser;
let ex: RunningExample;

beforeAll(async () => {
  [browser, ex] = await Promise.all([launchChromium(), startExample()]);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await ex?.close();
});

/** What the browser did during one test: every URL it requested, every document it received. */
interface Trail {
  context: BrowserContext;
  urls: string[];
  documents: Array<Promise<string>>;
  /** Requests to anything but loopback: aborted, and the test fails. */
  outside: string[];
}

let trail: Trail;

function isLoopback(url: URL): boolean {
  return url.protocol === 'data:' || url.protocol === 'about:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1';
}

beforeEach(async () => {
  ex.se.reset();
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC' });
  trail = { context, urls: [], documents: [], outside: [] };
  // Context-wide, so popups are tracked too.
  context.on('request', (r) => trail.urls.push(r.url()));
  context.on('response', (r) => {
    if (r.request().resourceType() === 'document' && r.status() < 300) trail.documents.push(r.text().catch(() => ''));
  });
  await context.route(
    (url) => !isLoopback(url),
    (route) => {
      trail.outside.push(route.request().url());
      return route.abort();
    },
  );
});

/** Every access token the sandbox saw: as `access_token` and in `/access-tokens/{tokens}` paths. */
function sandboxTokens(): string[] {
  const tokens = new Set<string>();
  for (const r of ex.se.requests) {
    const query = r.query['access_token'];
    for (const t of typeof query === 'string' ? query.split(';') : []) tokens.add(t);
    const inPath = /^\/2\.3\/(?:access-tokens|apps)\/([^/]+)/.exec(r.path);
    for (const t of inPath?.[1]?.split(';') ?? []) tokens.add(decodeURIComponent(t));
  }
  return [...tokens];
}

/**
 * The tokens issued during the test must not appear in any page, cookie, storage or visited URL, and
 * nothing may have gone to the internet.
 */
async function expectNoTokenInBrowser(pages: readonly Page[], expectTokens = true): Promise<void> {
  const tokens = sandboxTokens();
  if (expectTokens) expect(tokens.length).toBeGreaterThan(0);
  const documents = await Promise.all(trail.documents);
  const live = await Promise.all(
    pages
      .filter((p) => !p.isClosed())
      .map(async (p) => ({
        html: await p.content(),
        cookie: await p.evaluate(() => document.cookie),
        storage: await p.evaluate(() => JSON.stringify(Object.entries(localStorage)) + JSON.stringify(Object.entries(sessionStorage))),
      })),
  );
  const cookies = JSON.stringify(await trail.context.cookies());
  for (const token of tokens) {
    for (const url of trail.urls) expect(url).not.toContain(token);
    for (const html of documents) expect(html).not.toContain(token);
    for (const p of live) {
      expect(p.html).not.toContain(token);
      expect(p.cookie).not.toContain(token);
      expect(p.storage).not.toContain(token);
    }
    expect(cookies).not.toContain(token);
  }
  // The session cookie itself is not readable from scripts.
  for (const p of live) expect(p.cookie).not.toContain('example.sid');
  expect(trail.outside).toEqual([]);
}

afterEach(async () => {
  await trail.context.close();
});

const userNamed = (name: string) => {
  const user = ex.se.users.find((u) => u.displayName === name);
  if (user === undefined) throw new Error(`no sample user ${name}`);
  return user;
};

/** Resolves when the popup has closed (it may already have). */
function closed(popup: Page): Promise<unknown> {
  return popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close');
}

async function approveOnConsentPage(page: Page, accountId: number): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
  await page.check(`input[name="account_id"][value="${accountId}"]`);
  await page.click('button:has-text("Approve")');
}

describe('the example app in Chromium', () => {
  it('logs in by redirect, shows the profile and the inbox', async () => {
    const ada = userNamed('Ada Sandbox');
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/`);
    expect(await page.textContent('.sandbox-banner')).toContain('Sandbox mode');
    // With no_expiry the profile shows no clock time, so docs/profile.png comes out the same every run.
    await page.check('input[name="scope"][value="read_inbox"]');
    await page.check('input[name="scope"][value="no_expiry"]');
    await page.click('#login-redirect');

    await page.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
    expect(await page.textContent('body')).toContain('Read your global inbox');
    await approveOnConsentPage(page, ada.accountId);

    await page.waitForURL(`${ex.url}/profile`);
    expect(await page.textContent('#display-name')).toBe('Ada Sandbox');
    expect(await page.textContent('#reputation')).toBe('15,230');
    expect(await page.textContent('#site')).toBe('Stack Overflow');
    const rows = await page.$$eval('#network-accounts tbody tr td:first-child', (cells) => cells.map((c) => c.textContent?.trim()));
    expect(rows.sort()).toEqual(ada.network.map((a) => a.site_name).sort());
    expect(await page.textContent('#token-expiry')).toBe('never (the no_expiry scope was granted)');
    expect(await page.textContent('#scopes')).toBe('read_inbox, no_expiry');
    // Every stylesheet rule applied (the CSP let the stylesheet in).
    expect(await page.$eval('header', (h) => getComputedStyle(h).borderTopColor)).toBe('rgb(244, 128, 36)');

    await page.click('nav >> text=Inbox');
    await page.waitForURL(`${ex.url}/inbox`);
    const titles = await page.$$eval('#inbox-items a', (links) => links.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(titles).toEqual(ada.inbox.filter((i) => i.is_unread).map((i) => [i.title, i.link]));
    expect(ex.se.requests.filter((r) => r.path === '/2.3/me/inbox')).toHaveLength(1);

    await expectNoTokenInBrowser([page]);
  });

  it('logs in in a popup: the page updates without navigating', async () => {
    const grace = userNamed('Grace Sandbox');
    const page = await trail.context.newPage();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    await page.goto(`${ex.url}/`);
    await page.check('input[name="scope"][value="read_inbox"]');
    const [popup] = await Promise.all([trail.context.waitForEvent('page'), page.click('#login-popup')]);
    await approveOnConsentPage(popup, grace.accountId);
    await closed(popup);

    await page.waitForSelector('#popup-result');
    // The header and the card now show the person, as after a redirect login.
    expect(await page.textContent('header .who')).toBe('Grace Sandbox');
    expect(await page.isVisible('nav button:has-text("Log out")')).toBe(true);
    expect(await page.textContent('#home-name')).toBe('Grace Sandbox');
    expect(await page.$('#login-form')).toBeNull();
    expect(await page.textContent('#popup-account')).toBe(String(grace.accountId));
    // client.js hands over the expiry as a Date: about a day ahead for a normal token.
    const expiry = Date.parse((await page.textContent('#popup-expiry'))?.replace(' UTC', 'Z').replace(' ', 'T') ?? '');
    expect(Math.abs(expiry - (Date.now() + 86_400_000))).toBeLessThan(5 * 60_000);
    expect(await page.$$eval('#popup-network li', (items) => items.map((i) => i.textContent))).toEqual(grace.network.map((a) => `${a.site_name}: ${a.reputation.toLocaleString('en-US')} reputation`));
    expect(navigations).toEqual([`${ex.url}/`]);
    // The popup asked for the scope and for network users; the session is the page's session.
    const authorize = ex.se.requests.find((r) => r.path === '/oauth');
    expect(String(authorize?.query['scope']).split(/[ ,]/)).toEqual(['read_inbox']);

    await page.goto(`${ex.url}/profile`);
    expect(await page.textContent('#display-name')).toBe('Grace Sandbox');
    expect(await page.textContent('#scopes')).toBe('read_inbox');
    await page.goto(`${ex.url}/inbox`);
    expect(await page.textContent('#inbox-empty')).toBe('Nothing unread.');
    await expectNoTokenInBrowser([page]);
  });

  it('a declined redirect login shows "You declined access"', async () => {
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/`);
    await page.click('#login-redirect');
    await page.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
    await page.click('button:has-text("Reject")');
    await page.waitForURL(`${ex.url}/login-failed?error=access_denied`);
    expect(await page.textContent('h1')).toBe('You declined access');
    expect(ex.se.requests.some((r) => r.path.startsWith('/oauth/access_token'))).toBe(false);
    await expectNoTokenInBrowser([page], false);
  });

  it('a declined popup login rejects with access_denied, shown on the page', async () => {
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/`);
    const [popup] = await Promise.all([trail.context.waitForEvent('page'), page.click('#login-popup')]);
    await popup.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
    await popup.click('button:has-text("Reject")');
    await closed(popup);
    await page.waitForSelector('#popup-status[data-error]');
    expect(await page.getAttribute('#popup-status', 'data-error')).toBe('access_denied');
    expect(await page.textContent('#popup-status')).toBe('You declined access (access_denied).');
    expect(page.url()).toBe(`${ex.url}/`);
    await expectNoTokenInBrowser([page], false);
  });

  it('a popup login that fails on the server shows the router\'s fixed text for the code', async () => {
    ex.se.fault('token', '500');
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/`);
    const [popup] = await Promise.all([trail.context.waitForEvent('page'), page.click('#login-popup')]);
    await approveOnConsentPage(popup, userNamed('Ada Sandbox').accountId);
    await closed(popup);
    await page.waitForSelector('#popup-status[data-error]');
    expect(await page.getAttribute('#popup-status', 'data-error')).toBe('token_error');
    expect(await page.textContent('#popup-status')).toBe(`${LOGIN_FAILURE_MESSAGE.token_error} (token_error).`);
    expect(await page.isEnabled('#login-popup')).toBe(true);
    expect(ex.se.requests.filter((r) => r.path === '/oauth/access_token/json')).toHaveLength(1);
    await expectNoTokenInBrowser([page], false);
  });

  it('logs out with the button: back home, and the profile needs a login again', async () => {
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/login`);
    await approveOnConsentPage(page, userNamed('Ada Sandbox').accountId);
    await page.waitForURL(`${ex.url}/profile`);
    // The profile's API call put the token into the sandbox's records before the logout revokes it.
    const [token] = sandboxTokens();
    expect(token).toBeDefined();

    await page.click('nav button:has-text("Log out")');
    await page.waitForURL(`${ex.url}/`);
    expect(await page.isVisible('#login-form')).toBe(true);
    expect(ex.se.requests.some((r) => r.path === `/2.3/access-tokens/${token}/invalidate`)).toBe(true);
    expect((await trail.context.cookies()).filter((c) => c.name === 'example.sid')).toEqual([]);

    await page.goto(`${ex.url}/profile`);
    await page.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
    await expectNoTokenInBrowser([page]);
  });

  it('a plain link to /auth/logout shows a confirmation page whose button logs out', async () => {
    const page = await trail.context.newPage();
    await page.goto(`${ex.url}/login`);
    await approveOnConsentPage(page, userNamed('Ada Sandbox').accountId);
    await page.waitForURL(`${ex.url}/profile`);
    const [token] = sandboxTokens();

    const confirm = await page.goto(`${ex.url}/auth/logout`);
    expect(confirm?.status()).toBe(200);
    expect(confirm?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.textContent('h1')).toBe('Log out?');
    // Showing the page changed nothing: still logged in, token not revoked.
    expect(ex.se.requests.some((r) => r.path.endsWith('/invalidate'))).toBe(false);
    expect(await page.textContent('header .who')).toBe('Ada Sandbox');

    await page.click('#logout-confirm-button');
    await page.waitForURL(`${ex.url}/`);
    expect(await page.isVisible('#login-form')).toBe(true);
    expect(ex.se.requests.some((r) => r.path === `/2.3/access-tokens/${token}/invalidate`)).toBe(true);
    await page.goto(`${ex.url}/auth/logout`);
    expect(await page.textContent('#logout-none')).toBe('You are not logged in.');
    await expectNoTokenInBrowser([page]);
  });

  it('fits a 375 px phone screen on every page (no sideways scroll) and at 1280 px; saves both screenshots', async () => {
    const page = await trail.context.newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    const widths: Record<string, number> = {};
    const measure = async (name: string): Promise<void> => {
      widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
    };
    await page.goto(`${ex.url}/`);
    await measure('home');
    // The favicon is linked and served.
    const icon = await page.getAttribute('link[rel="icon"]', 'href');
    expect((await page.request.get(`${ex.url}${icon}`)).headers()['content-type']).toMatch(/^image\/svg\+xml/);
    await page.goto(`${ex.url}/login-failed?error=access_denied`);
    await measure('login-failed');
    await page.goto(`${ex.url}/no/such/page`);
    await measure('404');
    // With no_expiry the profile shows no clock time, so the screenshots come out the same every run.
    await page.goto(`${ex.url}/login?scope=read_inbox&scope=no_expiry`);
    await page.waitForURL((url) => url.href.startsWith(ex.se.authorizationURL));
    await measure('consent');
    // The callback URL wraps inside the consent page rather than running off it.
    const callback = await page.$eval('code', (c) => ({ right: c.getBoundingClientRect().right, text: c.textContent }));
    expect(callback.text).toBe(`${ex.url}/auth/callback`);
    expect(callback.right).toBeLessThanOrEqual(375);
    await approveOnConsentPage(page, userNamed('Ada Sandbox').accountId);
    await page.waitForURL(`${ex.url}/profile`);
    await measure('profile');
    // The network table fits its card too (it would scroll inside the card rather than the page).
    expect(await page.$eval('.table-scroll', (t) => t.scrollWidth - t.clientWidth)).toBe(0);
    mkdirSync(dirname(SCREENSHOTS[375]), { recursive: true });
    await page.screenshot({ path: SCREENSHOTS[375], fullPage: true, animations: 'disabled' });
    await page.goto(`${ex.url}/inbox`);
    await measure('inbox');
    await page.goto(`${ex.url}/auth/logout`);
    await measure('logout');

    for (const [name, width] of Object.entries(widths)) expect(width, name).toBeLessThanOrEqual(375);
    expect(Object.keys(widths)).toHaveLength(7);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${ex.url}/profile`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: SCREENSHOTS[1280], fullPage: true, animations: 'disabled' });
    await expectNoTokenInBrowser([page]);
  });
});
