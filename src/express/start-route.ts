import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StackExchangeAuthenticateOptions } from '../strategy/strategy.js';
import { rawQuery } from '../strategy/callback-query.js';
import { parseScope } from '../strategy/options.js';
import type { StackExchangeScope } from '../strategy/options.js';
import { failureCodeOfError, failureCodeOfInfo, sendLoginFailure } from './login-failure.js';
import type { FailureTarget } from './login-failure.js';
import type { ResolvedAuthOptions } from './router-options.js';
import { safeReturnTo } from './return-to.js';
import { warnOnce } from './diagnostics.js';

/**
 * True when the raw query string has a structured `scope[...]`: Express 4's `qs` parser turns it into
 * an array or object (refused below), Express 5's drops it; refusing it here answers both alike.
 */
function hasStructuredScope(req: Request): boolean {
  return [...rawQuery(req).keys()].some((key) => key.startsWith('scope['));
}

/** The scopes asked for with `?scope=`, or `undefined` when the value is malformed or not allowed. */
function requestedScopes(value: unknown, allowed: readonly StackExchangeScope[]): StackExchangeScope[] | undefined {
  if (value === undefined) return [];
  if (typeof value !== 'string') return undefined;
  let scopes: StackExchangeScope[];
  try {
    scopes = parseScope(value, 'scope');
  } catch {
    return undefined;
  }
  return scopes.every((scope) => allowed.includes(scope)) ? scopes : undefined;
}

/**
 * `GET {basePath}/start?returnTo=/path[&scope=read_inbox,no_expiry][&popup=1][&networkUsers=1]`:
 * starts a login with `passport.authenticate(strategy, { state: { returnTo, popup, networkUsers, scope }, scope })`.
 *
 * - `returnTo` is kept with this pending login only when {@link safeReturnTo} accepts it; otherwise
 *   it is ignored (the login then ends on `successRedirect`).
 * - `scope` adds scopes to the strategy's own; each must be in the router's `scopes` option, else the
 *   start fails with `bad_request`, as does a repeated or structured `scope` (`scope[]=`). OAuth callback
 *   parameters on the start are `bad_request` too.
 * - The strategy saves the session before redirecting (302 to Stack Exchange); when the store fails
 *   the answer is 503 and there is no redirect.
 */
export function startRoute(config: ResolvedAuthOptions): RequestHandler {
  const { strategy } = config;
  const callbackURL = new URL(strategy.settings.callbackURL);
  return function stackExchangeStart(req: Request, res: Response, next: NextFunction): void {
    // The session cookie set now belongs to the host the browser asked for: a callbackURL on another
    // host (127.0.0.1 against localhost) will not get it back, and the login fails invalid_state. Only a
    // line for the operator: behind a proxy that rewrites Host without X-Forwarded-Host (or without
    // Express's `trust proxy`), the start is not wrong. The cause key is fixed: forged Hosts write once.
    // Express's hostname is undefined for a request without a Host header (HTTP/1.0), whatever its type says.
    const host = req.hostname as string | undefined;
    if (host !== undefined && host !== callbackURL.hostname) {
      warnOnce(
        config.logger,
        'start-host',
        `a login started on host ${host.slice(0, 100)} but the strategy's callbackURL is on ${callbackURL.hostname}: the browser will not send this session's cookie there and the login will fail invalid_state. Open the app at ${callbackURL.origin}, or set callbackURL to the app's host (behind a proxy that rewrites Host, set Express's trust proxy and X-Forwarded-Host)`,
      );
    }
    const query = req.query as Record<string, unknown>;
    const popup = query['popup'] === '1';
    const target: FailureTarget = { failureRedirect: config.failureRedirect, origin: config.origin, popup };
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');

    const extra = hasStructuredScope(req) ? undefined : requestedScopes(query['scope'], config.scopes);
    // A start must not be taken for a callback: passport-oauth2 would treat `code`/`error` as one.
    if (extra === undefined || strategy.classifyRequest(req).kind !== 'start') {
      sendLoginFailure(req, res, 'bad_request', target);
      return;
    }
    const returnTo = safeReturnTo(query['returnTo'], config.allowedReturnTo);
    // A per-login scope replaces the strategy's in passport-oauth2: ask for both.
    const scope = extra.length > 0 ? [...new Set([...strategy.settings.scope, ...extra])] : undefined;
    const state = {
      ...(returnTo === undefined ? {} : { returnTo }),
      ...(popup ? { popup: true } : {}),
      ...(query['networkUsers'] === '1' ? { networkUsers: true } : {}),
    };

    const options: StackExchangeAuthenticateOptions = { state, ...(scope === undefined ? {} : { scope }) };
    // passport sets its per-request action functions on the object it is given: give it one per request.
    const authenticate = config.passport.authenticate(Object.create(strategy) as typeof strategy, options, (err: unknown, _user: unknown, info: unknown) => {
      // Only failures come back here: a successful start is the strategy's redirect.
      if (err) {
        const code = failureCodeOfError(err);
        if (code === undefined) return next(err);
        return sendLoginFailure(req, res, code, target);
      }
      return sendLoginFailure(req, res, failureCodeOfInfo(info), target);
    }) as RequestHandler;
    authenticate(req, res, next);
  };
}
