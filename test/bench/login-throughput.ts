import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import type { Strategy } from 'passport';
import { RateLimiter, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';

/** The outcome of one benchmark run. */
export interface LoginBenchResult {
  name: string;
  logins: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
}

/** Starts an app whose `/start` and `/callback` routes log in through the strategy `make` builds. */
async function startApp(make: (callbackURL: string) => Strategy): Promise<{ url: string; close: () => Promise<void> }> {
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'bench', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get('/start', passport.authenticate('bench'));
  app.get('/callback', passport.authenticate('bench', { failureRedirect: '/failed' }), (_req, res) => {
    res.redirect(303, '/done');
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  passport.use('bench', make(`${url}/callback`));
  return {
    url,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** One whole login as a browser makes it, the consent being approved by the sandbox at once. */
async function login(appURL: string): Promise<void> {
  const start = await fetch(`${appURL}/start`, { redirect: 'manual' });
  const cookie = start.headers.get('set-cookie')?.split(';')[0];
  const authorize = start.headers.get('location');
  if (!cookie || !authorize) throw new Error(`start answered ${start.status}`);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (!callback) throw new Error(`authorize answered ${consent.status}`);
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  if (done.headers.get('location') !== '/done') throw new Error(`callback answered ${done.status} ${done.headers.get('location') ?? ''}`);
}

/** Runs `total` logins, `concurrency` at a time, and measures them. */
async function measure(name: string, appURL: string, total: number, concurrency: number): Promise<LoginBenchResult> {
  for (let i = 0; i < 20; i++) await login(appURL);
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      await login(appURL);
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, logins: total, seconds, perSecond: total / seconds, p50: at(0.5), p95: at(0.95) };
}

/**
 * Logins per second through `StackExchangeStrategy` against the same flow through plain
 * passport-oauth2 (PKCE on, the same token endpoint, the same `/me` call for the profile).
 *
 * Ours runs twice: with the default limiter, which holds the profile's `/me` calls to Stack Exchange's
 * 30 requests/s (so at most 30 logins/s per process, as production must), and with the limit lifted,
 * which measures the strategy's own cost against plain passport-oauth2 (which has no limit at all).
 */
export async function benchLogins(se: Sandbox, total: number, concurrency: number): Promise<LoginBenchResult[]> {
  const client = se.clients[0];
  if (!client) throw new Error('the sandbox has no client');
  const ourStrategy = (rateLimiter?: RateLimiter) => (callbackURL: string) => new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
    ...(rateLimiter === undefined ? {} : { rateLimiter }),
  });
  const ours = await startApp(ourStrategy());
  const unlimited = await startApp(ourStrategy(new RateLimiter({ maxRequests: 1_000_000 })));
  const plain = await startApp((callbackURL) => {
    const strategy = new OAuth2Strategy({
      authorizationURL: se.authorizationURL,
      tokenURL: se.tokenURL,
      clientID: client.clientId,
      clientSecret: client.clientSecret,
      callbackURL,
      pkce: true,
      state: true,
    }, (_accessToken: string, _refreshToken: string, profile: object, done: (err: null, user: object) => void) => done(null, profile));
    strategy.userProfile = (accessToken, done) => {
      const url = `${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(client.key)}&access_token=${encodeURIComponent(accessToken)}`;
      fetch(url).then((r) => r.json()).then((body) => done(null, body as object), (err: unknown) => done(err as Error));
    };
    return strategy;
  });
  try {
    return [
      await measure('StackExchangeStrategy, 30/s', ours.url, total, concurrency),
      await measure('StackExchangeStrategy, no limit', unlimited.url, total, concurrency),
      await measure('passport-oauth2 (PKCE)', plain.url, total, concurrency),
    ];
  } finally {
    await ours.close();
    await unlimited.close();
    await plain.close();
  }
}
