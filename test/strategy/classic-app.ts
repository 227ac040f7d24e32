import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { MemoryApiLimits, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type { PendingLoginStore } from 'passport-stackexchange-oauth2';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { TestRedisClient } from '../relay/redis-helpers.js';

/** Which express-session store the app uses. */
export type SessionStoreKind = 'connect-redis' | 'memory';

/** Options of {@link startClassicApp}. */
export interface ClassicAppOptions {
  sessionStore: SessionStoreKind;
  /** The Redis connection for connect-redis. */
  redis: TestRedisClient;
  /** The test's key prefix; the app's sessions go under `${prefix}sess:<random>:`. */
  prefix: string;
  /** The pending-login store; default the strategy's own (session) store. */
  store?: PendingLoginStore;
  stateTTL?: number;
  /**
   * Holds each pair of `/login` requests until both have arrived, then lets them go together, so that
   * both load the session before either saves it ("at the same instant").
   */
  holdStartPairs?: boolean;
}

/** A running {@link startClassicApp}. */
export interface ClassicApp {
  url: string;
  /** Where connect-redis keeps this app's sessions. */
  sessionPrefix: string;
  /** A new cookie-keeping browser for the app. */
  browser(): request.Agent;
  close(): Promise<void>;
}

/**
 * The classic passport pattern, no router, on a real socket against the sandbox: `/visit` makes the
 * session, `/login` starts, `/auth/callback` is `passport.authenticate('stackexchange', {
 * failureRedirect: '/failed' })` with passport's defaults (`keepSessionInfo: false`, so the session is
 * regenerated without the old data), then `{ user }` (`{ id }` of the profile).
 */
export async function startClassicApp(se: Sandbox, options: ClassicAppOptions): Promise<ClassicApp> {
  const app = express();
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const client = se.clients[0]!;
  const strategy = new StackExchangeStrategy(
    {
      clientID: client.clientId,
      clientSecret: client.clientSecret,
      key: client.key,
      callbackURL: `${url}/auth/callback`,
      authorizationURL: se.authorizationURL,
      tokenURL: se.tokenURL,
      apiURL: se.apiURL,
      apiLimits: new MemoryApiLimits({ maxRequests: 10_000 }),
      ...(options.stateTTL === undefined ? {} : { stateTTL: options.stateTTL }),
      ...(options.store === undefined ? {} : { store: options.store }),
    },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id }),
  );
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));
  const sessionPrefix = `${options.prefix}sess:${Math.random().toString(36).slice(2)}:`;
  const store = options.sessionStore === 'connect-redis' ? new RedisStore({ client: options.redis, prefix: sessionPrefix }) : new session.MemoryStore();
  if (options.holdStartPairs === true) {
    const arrived: Array<() => void> = [];
    app.use('/login', (_req, _res, next) => {
      arrived.push(next);
      if (arrived.length === 2) for (const go of arrived.splice(0)) go();
    });
  }
  app.use(session({ secret: 'classic', resave: false, saveUninitialized: false, store, cookie: { maxAge: 86_400_000 } }));
  app.use(authenticator.initialize());
  app.use(authenticator.session());
  app.get('/visit', (req, res) => {
    (req.session as unknown as Record<string, unknown>)['visited'] = true;
    res.status(204).end();
  });
  app.get('/login', authenticator.authenticate('stackexchange') as express.RequestHandler);
  app.get('/auth/callback', authenticator.authenticate('stackexchange', { failureRedirect: '/failed' }) as express.RequestHandler, (req, res) => {
    res.json({ user: req.user });
  });
  return {
    url,
    sessionPrefix,
    browser: () => request.agent(url),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
