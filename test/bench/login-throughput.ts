import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { MemoryApiLimits, StackExchangeStrategy, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import type { Sandbox, SandboxClient } from 'passport-stackexchange-oauth2/sandbox';

/** The outcome of one benchmark run. */
export interface LoginBenchResult {
  name: string;
  logins: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  /** API requests the sandbox saw per cycle (profile and the `/me` read). */
  apiCallsPerLogin: number;
  /** Session store writes per cycle. */
  sessionWritesPerLogin: number;
}

/** What an app needs of the sandbox: its URLs and the registered app (the sandbox may run in another process). */
export interface SandboxFacts {
  authorizationURL: string;
  tokenURL: string;
  apiURL: string;
  clients: ReadonlyArray<Pick<SandboxClient, 'clientId' | 'clientSecret' | 'key'>>;
}

/** The facts of `se` that can cross to another process. */
export function sandboxFacts(se: Sandbox): SandboxFacts {
  const { clientId, clientSecret, key } = se.clients[0] ?? {};
  if (clientId === undefined || clientSecret === undefined || key === undefined) throw new Error('the sandbox has no registered app');
  return { authorizationURL: se.authorizationURL, tokenURL: se.tokenURL, apiURL: se.apiURL, clients: [{ clientId, clientSecret, key }] };
}

/** A MemoryStore that counts its writes. */
class CountingStore extends session.MemoryStore {
  writes = 0;
  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    this.writes++;
    super.set(sid, sess, callback);
  }
}

export interface BenchApp {
  url: string;
  store: CountingStore;
  close: () => Promise<void>;
}

async function listen(app: Express, store: CountingStore): Promise<BenchApp> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    store,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Ours as the README sets it up: the router, `req.stackexchange` for the `/me` read. */
export async function oursApp(se: SandboxFacts): Promise<BenchApp> {
  const client = se.clients[0]!;
  const app = express();
  const store = new CountingStore();
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(session({ secret: 'bench', resave: false, saveUninitialized: false, store }));
  app.use(passport.session());
  const bench = await listen(app, store);
  const strategy = new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL: `${bench.url}/auth/callback`,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
    // The 30/s limit lifted: the login path is what is measured.
    apiLimits: new MemoryApiLimits({ maxRequests: 1_000_000_000 }),
  });
  passport.use(strategy);
  app.use(stackExchangeAuth({ strategy, passport, successRedirect: '/done' }));
  app.get('/me', (req, res, next) => {
    req.stackexchange.get('/me', { site: 'stackoverflow' }).then((me) => res.json(me.items[0]), next);
  });
  return bench;
}

/** Plain passport-oauth2 as its README shows it (pkce + state), and a route fetching `/me` with key and token. */
export async function plainApp(se: SandboxFacts): Promise<BenchApp> {
  const client = se.clients[0]!;
  const app = express();
  const store = new CountingStore();
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(session({ secret: 'bench', resave: false, saveUninitialized: false, store }));
  app.use(passport.session());
  const bench = await listen(app, store);
  passport.use('plain', new OAuth2Strategy({
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    callbackURL: `${bench.url}/auth/callback`,
    pkce: true,
    state: true,
  }, (accessToken: string, _refreshToken: string, _profile: object, done: (err: null, user: object) => void) => done(null, { accessToken })));
  app.get('/auth/start', passport.authenticate('plain') as express.RequestHandler);
  app.get('/auth/callback', passport.authenticate('plain', { failureRedirect: '/failed' }) as express.RequestHandler, (_req, res) => res.redirect(303, '/done'));
  app.get('/me', (req, res, next) => {
    const token = (req.user as { accessToken?: string } | undefined)?.accessToken ?? '';
    const url = `${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(client.key)}&access_token=${encodeURIComponent(token)}`;
    fetch(url).then((r) => r.json()).then((body: { items?: unknown[] }) => res.json(body.items?.[0]), next);
  });
  return bench;
}

