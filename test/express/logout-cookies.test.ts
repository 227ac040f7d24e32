import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { launchChromium } from '../helpers/chromium.js';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

let se: Sandbox;
let chromium: Browser;

beforeAll(async () => {
  const sandbox = await createSandbox({ port: 0 });
  await sandbox.close();
  // The consent page approves at once as the first user: the browser runs the whole login by itself.
  se = await createSandbox({ port: 0, autoApprove: sandbox.users[0]!.accountId });
  chromium = await launchChromium();
}, 180_000);

afterAll(async () => {
  await chromium.close();
  await se.close();
});

describe.each(['__Host-sid', '__Secure-sid'])('logout in Chromium with a %s session cookie', (cookieName) => {
  let app: RouterApp;

  beforeAll(async () => {
    app = await startRouterApp(se, { cookieName, secureCookie: true });
  });

  afterAll(async () => {
    await app.close();
  });

  it('clears the cookie: the clearing Set-Cookie carries Secure and the Path it was set with', async () => {
    // As behind a TLS-terminating proxy on loopback (Chromium keeps Secure cookies for http://localhost).
    const context = await chromium.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' } });
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/auth/start?returnTo=%2Fapi%2Fsession`);
      expect(new URL(page.url()).pathname).toBe('/api/session');
      const before = await context.cookies(app.url);
      expect(before.find((c) => c.name === cookieName)).toMatchObject({ secure: true, path: '/', httpOnly: true });
      expect(JSON.parse((await page.textContent('body')) ?? '{}')).toMatchObject({ stackexchange: { loggedIn: true } });

      const clearing: string[] = [];
      page.on('response', (res) => {
        if (new URL(res.url()).pathname === '/auth/logout') void res.headerValue('set-cookie').then((value) => clearing.push(value ?? ''));
      });
      const status = await page.evaluate(async () => (await fetch('/auth/logout', { method: 'POST', headers: { accept: 'application/json' } })).status);
      expect(status).toBe(204);
      await expect.poll(() => clearing.length).toBe(1);
      expect(clearing[0]).toMatch(new RegExp(`^${cookieName}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$`));
      const after = await context.cookies(app.url);
      expect(after.map((c) => c.name)).not.toContain(cookieName);
    } finally {
      await context.close();
    }
  });
});
