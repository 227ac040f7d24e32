import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import session from 'express-session';
import passport from 'passport';
import { MemoryApiLimits, StackExchangeStrategy, requireLogin, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import type { StackExchangeAuthOptions, StackExchangeStrategyOptions, User } from 'passport-stackexchange-oauth2';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { FailingStore } from './failing-session-store.js';

/** Options of {@link startRouterApp}. */
export interface RouterAppOptions {
  /** The Express factory: `express` (5, the default) or `express4`. */
  express?: () => Express;
  /** The session store. Default: a {@link FailingStore} (not failing). */
  store?: session.Store;
  /**
   * The public URL the strategy's callbackURL and the router's origin use. Default: this server's own
   * `http://localhost:PORT`. Give several instances one public URL (as behind a load balancer).
   */
  publicURL?: string;
  /** Options of `stackExchangeAuth()` (its `passport` is the app's own instance). */
  router?: Omit<StackExchangeAuthOptions, 'passport' | 'strategy'>;
  /** Options of the strategy on top of the sandbox's endpoints and `clients[0]`. */
  strategy?: Partial<StackExchangeStrategyOptions>;
  /** The session cookie's name. Default express-session's `connect.sid`. */
  cookieName?: string;
  /** The app's `serializeUser`. Default: the whole user goes into the session. */
  serializeUser?: (user: Express.User, done: (err: unknown, id?: unknown) => void) => void;
  /** The session cookie's `maxAge` in milliseconds. Default none (a browser-session cookie). */
  cookieMaxAge?: number;
  /**
   * A `Secure` session cookie, as behind a TLS-terminating proxy: the app trusts a loopback proxy's
   * `X-Forwarded-Proto: https`. Default `false`.
   */
  secureCookie?: boolean;
  /** Adds the app's own routes after the router and before the error handler. */
  routes?: (app: Express) => void;
}

/** A running app built by {@link startRouterApp}. */
export interface RouterApp {
  /** Where this instance listens: `http://localhost:PORT`. */
  url: string;
  /** The URL the strategy's callbackURL is under (equal to `url` unless `publicURL` was given). */
  publicURL: string;
  app: Express;
  strategy: StackExchangeStrategy;
  passport: passport.Authenticator;
  store: session.Store;
  close(): Promise<void>;
}

/**
 * Starts an app the way the README sets one up: express-session, `passport.session()`,
 * `stackExchangeAuth()`, on a real socket, with a `StackExchangeStrategy` pointed at the sandbox.
 *
 * Routes besides the router's: `GET /api/me` (`requireLogin()`, then `/me` on stackoverflow with
 * `req.stackexchange`: `{ accountId, displayName }`; `?fresh=1` bypasses the response cache), `GET /api/inbox` (`requireLogin({ scope:
 * ['read_inbox'] })`), `GET /api/session` (`{ sessionID, user, stackexchange: req.stackexchangeSession }`),
 * `GET /api/anonymous?ids=1;2` (`req.stackexchange` on `/users/{ids}`: `{ authenticated, count }`), `GET /` (text). Errors
 * go to Express's own default handler, which answers with `err.status`.
 */
export async function startRouterApp(se: Sandbox, options: RouterAppOptions = {}): Promise<RouterApp> {
  const app = (options.express ?? express)();
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const publicURL = options.publicURL ?? url;
  const client = se.clients[0];
  if (client === undefined) throw new Error('the sandbox has no client');

  const strategy = new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL: `${publicURL}${options.router?.basePath ?? '/auth'}/callback`,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
    // Each app its own limits: a ban recorded by one test must not throttle the next.
    apiLimits: new MemoryApiLimits(),
    ...options.strategy,
  });
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  authenticator.serializeUser(options.serializeUser ?? ((user, done) => done(null, user)));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));

  const store = options.store ?? new FailingStore();
  if (options.secureCookie === true) app.set('trust proxy', 'loopback');
  app.use(
    session({
      secret: 'router-test-secret',
      resave: false,
      saveUninitialized: false,
      store,
      ...(options.cookieName === undefined ? {} : { name: options.cookieName }),
      cookie: { httpOnly: true, sameSite: 'lax', secure: options.secureCookie === true, ...(options.cookieMaxAge === undefined ? {} : { maxAge: options.cookieMaxAge }) },
    }),
  );
  app.use(authenticator.session());
  app.use(stackExchangeAuth({ passport: authenticator, strategy, ...(options.cookieName === undefined ? {} : { cookieName: options.cookieName }), ...options.router }));

  app.get('/api/me', requireLogin(), async (req, res, next) => {
    try {
      // `?fresh=1` skips the response cache (which the profile read at login fills).
      const me = await req.stackexchange.get<User>('/me', { site: 'stackoverflow' }, { cache: req.query['fresh'] !== '1' });
      res.json({ accountId: me.items[0]?.account_id, displayName: me.items[0]?.display_name });
    } catch (err) {
      next(err);
    }
  });
  app.get('/api/inbox', requireLogin({ scope: ['read_inbox'] }), async (req, res, next) => {
    try {
      res.json(await req.stackexchange.get('/me/inbox'));
    } catch (err) {
      next(err);
    }
  });
  app.get('/api/session', (req, res) => {
    res.json({ sessionID: req.sessionID ?? null, user: req.user ?? null, stackexchange: req.stackexchangeSession });
  });
  app.get('/api/anonymous', async (req, res, next) => {
    try {
      const ids = (typeof req.query['ids'] === 'string' ? req.query['ids'] : '1').split(';').map(Number);
      const users = await req.stackexchange.get<User>('/users/{ids}', { ids, site: 'stackoverflow' });
      res.json({ authenticated: req.stackexchange.authenticated, count: users.items.length });
    } catch (err) {
      next(err);
    }
  });
  app.get('/', (_req, res) => {
    res.type('text/plain').send('home');
  });
  options.routes?.(app);

  return {
    url,
    publicURL,
    app,
    strategy,
    passport: authenticator,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
