import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryApiLimits, RedisPendingLoginStore, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type { PendingLoginStore } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { connectRedis, deletePrefix, uniquePrefix } from '../relay/redis-helpers.js';
import type { TestRedisClient } from '../relay/redis-helpers.js';
import { startClassicApp } from './classic-app.js';
import type { ClassicApp, SessionStoreKind } from './classic-app.js';

let se: Sandbox;
let redis: TestRedisClient;
const prefix = uniquePrefix('redis-pending-logins');

beforeAll(async () => {
  se = await createSandbox({ port: 0, maxRequestsPerSecond: Infinity });
  redis = await connectRedis();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
  await se.close();
});

beforeEach(() => {
  se.reset();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const apps: ClassicApp[] = [];

/** The classic passport app (see {@link startClassicApp}) with the Redis or the session pending-login store. */
async function classicApp(kind: SessionStoreKind, pending: 'redis' | 'session', stateTTL = 600): Promise<ClassicApp> {
  const store = pending === 'redis' ? new RedisPendingLoginStore({ client: redis, prefix: `${prefix}login:` }) : undefined;
  const app = await startClassicApp(se, { sessionStore: kind, redis, prefix, stateTTL, ...(store === undefined ? {} : { store }) });
  apps.push(app);
  return app;
}

const tokenRequests = (): number => se.requests.filter((r) => r.path === '/oauth/access_token/json').length;

async function start(browser: request.Agent): Promise<request.Response> {
  return browser.get('/login');
}

async function consent(res: request.Response): Promise<URL> {
  expect(res.status).toBe(302);
  return se.authorize(String(res.headers['location']), { accountId: se.users[0]!.accountId });
}

const pathOf = (url: URL): string => `${url.pathname}${url.search}`;

describe.each<SessionStoreKind>(['connect-redis', 'memory'])('RedisPendingLoginStore with %s sessions', (kind) => {
  it('30/30 trials: two simultaneous starts in one session both complete, in either order', async () => {
    const app = await classicApp(kind, 'redis');
    for (let trial = 0; trial < 30; trial++) {
      const browser = app.browser();
      expect((await browser.get('/visit')).status).toBe(204);
      const starts = await Promise.all([start(browser), start(browser)]);
      const callbacks = await Promise.all(starts.map(consent));
      const order = trial % 2 === 0 ? callbacks : [...callbacks].reverse();
      for (const callback of order) {
        const res = await browser.get(pathOf(callback));
        expect(res.status, `trial ${trial}`).toBe(200);
        expect((res.body as { user: unknown }).user).toEqual({ id: String(se.users[0]!.accountId) });
      }
    }
    expect(tokenRequests()).toBe(60);
  });

  it('40/40 trials: two simultaneous identical callbacks make exactly one token request', async () => {
    const app = await classicApp(kind, 'redis');
    for (let trial = 0; trial < 40; trial++) {
      const browser = app.browser();
      const callback = await consent(await start(browser));
      const before = tokenRequests();
      const answers = await Promise.all([browser.get(pathOf(callback)), browser.get(pathOf(callback))]);
      expect(tokenRequests() - before, `trial ${trial}`).toBe(1);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 302]);
      expect(answers.find((res) => res.status === 302)?.headers['location']).toBe('/failed');
    }
  });
});

