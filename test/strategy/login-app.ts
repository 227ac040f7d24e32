import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { MemoryApiLimits, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type { StackExchangeAuthInfo, StackExchangeProfile, StackExchangeStrategyOptions, VerifyFunction } from 'passport-stackexchange-oauth2';
import { FailingStore } from '../helpers/failing-session-store.js';

/** Where the strategy logs in: the sandbox, or another OAuth server described the same way. */
export interface LoginProvider {
  authorizationURL: string;
  tokenURL: string;
  apiURL: string;
  clients: ReadonlyArray<{ clientId: string; clientSecret: string; key: string }>;
}

/**
 * The JSON the app answers: `{ user, info }` after a login, `{ failure, status }` after a refusal,
 * `{ error }` from its error handler. Every field is optional because each answer has only its own.
 */
export interface AppAnswer {
  /** The user `verify` gave (by default the profile; a test's verify may give another object). */
  user?: Partial<StackExchangeProfile>;
  info?: StackExchangeAuthInfo;
  /** passport's failure info (e.g. `{ message, code }`). */
  failure?: unknown;
  status?: number;
  error?: { name: string; code?: string; message: string; status?: number };
}

/** A supertest response of the app, with its JSON body typed. */
export type AppResponse = Omit<request.Response, 'body'> & { body: AppAnswer };

/** Types a response of the app (for requests made without {@link LoginApp.callback}, e.g. by another agent). */
export function appResponse(res: request.Response): AppResponse {
  return res;
}

export interface LoginApp {
  agent: request.Agent;
  baseURL: string;
  callbackURL: string;
  strategy: StackExchangeStrategy;
  store: FailingStore;
  /** GET /login and return the authorize URL it redirects to. */
  start(query?: string): Promise<URL>;
  /** Follow a callback URL (as the sandbox returned it) with the agent. */
  callback(url: URL | string): Promise<AppResponse>;
  close(): Promise<void>;
}

export interface LoginAppOptions {
  client?: 0 | 1;
  /** Leave the client secret out (a public client). */
  publicClient?: boolean;
  strategy?: Partial<StackExchangeStrategyOptions> & Record<string, unknown>;
  verify?: unknown;
  /** Leave out express-session. */
  noSession?: boolean;
  /** A subclass of the strategy to use instead (to test passport-oauth2's hooks). */
  strategyClass?: typeof StackExchangeStrategy;
  /** Replace the profile request (for OAuth servers that are not Stack Exchange). */
  profile?: (accessToken: string) => StackExchangeProfile;
}

/**
 * A small Express 5 app with express-session and passport using the strategy against the sandbox:
 * `/login` starts (state metadata `{ returnTo }` and a per-login `scope` from the query), `/auth/callback` completes and answers
 * JSON (`{ user, info }`, `{ failure, status }` or `{ error }`), `/pending` lists pending states.
 */
export async function startLoginApp(se: LoginProvider, options: LoginAppOptions = {}): Promise<LoginApp> {
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const port = (server.address() as AddressInfo).port;
  const baseURL = `http://localhost:${port}`;
  const callbackURL = `${baseURL}/auth/callback`;
  const client = se.clients[options.client ?? (options.publicClient ? 1 : 0)];
  if (client === undefined) throw new Error('the sandbox has no such client');

  const StrategyClass = options.strategyClass ?? StackExchangeStrategy;
  const strategy = new StrategyClass(
    {
      clientID: client.clientId,
      ...(options.publicClient ? {} : { clientSecret: client.clientSecret }),
      key: client.key,
      callbackURL,
      authorizationURL: se.authorizationURL,
      tokenURL: se.tokenURL,
      apiURL: se.apiURL,
      // Each app its own limits: a ban recorded by one test must not throttle the next.
      apiLimits: new MemoryApiLimits(),
      ...options.strategy,
    },
    options.verify as VerifyFunction | undefined,
  );
  const profile = options.profile;
  if (profile !== undefined) strategy.userProfile = (accessToken, done) => done(null, profile(accessToken));
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));

  const store = new FailingStore();
  if (!options.noSession) app.use(session({ secret: 'strategy-test', resave: false, saveUninitialized: false, store }));
  app.use(authenticator.initialize());
  if (!options.noSession) app.use(authenticator.session());

  app.get('/login', (req, res, next) => {
    const returnTo = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : '/';
    const stateOption = typeof req.query['rawState'] === 'string' ? req.query['rawState'] : { returnTo };
    const scope = typeof req.query['scope'] === 'string' ? { scope: req.query['scope'] } : {};
    // @types/passport types the middleware as `any`.
    (authenticator.authenticate('stackexchange', { state: stateOption, ...scope } as passport.AuthenticateOptions) as RequestHandler)(req, res, next);
  });
  app.get('/auth/callback', (req, res, next) => {
    (authenticator.authenticate('stackexchange', (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
      if (err) return next(err);
      if (!user) return res.status(typeof status === 'number' ? status : 401).json({ failure: info, status });
      // keepSessionInfo: the regenerated session keeps the other tabs' pending logins.
      return req.logIn(user, { session: true, keepSessionInfo: true }, (loginError) => (loginError ? next(loginError) : res.json({ user, info })));
    }) as RequestHandler)(req, res, next);
  });
  app.get('/pending', (req, res) => {
    const pending = (req.session as unknown as Record<string, unknown> | undefined)?.['stackexchangePending'];
    res.json(Object.keys(pending ?? {}));
  });
  app.use((err: Error & { code?: string; status?: number; statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.name === 'TokenError' ? 502 : (err.statusCode ?? 500);
    res.status(status).json({ error: { name: err.name, code: err.code, message: err.message, status: err.status } });
  });

  const agent = request.agent(baseURL);
  return {
    agent,
    baseURL,
    callbackURL,
    strategy,
    store,
    async start(query = '') {
      const res = await agent.get(`/login${query}`);
      if (res.status !== 302) throw new Error(`login start answered ${res.status}: ${res.text}`);
      return new URL(res.headers['location'] as string);
    },
    async callback(url) {
      const target = typeof url === 'string' ? new URL(url, baseURL) : url;
      return appResponse(await agent.get(`${target.pathname}${target.search}`));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
