import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fragmentPage, messagePage, PAGE_MESSAGES } from '../../src/relay/redirect-page.js';
import { randomToken } from '../../src/util/random.js';
import { launchChromium } from '../helpers/chromium.js';
import { startRelay } from './relay-server.js';
import type { RunningRelay } from './relay-server.js';

let se: Sandbox;
let relay: RunningRelay;
let chromium: Browser;
let browser: BrowserContext;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  relay = await startRelay();
  // A context of a launched browser: playwright removes its profile itself once the process has exited.
  chromium = await launchChromium();
  browser = await chromium.newContext();
});

afterAll(async () => {
  await browser?.close();
  await chromium?.close();
  await relay?.close();
  await se?.close();
});

/** Everything the page did that a test checks: request URLs, bodies, referers, console output. */
interface Recorded {
  requests: Array<{ method: string; url: string; body: string | null; headers: Promise<Record<string, string>> }>;
  console: string[];
}

async function openPage(): Promise<{ page: Page; recorded: Recorded }> {
  const page = await browser.newPage();
  const recorded: Recorded = { requests: [], console: [] };
  page.on('request', (request) => {
    // allHeaders(): the headers as sent on the wire, not Playwright's provisional ones.
    recorded.requests.push({ method: request.method(), url: request.url(), body: request.postData(), headers: request.allHeaders() });
  });
  page.on('console', (message) => recorded.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => recorded.console.push(`pageerror: ${error.message}`));
  return { page, recorded };
}

function implicitAuthorizeURL(state: string): URL {
  const url = new URL(se.implicitURL);
  url.searchParams.set('client_id', se.clients[1]!.clientId);
  url.searchParams.set('redirect_uri', `${relay.url}/redirect?appid=1002`);
  url.searchParams.set('state', state);
  return url;
}

async function statusText(page: Page, text: string): Promise<void> {
  await page.waitForFunction((expected) => document.getElementById('status')?.textContent === expected, text, { timeout: 5000 });
}

describe('the redirect page in headless Chromium', () => {
  it('delivers the implicit grant\'s fragment by POST, never in a URL, under its CSP', async () => {
    const state = randomToken();
    const location = await se.authorize(implicitAuthorizeURL(state));
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('access_token')!;
    expect(token).toBeTruthy();

    const { page, recorded } = await openPage();
    await page.goto(location.href);
    await statusText(page, PAGE_MESSAGES.stored);

    // The fragment left the address bar and the history entry.
    expect(await page.evaluate(() => location.href)).toBe(`${relay.url}/redirect?appid=1002`);
    // It travelled only in the body of one same-path, form-encoded POST without a referer.
    const posts = recorded.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.url).toBe(`${relay.url}/redirect?appid=1002`);
    const sent = await posts[0]!.headers;
    expect(sent['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sent).not.toHaveProperty('referer');
    expect(sent).not.toHaveProperty('cookie');
    expect(Object.fromEntries(new URLSearchParams(posts[0]!.body ?? ''))).toEqual(Object.fromEntries(fragment));
    for (const request of recorded.requests) {
      expect(request.url).not.toContain(encodeURIComponent(token).slice(0, 10));
      expect(request.url).not.toContain(token.slice(0, 10));
      expect(request.url).not.toContain('#');
      expect(request.url.startsWith(relay.url)).toBe(true);
    }
    expect(recorded.console.filter((line) => /Content Security Policy|Refused to/i.test(line))).toEqual([]);
    expect(recorded.console.filter((line) => line.startsWith('pageerror') || line.startsWith('error'))).toEqual([]);

    const answer = await fetch(`${relay.url}/token?key=${state}&appid=1002`);
    expect(await answer.json()).toEqual({ access_token: token, expires: Number(fragment.get('expires')) });
    await page.close();
  });

  it('reports a refusal to the app and tells the person', async () => {
    const state = randomToken();
    const location = await se.authorize(implicitAuthorizeURL(state), { approve: false });
    expect(location.hash).toContain('error=access_denied');
    const { page } = await openPage();
    await page.goto(location.href);
    await statusText(page, PAGE_MESSAGES.declined);
    const answer = await fetch(`${relay.url}/token?key=${state}&appid=1002`);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ error_name: 'access_denied' });
    await page.close();
  });

  it('says the sign-in was already completed when the same redirect is opened again', async () => {
    const state = randomToken();
    const location = await se.authorize(implicitAuthorizeURL(state));
    const first = await openPage();
    await first.page.goto(location.href);
    await statusText(first.page, PAGE_MESSAGES.stored);
    // A new tab: in the same tab only the fragment would change, which loads nothing.
    const second = await openPage();
    await second.page.goto(location.href);
    await statusText(second.page, PAGE_MESSAGES.duplicate);
    await first.page.close();
    await second.page.close();
  });

  it("wears the example app's look under its CSP (its one nonce'd style applies) and fits 375 px without sideways scroll", async () => {
    for (const width of [375, 1280]) {
      const { page, recorded } = await openPage();
      await page.setViewportSize({ width, height: 700 });
      await page.goto(`${relay.url}/redirect?code=c&state=${randomToken()}`);
      expect(await page.textContent('#status')).toBe(PAGE_MESSAGES.stored);
      const look = await page.evaluate(() => {
        const header = getComputedStyle(document.querySelector('header')!);
        const card = getComputedStyle(document.querySelector('.card')!);
        return {
          accent: header.borderTopColor,
          background: getComputedStyle(document.body.parentElement!).backgroundColor,
          cardRadius: card.borderRadius,
          cardBackground: card.backgroundColor,
          scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        };
      });
      // --accent #f48024, --bg #f8f9f9, .card of example-app/public/style.css.
      expect(look).toEqual({ accent: 'rgb(244, 128, 36)', background: 'rgb(248, 249, 249)', cardRadius: '8px', cardBackground: 'rgb(255, 255, 255)', scrolls: false });
      expect(recorded.console.filter((line) => line.includes('Content Security Policy'))).toEqual([]);
      await page.close();
    }
  });

  it('enforces its CSP: a script without the nonce is refused', async () => {
    const { page, recorded } = await openPage();
    await page.goto(`${relay.url}/redirect`);
    await statusText(page, PAGE_MESSAGES.empty);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.title = "injected"';
      document.body.append(script);
    });
    expect(await page.title()).toBe('Sign-in');
    await expect.poll(() => recorded.console.some((line) => line.includes('Content Security Policy'))).toBe(true);
    await page.close();
  });
});

describe('fragmentPage and messagePage', () => {
  it('use a fresh nonce per page, in the CSP and on the one script', () => {
    const a = fragmentPage();
    const b = fragmentPage();
    const nonce = /'nonce-([^']+)'/.exec(a.headers['Content-Security-Policy'] ?? '')?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.html).toContain(`<script nonce="${nonce}">`);
    expect(b.html).not.toContain(nonce);
  });

  it('message pages run no script at all', () => {
    const page = messagePage('stored');
    expect(page.html).not.toContain('<script');
    expect(page.headers['Content-Security-Policy']).not.toContain('script-src');
    expect(page.headers['Content-Security-Policy']).toContain("default-src 'none'");
  });
});