describe('RedisPendingLoginStore', () => {
  it('binds a login to the browser that started it: a state taken from another browser fails, with no token request', async () => {
    const app = await classicApp('memory', 'redis');
    const starter = app.browser();
    const res = await start(starter);
    expect(res.headers['set-cookie']).toEqual([expect.stringMatching(/^stackexchange_login=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/)]);
    const callback = await consent(res);
    const thief = await app.browser().get(pathOf(callback));
    expect(thief.status).toBe(302);
    expect(thief.headers['location']).toBe('/failed');
    expect(tokenRequests()).toBe(0);
  });

  it('keeps each pending login under its own key with TTL stateTTL, taken atomically, bounded per browser', async () => {
    const app = await classicApp('memory', 'redis', 90);
    const browser = app.browser();
    const states: string[] = [];
    for (let i = 0; i < 12; i++) states.push(new URL(String((await start(browser)).headers['location'])).searchParams.get('state')!);
    const ttl = await redis.ttl(`${prefix}login:login:${states[11]}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(90);
    // maxPendingLogins (10): the two oldest were dropped with their keys.
    expect(await redis.exists(`${prefix}login:login:${states[0]}`)).toBe(0);
    expect(await redis.exists(`${prefix}login:login:${states[1]}`)).toBe(0);
    expect(await redis.exists(`${prefix}login:login:${states[2]}`)).toBe(1);
    // The start wrote no session at all.
    expect((await redis.keys(`${app.sessionPrefix}*`)).length).toBe(0);
  });

  const context = { callbackURL: 'http://localhost/auth/callback', stateTTL: 60, maxPendingLogins: 10 } as const;
  const storeOnce = (store: PendingLoginStore): Promise<unknown> =>
    new Promise((resolve) => store.store({ headers: {}, sessionID: 'sid' }, 'v'.repeat(43), { scope: [] }, context, (err, handle) => resolve(err ?? handle)));

  it('with an https callbackURL takes the binding from the __Host- cookie only: a plain-named one (plantable from a sibling subdomain) is refused', async () => {
    const store = new RedisPendingLoginStore({ client: redis, prefix });
    const https = { ...context, callbackURL: 'https://app.example/auth/callback' };
    const cookies: string[] = [];
    const res = { headersSent: false, getHeader: () => undefined, setHeader: (_name: string, value: string[]) => void cookies.push(...value) };
    const handle = await new Promise<string>((resolve, reject) =>
      store.store({ headers: {}, res }, 'v'.repeat(43), { scope: [] }, https, (err, state) => (err ? reject(err) : resolve(state as string))),
    );
    const [set] = cookies;
    expect(set).toMatch(/^__Host-stackexchange_login=[\w-]{43}; .*; Secure$/);
    const binding = /=([\w-]{43});/.exec(set ?? '')?.[1] ?? '';
    const verify = (cookie: string): Promise<unknown> =>
      new Promise((resolve, reject) => store.verify({ headers: { cookie } }, handle, (err, verifier, info) => (err ? reject(err) : resolve(verifier === false ? (info as { message: string }).message : verifier))));
    expect(await verify(`stackexchange_login=${binding}`)).toBe('The login was started in another browser');

    const second = await new Promise<string>((resolve, reject) =>
      store.store({ headers: { cookie: `__Host-stackexchange_login=${binding}` }, res }, 'w'.repeat(43), { scope: [] }, https, (err, state) => (err ? reject(err) : resolve(state as string))),
    );
    expect(await new Promise((resolve) => store.verify({ headers: { cookie: `__Host-stackexchange_login=${binding}` } }, second, (_err, verifier) => resolve(verifier)))).toBe('w'.repeat(43));
  });

  it('fails with a 503 PendingLoginStoreError at once while the client is not ready, sending nothing', async () => {
    let sent = 0;
    const reconnecting = { isReady: false, sendCommand: (args: string[]) => ((sent += 1), redis.sendCommand(args)) };
    const outcome = await storeOnce(new RedisPendingLoginStore({ client: reconnecting, prefix }));
    expect(outcome).toMatchObject({ name: 'PendingLoginStoreError', code: 'PENDING_LOGIN_STORE', status: 503, message: expect.stringContaining('not connected') as unknown });
    expect(sent).toBe(0);
  });

  it('fails with a 503 PendingLoginStoreError when Redis does not answer within commandTimeout', async () => {
    const stalled = { isReady: true, sendCommand: () => new Promise<never>(() => undefined) };
    const store = new RedisPendingLoginStore({ client: stalled, prefix, commandTimeout: 20 });
    expect(await storeOnce(store)).toMatchObject({ code: 'PENDING_LOGIN_STORE', status: 503, message: expect.stringContaining('did not answer within 20 ms') as unknown });
    const verified = await new Promise((resolve) => store.verify({ headers: {} }, 's'.repeat(43), (err) => resolve(err)));
    expect(verified).toMatchObject({ code: 'PENDING_LOGIN_STORE', status: 503 });
  });

  it('survives passport throwing inside its callback (an answer already sent): no unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const store = new RedisPendingLoginStore({ client: redis, prefix });
      let called = 0;
      store.store({ headers: {}, sessionID: 'sid-throw' }, 'v'.repeat(43), { scope: [] }, context, () => {
        called += 1;
        throw new Error('Cannot set headers after they are sent to the client');
      });
      await expect.poll(() => called).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('refuses unknown options and a client without sendCommand', () => {
    expect(() => new RedisPendingLoginStore({ client: redis, prefx: 'x' } as never)).toThrow('RedisPendingLoginStore: unknown option "prefx" (did you mean prefix?)');
    expect(() => new RedisPendingLoginStore({ client: {} } as never)).toThrow(/options\.client must be a connected node-redis client/);
  });
});

describe('SessionPendingLoginStore (the default) with the classic passport pattern', () => {
  it.each<SessionStoreKind>(['connect-redis', 'memory'])('two tabs complete in any order with %s sessions (keepSessionInfo: false)', async (kind) => {
    const app = await classicApp(kind, 'session');
    const browser = app.browser();
    const first = await consent(await start(browser));
    const second = await consent(await start(browser));
    const done = await browser.get(pathOf(second));
    expect(done.status).toBe(200);
    const other = await browser.get(pathOf(first));
    expect(other.status).toBe(200);
    expect(tokenRequests()).toBe(2);
  });

  it('a session made only for pending logins lives stateTTL: abandoned starts leave no day-long keys', async () => {
    const app = await classicApp('connect-redis', 'session', 120);
    for (let i = 0; i < 50; i++) await start(app.browser());
    const keys = await redis.keys(`${app.sessionPrefix}*`);
    expect(keys).toHaveLength(50);
    const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
    for (const ttl of ttls) expect(ttl).toBeLessThanOrEqual(120);
  });

  it('a session logged in after a pending login gets the app cookie lifetime back', async () => {
    const app = await classicApp('connect-redis', 'session', 120);
    const browser = app.browser();
    const res = await browser.get(pathOf(await consent(await start(browser))));
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)?.[1] ?? '');
    // A day, not two minutes (compared with a wide margin: the assertion is about the lifetime's size).
    expect(expires - Date.now()).toBeGreaterThan(3_600_000);
  });
});

// An app's own passport callback that throws (a bug of the app, e.g. reading info.state.returnTo of a
// failed login) must reach the app's error handler, whatever the pending-login store: never a hung
// request, never an unhandled rejection.

/** An app whose callback route's own code throws `when` it gets a user or a refusal. */
async function throwingApp(store: PendingLoginStore | undefined, when: 'user' | 'refusal'): Promise<{ agent: request.Agent; close: () => Promise<void> }> {
  const app = express();
  const server: Server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  const client = se.clients[0]!;
  const strategy = new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL: `${base}/cb`,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
    apiLimits: new MemoryApiLimits(),
    ...(store === undefined ? {} : { store }),
  });
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  app.use(session({ secret: 'throwing-callback', resave: false, saveUninitialized: false }));
  app.get('/login', authenticator.authenticate('stackexchange') as RequestHandler);
  app.get('/cb', (req, res, next) => {
    (authenticator.authenticate('stackexchange', (err: unknown, user: unknown) => {
      if (err) return next(err);
      if ((when === 'user') === Boolean(user)) throw new Error('the app callback is broken');
      res.json({ ok: true });
    }) as RequestHandler)(req, res, next);
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return { agent: request.agent(base), close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const stores: Array<[string, () => PendingLoginStore | undefined]> = [
  ['the session store', () => undefined],
  ['RedisPendingLoginStore', () => new RedisPendingLoginStore({ client: redis, prefix })],
];

describe.each(stores)('a passport callback that throws, with %s', (_name, makeStore) => {
  it.each(['user', 'refusal'] as const)('reaches the app error handler on a %s', async (when) => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const { agent, close } = await throwingApp(makeStore(), when);
    try {
      const start = await agent.get('/login');
      const approved = await se.authorize(new URL(String(start.headers['location'])), { accountId: se.users[0]!.accountId });
      // A refusal: the same callback with a state this browser never started.
      if (when === 'refusal') approved.searchParams.set('state', 'x'.repeat(43));
      const res = await agent.get(`${approved.pathname}${approved.search}`).timeout(5000);
      expect([res.status, res.body]).toEqual([500, { error: 'the app callback is broken' }]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await close();
    }
  });
});
