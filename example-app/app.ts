import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { STRATEGY_DEFAULTS, StackExchangeStrategy, stackExchangeAuth } from 'passport-stackexchange-oauth2';
import { withoutTrailingSlashes, type TrustProxy } from './config.js';
import { errorHandler, notFound } from './errors.js';
import { httpError } from './http-error.js';
import { logoutConfirmRoute, pageRoutes } from './pages.js';
import { securityHeaders } from './security-headers.js';
import { createSessionStore } from './session-store.js';
import { isAppUser, toAppUser } from './user.js';
import { SCOPE_CHOICES } from './views/home.js';

/** The Stack Exchange app the example logs in with, and where Stack Exchange is. */
export interface StackExchangeSettings {
  clientID: string;
  key: string;
  /** Leave out for a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** Default: real Stack Exchange. The sandbox's URLs in sandbox mode. */
  authorizationURL?: string | undefined;
  tokenURL?: string | undefined;
  apiURL?: string | undefined;
}

/** Options of {@link createApp}. */
export interface AppConfig {
  /** The origin people use to reach the app, e.g. `http://localhost:3000`. */
  publicURL: string;
  /** The registered redirect URI. Default `${publicURL}/auth/callback`. */
  callbackURL?: string | undefined;
  stackExchange: StackExchangeSettings;
  /** The sandbox's URL when the app runs against the local sandbox: shows the banner on every page. */
  sandboxURL?: string | undefined;
  sessionSecret: string;
  /** Keep sessions in Redis (see `createSessionStore`); memory otherwise. */
  redisURL?: string | undefined;
  /** Redis key prefix for sessions. Default `example-app:sess:`. */
  redisPrefix?: string | undefined;
  /** Express's `trust proxy`: set it when a proxy terminates HTTPS in front of the app. Default `false`. */
  trustProxy?: TrustProxy | undefined;
  /** Where start-up warnings go. Default `console.warn`. */
  warn?: ((message: string) => void) | undefined;
  /** Where errors are logged. Default `console.error`. */
  logError?: ((message: string) => void) | undefined;
}

/** A configured example app, not yet listening. */
export interface ExampleApp {
  app: Express;
  /** The app's own passport instance (not the singleton, so several apps can live in one process). */
  passport: InstanceType<typeof Passport>;
  /** `redis` or `memory`. */
  sessionStore: 'redis' | 'memory';
  /** Releases the session store's connection. */
  close(): Promise<void>;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The session cookie's name; the router clears it at logout. */
const SESSION_COOKIE = 'example.sid';

/** The scopes people may pick on the home page; anything else is dropped before the login starts. */
export const ALLOWED_SCOPES = SCOPE_CHOICES.map((choice) => choice.scope);

/**
 * Builds the example app: helmet, sessions (Redis or memory), passport with `StackExchangeStrategy`,
 * the `stackExchangeAuth()` routes under `/auth` (with a confirmation page for `GET /auth/logout`),
 * the pages, a 404 page and an error page.
 *
 * @throws TypeError from the strategy or router for invalid settings; whatever Redis throws when
 *   `redisURL` is set but Redis cannot be reached.
 */
export async function createApp(config: AppConfig): Promise<ExampleApp> {
  const publicURL = withoutTrailingSlashes(config.publicURL);
  const https = new URL(publicURL).protocol === 'https:';
  const sandbox = config.sandboxURL !== undefined;
  const authorizationURL = config.stackExchange.authorizationURL ?? STRATEGY_DEFAULTS.authorizationURL;
  const stores = await createSessionStore({
    redisURL: config.redisURL,
    ...(config.redisPrefix === undefined ? {} : { prefix: config.redisPrefix }),
    ...(config.warn === undefined ? {} : { warn: config.warn }),
  });

  const passport = new Passport();
  const strategy = new StackExchangeStrategy(
    {
      clientID: config.stackExchange.clientID,
      key: config.stackExchange.key,
      callbackURL: config.callbackURL ?? `${publicURL}/auth/callback`,
      networkUsers: true,
      userAgent: 'stackexchange-login-example/1.0',
      ...(config.stackExchange.clientSecret === undefined ? {} : { clientSecret: config.stackExchange.clientSecret }),
      ...(config.stackExchange.authorizationURL === undefined ? {} : { authorizationURL: config.stackExchange.authorizationURL }),
      ...(config.stackExchange.tokenURL === undefined ? {} : { tokenURL: config.stackExchange.tokenURL }),
      ...(config.stackExchange.apiURL === undefined ? {} : { apiURL: config.stackExchange.apiURL }),
    },
    (_accessToken, _refreshToken, profile, done) => done(null, toAppUser(profile)),
  );
  passport.use(strategy);
  // The session keeps the small public user object; the token is kept apart by the router.
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((stored: unknown, done) => done(null, isAppUser(stored) ? stored : false));

  const app = express();
  app.set('trust proxy', config.trustProxy ?? false);
  app.disable('x-powered-by');
  app.use(
    securityHeaders({
      authorizationOrigin: new URL(authorizationURL).origin,
      // Real profile images live on several https hosts; in sandbox mode they are drawn inline instead.
      imageSources: sandbox ? [] : ['https:'],
      https,
    }),
  );
  app.use('/static', express.static(here('./public'), { index: false, maxAge: '1h' }));
  const sessions = session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    ...(stores.store === undefined ? {} : { store: stores.store }),
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      // Lax, not Strict: the callback is a cross-site navigation from Stack Exchange and needs the cookie.
      sameSite: 'lax',
      // Secure whenever the request arrived over HTTPS (directly, or through a trusted proxy).
      secure: 'auto',
      maxAge: 7 * 24 * 3600 * 1000,
    },
  });
  // A session store that cannot answer (Redis down) is a 503 for the person, not a crash or a 500.
  app.use((req, res, next) => sessions(req, res, (error?: unknown) => next(error === undefined ? undefined : httpError(503, 'Session store unavailable', error))));
  app.use(passport.session());
  app.use(logoutConfirmRoute({ sandbox }));
  app.use(
    stackExchangeAuth({
      strategy,
      passport,
      basePath: '/auth',
      successRedirect: '/profile',
      failureRedirect: '/login-failed',
      // The start route (and the popup's `scope`) may add only these; the form's choices are filtered too.
      scopes: ALLOWED_SCOPES,
      cookieName: SESSION_COOKIE,
    }),
  );
  app.use(pageRoutes({ sandbox, allowedScopes: ALLOWED_SCOPES, publicURL }));
  app.use(notFound({ sandbox }));
  app.use(errorHandler({ sandbox, logError: config.logError ?? ((message) => console.error(message)) }));

  return { app, passport, sessionStore: stores.kind, close: () => stores.close() };
}