/** One cycle as a browser makes it: start → consent (approved at once) → callback → one `/me` read. */
export async function cycle(appURL: string): Promise<void> {
  const start = await fetch(`${appURL}/auth/start`, { redirect: 'manual' });
  const cookies = new Map<string, string>();
  const keep = (res: Response): void => {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      cookies.set(pair.slice(0, pair.indexOf('=')), pair);
    }
  };
  keep(start);
  const authorize = start.headers.get('location');
  if (!authorize) throw new Error(`start answered ${start.status}`);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (!callback) throw new Error(`authorize answered ${consent.status}`);
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: [...cookies.values()].join('; ') } });
  keep(done);
  if (done.headers.get('location') !== '/done') throw new Error(`callback answered ${done.status} ${done.headers.get('location') ?? ''}`);
  const me = await fetch(`${appURL}/me`, { headers: { cookie: [...cookies.values()].join('; ') } });
  const body = (await me.json()) as { account_id?: number } | undefined;
  if (me.status !== 200 || typeof body?.account_id !== 'number') throw new Error(`/me answered ${me.status}`);
}

/** Runs `count` cycles, `concurrency` at a time, adding each one's latency to `latencies`; returns the seconds taken. */
export async function round(appURL: string, count: number, concurrency: number, latencies: number[]): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      await cycle(appURL);
      latencies.push(performance.now() - t0);
    }
  }));
  return (performance.now() - began) / 1000;
}

function result(name: string, latencies: number[], seconds: number, apiCalls: number, writes: number): LoginBenchResult {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const logins = latencies.length;
  return { name, logins, seconds, perSecond: logins / seconds, p50: at(0.5), p95: at(0.95), apiCallsPerLogin: apiCalls / logins, sessionWritesPerLogin: writes / logins };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Both apps' results, and their ratio round by round. */
export interface LoginComparison {
  ours: LoginBenchResult;
  plain: LoginBenchResult;
  /** ours/plain logins per second in each round (the two run back to back, in alternating order). */
  roundRatios: number[];
  /** The median of `roundRatios`: robust to a round that a busy machine slowed for one of the two. */
  medianRatio: number;
}

/**
 * Login cycles per second through this package (router + `req.stackexchange`) against plain
 * passport-oauth2 (pkce + state, a route fetching `/me`), interleaved in rounds in one process so
 * that warm-up and machine noise fall on both alike. The API limit is lifted for ours (plain
 * passport-oauth2 has none).
 */
export async function benchLogins(se: Sandbox, total: number, concurrency: number, rounds = 20): Promise<LoginComparison> {
  const ours = await oursApp(se);
  const plain = await plainApp(se);
  const apiCalls = (): number => se.requests.filter((r) => r.path.startsWith('/2.3/')).length;
  try {
    for (let i = 0; i < 20; i++) {
      await cycle(ours.url);
      await cycle(plain.url);
    }
    const perRound = Math.max(1, Math.round(total / rounds));
    const roundRatios: number[] = [];
    const timing = { ours: { latencies: [] as number[], seconds: 0, api: 0, writes: 0 }, plain: { latencies: [] as number[], seconds: 0, api: 0, writes: 0 } };
    for (let r = 0; r < rounds; r++) {
      // Alternate which one goes first, so neither always runs on a warmer process.
      const order = r % 2 === 0 ? (['ours', 'plain'] as const) : (['plain', 'ours'] as const);
      const seconds = { ours: 0, plain: 0 };
      for (const which of order) {
        const app = which === 'ours' ? ours : plain;
        const t = timing[which];
        se.reset();
        const writesBefore = app.store.writes;
        seconds[which] = await round(app.url, perRound, concurrency, t.latencies);
        t.seconds += seconds[which];
        t.api += apiCalls();
        t.writes += app.store.writes - writesBefore;
      }
      roundRatios.push(seconds.plain / seconds.ours);
    }
    const oursResult = result('StackExchangeStrategy + router', timing.ours.latencies, timing.ours.seconds, timing.ours.api, timing.ours.writes);
    const plainResult = result('passport-oauth2 (pkce + state)', timing.plain.latencies, timing.plain.seconds, timing.plain.api, timing.plain.writes);
    return { ours: oursResult, plain: plainResult, roundRatios, medianRatio: median(roundRatios) };
  } finally {
    await ours.close();
    await plain.close();
  }
}
