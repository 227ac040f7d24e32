import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { interceptOnce } from '../util/intercept-once.js';
import { isRecord } from '../util/is-record.js';
import { StackExchangeClient } from '../api/client.js';
import type { StackExchangeAuthInfo } from '../strategy/strategy.js';
import { SessionStoreError } from '../strategy/session-store-error.js';
import { logger } from '../util/debug.js';
import { failureCodeOfError, failureCodeOfInfo, SERVER_ERROR_MESSAGE, sendLoginFailure } from './login-failure.js';
import type { FailureTarget, LoginFailureCode } from './login-failure.js';
import { configurationCause, warnOnce } from './diagnostics.js';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { LoginErrorCode } from '../errors/error-codes.js';
import { POPUP_MESSAGE_TYPE, sendPopupPage } from './popup-page.js';
import { popupLoginResult } from './popup-result.js';
import { safeReturnTo } from './return-to.js';
import type { ResolvedAuthOptions } from './router-options.js';
import { forgetLogin } from './request-client.js';
import { writeSessionTokens } from './session-tokens.js';
import type { SessionTokens, TokenSession } from './session-tokens.js';

const log = logger('express');

/** The metadata the start route keeps with a pending login. */
interface LoginMeta {
  returnTo?: unknown;
  popup?: unknown;
  networkUsers?: unknown;
}

function asMeta(value: unknown): LoginMeta {
  return typeof value === 'object' && value !== null ? value : {};
}

/** The tokens of `info.tokens` (the strategy fills `scope` with what this login asked for). */
function tokensOf(info: unknown): SessionTokens | undefined {
  const tokens = (info as Partial<StackExchangeAuthInfo> | undefined)?.tokens;
  if (typeof tokens !== 'object' || tokens === null || typeof tokens.accessToken !== 'string') return undefined;
  const scope = Array.isArray(tokens.scope) ? tokens.scope.filter((s): s is string => typeof s === 'string') : [];
  return { accessToken: tokens.accessToken, expiresAt: typeof tokens.expiresAt === 'number' ? tokens.expiresAt : null, scope };
}

interface StoreSession {
  regenerate?: (done: (err?: unknown) => void) => void;
  save?: (done: (err?: unknown) => void) => void;
}

const storeFailure = (err: unknown): SessionStoreError => new SessionStoreError('The session store failed while logging in', { cause: err });

/** A session as a store would write it, its cookie's expiry apart (see {@link skipUnchangedResave}). */
interface SessionSnapshot {
  content: string;
  maxAge: number | null;
}

function snapshot(session: StoreSession): SessionSnapshot {
  const { cookie } = session as { cookie?: unknown };
  // What JSON.stringify would write for the cookie: express-session's Cookie has a toJSON().
  const data: unknown = isRecord(cookie) && typeof cookie['toJSON'] === 'function' ? (cookie['toJSON'] as () => unknown).call(cookie) : cookie;
  if (!isRecord(data)) return { content: JSON.stringify(session), maxAge: null };
  const { expires: _expires, originalMaxAge, ...attributes } = data;
  return { content: JSON.stringify({ ...session, cookie: attributes }), maxAge: typeof originalMaxAge === 'number' ? originalMaxAge : null };
}

// express-session's touch() sets maxAge to originalMaxAge again, which re-reads the clock: the value can
// come back a few milliseconds off. A change of the cookie's lifetime by the app is far larger.
const TOUCH_DRIFT_MS = 1000;

function unchanged(before: SessionSnapshot, after: SessionSnapshot): boolean {
  if (before.content !== after.content) return false;
  if (before.maxAge === null || after.maxAge === null) return before.maxAge === after.maxAge;
  return Math.abs(before.maxAge - after.maxAge) <= TOUCH_DRIFT_MS;
}

/**
 * express-session saves a regenerated session again at the end of the request, because it cannot
 * tell that passport's `req.login` just saved it: that second, identical write is skipped (a store
 * round trip per login). Its touch() of the cookie just before (the expiry moved by the milliseconds
 * since the login's save) is not a change; any other change made after the login's save, a new cookie
 * lifetime included, is still written.
 */
export function skipUnchangedResave(session: StoreSession): void {
  const saved = snapshot(session);
  interceptOnce(session, 'save', (save, done) => {
    if (!unchanged(saved, snapshot(session))) return save(done);
    // express-session writes the end of the answer in this callback: never call it before save() returns.
    queueMicrotask(() => done());
  });
}

/**
 * Hooks into passport's `req.login` for this request: the tokens go into the regenerated session
 * just before passport saves it, which it does only once the app's `serializeUser` accepted the user
 * (one write for the login instead of three), and the session store's failures (regenerating, then
 * saving) become {@link SessionStoreError}s, so they answer 503 while the app's `serializeUser` errors
 * stay the app's. A login that was not saved leaves nothing behind for express-session's own save at
 * the end of the request: no tokens, no user. The hooks are this request's session objects' own
 * (non-enumerable, never saved) and remove themselves. Returns false when the session cannot be hooked.
 */
function hookLogin(req: Request, tokens: SessionTokens, login: { settled: boolean }): boolean {
  const session = req.session as unknown as StoreSession | undefined;
  if (session === undefined) return false;
  return interceptOnce(session, 'regenerate', (regenerate, done) => {
    regenerate((err) => {
      if (err) return done(storeFailure(err));
      const fresh = req.session as unknown as (StoreSession & TokenSession) | undefined;
      if (fresh === undefined) return done();
      interceptOnce(fresh, 'save', (save, saved) => {
        // After req.login called back (the app's serializeUser failed), this is express-session's
        // own save at the end of the request: the login did not happen, its tokens stay out.
        if (login.settled) return save(saved);
        writeSessionTokens(fresh, tokens);
        save((saveErr) => {
          if (saveErr) {
            forgetLogin(req, 'the session store failed to save the login');
            return saved(storeFailure(saveErr));
          }
          skipUnchangedResave(fresh);
          return saved();
        });
      });
      return done();
    });
  });
}

