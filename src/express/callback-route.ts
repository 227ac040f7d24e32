import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { StackExchangeClient } from '../api/client.js';
import { classifyCallback } from '../strategy/callback-query.js';
import { PENDING_LOGINS_KEY, pendingLoginsOf } from '../strategy/pending-logins.js';
import type { StackExchangeAuthInfo } from '../strategy/strategy.js';
import { logger } from '../util/debug.js';
import { failureCodeOfError, failureCodeOfInfo, sendLoginFailure } from './login-failure.js';
import type { FailureTarget } from './login-failure.js';
import { sendPopupPage } from './popup-page.js';
import { popupLoginResult } from './popup-result.js';
import type { RequestContext } from './request-context.js';
import { factsOrNext } from './request-context.js';
import { safeReturnTo } from './return-to.js';
import { sessionRecord, writeSessionTokens } from './session-tokens.js';
import type { SessionTokens, TokenSession } from './session-tokens.js';
import type { StrategyFacts } from './strategy-settings.js';

const log = logger('express');

/** The metadata the start route keeps with a pending login. */
interface LoginMeta {
  returnTo?: unknown;
  popup?: unknown;
  networkUsers?: unknown;
}

function asMeta(value: unknown): LoginMeta {
  return typeof value === 'object' && value !== null ? (value as LoginMeta) : {};
}

/**
 * The metadata of the pending login this callback completes, read before the strategy consumes it:
 * failures (refusal, token error) carry no `info.state`, yet a popup login must still be answered
 * with the popup page.
 */
function peekMeta(req: Request): LoginMeta {
  const state = (req.query as Record<string, unknown>)['state'];
  const pending = pendingLoginsOf(sessionRecord(req));
  if (typeof state !== 'string' || pending === undefined || !Object.hasOwn(pending, state)) return {};
  return asMeta((pending[state] as { meta?: unknown } | undefined)?.meta);
}

/** The tokens of `info.tokens` (the strategy fills `scope` with what this login asked for). */
function tokensOf(info: unknown): SessionTokens | undefined {
  const tokens = (info as Partial<StackExchangeAuthInfo> | undefined)?.tokens;
  if (typeof tokens !== 'object' || tokens === null || typeof tokens.accessToken !== 'string') return undefined;
  const scope = Array.isArray(tokens.scope) ? tokens.scope.filter((s): s is string => typeof s === 'string') : [];
  return { accessToken: tokens.accessToken, expiresAt: typeof tokens.expiresAt === 'number' ? tokens.expiresAt : null, scope };
}

/**
 * Logs the user in (passport regenerates the session: a new id), stores the tokens in the new
 * session and carries the other tabs' pending logins over, so that they can still complete.
 */
function establishSession(req: Request, user: Express.User, tokens: SessionTokens, done: (loginErr: unknown, saveErr: unknown) => void): void {
  const otherPending = pendingLoginsOf(sessionRecord(req));
  req.login(user, (loginErr: unknown) => {
    if (loginErr) return done(loginErr, null);
    const session = req.session as unknown as TokenSession;
    writeSessionTokens(session, tokens);
    if (otherPending !== undefined && Object.keys(otherPending).length > 0) session[PENDING_LOGINS_KEY] = { ...otherPending };
    req.session.save((saveErr: unknown) => done(null, saveErr));
  });
}

async function answerPopup(res: Response, user: Express.User, tokens: SessionTokens, meta: LoginMeta, facts: StrategyFacts): Promise<void> {
  const api = new StackExchangeClient({ ...facts.clientOptions, accessToken: tokens.accessToken });
  const message = await popupLoginResult(user, tokens, meta.networkUsers === true, api, facts.settings.site);
  sendPopupPage(res, 200, message, facts.origin);
}

/**
 * `GET {basePath}/callback`: completes a login with passport's custom-callback form.
 *
 * Success: `req.login` (new session id), tokens in `req.session.stackexchange`, then 303 to the
 * login's `returnTo` (checked again) or `successRedirect`; a popup login gets the popup page instead.
 * Failure: see `sendLoginFailure` (fixed codes, never the provider's text). Errors that are not the
 * package's (the app's `verify`, `serializeUser`) go to `next(err)`, or to the popup as `server_error`.
 * Always `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
 */
export function callbackRoute(context: RequestContext): RequestHandler {
  const { config } = context;
  return function stackExchangeCallback(req: Request, res: Response, next: NextFunction): void {
    const facts = factsOrNext(context, next);
    if (facts === undefined) return;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const peeked = peekMeta(req);
    const target = (meta: LoginMeta): FailureTarget => ({ failureRedirect: config.failureRedirect, origin: facts.origin, popup: meta.popup === true });
    // Without OAuth parameters passport-oauth2 would start a new login: a bare callback is a bad request.
    if (classifyCallback(req).kind === 'start') {
      sendLoginFailure(req, res, 'bad_request', target(peeked));
      return;
    }

    const unexpected = (err: unknown, meta: LoginMeta): void => {
      if (meta.popup !== true) return next(err);
      log(`popup login failed: ${err instanceof Error ? err.message : String(err)}`);
      return sendPopupPage(res, 500, { type: 'stackexchange:login', errorName: 'server_error', errorMessage: 'The login failed on the server' }, facts.origin);
    };
    const failWithError = (err: unknown, meta: LoginMeta): void => {
      const code = failureCodeOfError(err);
      if (code === undefined) return unexpected(err, meta);
      log(`login failed (${code}): ${err instanceof Error ? err.message : String(err)}`);
      return sendLoginFailure(req, res, code, target(meta));
    };

    const authenticate = config.passport.authenticate(config.strategy, (err: unknown, user: Express.User | false | null, info: unknown) => {
      if (err) return failWithError(err, peeked);
      if (!user) {
        const stateMeta = asMeta((info as { state?: unknown } | undefined)?.state);
        return sendLoginFailure(req, res, failureCodeOfInfo(info), target({ ...peeked, ...stateMeta }));
      }
      const meta = { ...peeked, ...asMeta((info as Partial<StackExchangeAuthInfo> | undefined)?.state) };
      const tokens = tokensOf(info);
      if (tokens === undefined) return unexpected(new TypeError('stackExchangeAuth: the strategy gave no info.tokens; use StackExchangeStrategy'), meta);
      return establishSession(req, user, tokens, (loginErr, sessionErr) => {
        // req.login's errors include the app's serializeUser: they are the app's to handle.
        if (loginErr) return unexpected(loginErr, meta);
        if (sessionErr) {
          log('the session could not be saved at login');
          return sendLoginFailure(req, res, 'temporarily_unavailable', target(meta));
        }
        if (meta.popup === true) {
          return void answerPopup(res, user, tokens, meta, facts).catch((popupErr: unknown) => failWithError(popupErr, meta));
        }
        return res.redirect(303, safeReturnTo(meta.returnTo, config.allowedReturnTo) ?? config.successRedirect);
      });
    }) as RequestHandler;
    authenticate(req, res, next);
  };
}
