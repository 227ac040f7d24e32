import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits } from 'passport-stackexchange-oauth2';
import type { LoginFailure } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

let se: Sandbox;
let app: RouterApp;
const failures: LoginFailure[] = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, {
    // One API request per 2 s: the profile load of a callback queues behind a spent window.
    strategy: { apiLimits: new MemoryApiLimits({ maxRequests: 1, interval: 2000 }) },
    router: { client: { cache: false, retry: false }, logger: () => undefined, onLoginError: (failure) => failures.push(failure) },
  });
});
afterAll(async () => {
  await app.close();
  await se.close();
});

const sent = (path: string): number => se.requests.filter((r) => r.path === path).length;

describe('a login callback whose browser went away', () => {
  it('drops its queued profile load: no /me is sent for it', async () => {
    const start = await fetch(`${app.url}/auth/start`, { redirect: 'manual' });
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const callbackURL = await se.authorize(new URL(start.headers.get('location') ?? ''), { approve: true });

    // Spend the window, so the profile load has to wait for it.
    expect((await fetch(`${app.url}/api/anonymous?ids=1`)).status).toBe(200);

    const callback = request(callbackURL.href.replace(new URL(callbackURL).origin, app.url), { headers: { cookie } });
    callback.on('error', () => undefined);
    callback.end();
    await expect.poll(() => sent('/oauth/access_token/json')).toBe(1);
    callback.destroy();

    await expect.poll(() => failures.length).toBe(1);
    const cause = failures[0]?.cause;
    const messages: string[] = [];
    for (let e: unknown = cause; e instanceof Error; e = e.cause) messages.push(e.message);
    expect(messages.join(' / ')).toContain('closed the connection');
    expect(sent('/2.3/me')).toBe(0);
  });
});