/**
 * Logs the user in (passport regenerates the session: a new id; the pending-login store carries the
 * other tabs' logins over) with the tokens in the new session.
 */
function establishSession(req: Request, user: Express.User, tokens: SessionTokens, done: (err: unknown) => void): void {
  const login = { settled: false };
  const hooked = hookLogin(req, tokens, login);
  req.login(user, (loginErr: unknown) => {
    login.settled = true;
    if (loginErr) return done(loginErr);
    if (hooked) return done(null);
    // A session without regenerate(): write the tokens after the login.
    writeSessionTokens(req.session as unknown as TokenSession, tokens);
    req.session.save((saveErr: unknown) => {
      if (!saveErr) return done(null);
      forgetLogin(req, 'the session store failed to save the login');
      return done(storeFailure(saveErr));
    });
  });
}

async function answerPopup(res: Response, user: Express.User, tokens: SessionTokens, meta: LoginMeta, config: ResolvedAuthOptions): Promise<void> {
  const api = new StackExchangeClient({ ...config.clientOptions, accessToken: tokens.accessToken });
  const message = await popupLoginResult(user, tokens, meta.networkUsers === true, api, config.strategy.settings.site);
  sendPopupPage(res, 200, message, config.origin);
}

/**
 * `GET {basePath}/callback`: completes a login with passport's custom-callback form.
 *
 * Success: `req.login` (new session id), tokens in `req.session.stackexchange`, then 303 to the
 * login's `returnTo` (checked again) or `successRedirect`; a popup login gets the popup page instead.
 * Failure: see `sendLoginFailure` (fixed codes, never the provider's text); a session store failing
 * inside `req.login` is `temporarily_unavailable` (503). Errors that are not the package's (the app's
 * `verify`, `serializeUser`) go to `next(err)`, or to the popup as `server_error`.
 * Always `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
 */
export function callbackRoute(config: ResolvedAuthOptions): RequestHandler {
  const { strategy } = config;
  return function stackExchangeCallback(req: Request, res: Response, next: NextFunction): void {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const target = (meta: LoginMeta): FailureTarget => ({ failureRedirect: config.failureRedirect, origin: config.origin, popup: meta.popup === true });
    // The start's metadata, once the strategy has consumed the pending login (also on failures after that).
    const meta = (): LoginMeta => asMeta(strategy.consumedLogin(req)?.meta);
    // Without OAuth parameters passport-oauth2 would start a new login: a bare callback is a bad request.
    if (strategy.classifyRequest(req).kind === 'start') {
      sendLoginFailure(req, res, 'bad_request', target({}));
      return;
    }

    const unexpected = (err: unknown): void => {
      if (meta().popup !== true) return next(err);
      log(`popup login failed: ${err instanceof Error ? err.message : String(err)}`);
      return sendPopupPage(res, 500, { type: POPUP_MESSAGE_TYPE, errorName: 'server_error', errorMessage: SERVER_ERROR_MESSAGE }, config.origin);
    };
    const fail = (code: LoginFailureCode, cause: unknown): void => {
      const diagnosis = configurationCause(cause, strategy.settings.tokenURL);
      if (diagnosis !== undefined) warnOnce(config.logger, diagnosis[0], diagnosis[1]);
      try {
        config.onLoginError?.({ code, cause, req });
      } catch (hookErr) {
        log(`onLoginError threw: ${hookErr instanceof Error ? hookErr.name : 'a non-error'}`);
      }
      sendLoginFailure(req, res, code, target(meta()));
    };
    const failWithError = (err: unknown): void => {
      const code = failureCodeOfError(err);
      if (code === undefined) return unexpected(err);
      log(`login failed (${code}): ${err instanceof Error ? err.message : String(err)}`);
      return fail(code, err);
    };
    if (typeof req.isAuthenticated !== 'function') {
      next(
        new StackExchangeError('stackExchangeAuth() needs passport.session() in front of it: app.use(session(...)); app.use(passport.session()); app.use(stackExchangeAuth({ strategy }))', {
          code: LoginErrorCode.PassportSessionMissing,
        }),
      );
      return;
    }

    // passport sets its per-request action functions on the object it is given: give it one per request.
    const perRequest = Object.create(strategy) as typeof strategy;
    const authenticate = config.passport.authenticate(perRequest, (err: unknown, user: Express.User | false | null, info: unknown) => {
      if (err) return failWithError(err);
      if (!user) return fail(failureCodeOfInfo(info), info);
      const tokens = tokensOf(info);
      if (tokens === undefined) return unexpected(new TypeError('stackExchangeAuth: the strategy gave no info.tokens; use StackExchangeStrategy'));
      return establishSession(req, user, tokens, (loginErr) => {
        // req.login's other errors include the app's serializeUser: they are the app's to handle.
        if (loginErr) return loginErr instanceof SessionStoreError ? failWithError(loginErr) : unexpected(loginErr);
        const loginMeta = meta();
        if (loginMeta.popup === true) {
          return void answerPopup(res, user, tokens, loginMeta, config).catch((popupErr: unknown) => failWithError(popupErr));
        }
        return res.redirect(303, safeReturnTo(loginMeta.returnTo, config.allowedReturnTo) ?? config.successRedirect);
      });
    }) as RequestHandler;
    authenticate(req, res, next);
  };
}
