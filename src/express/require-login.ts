import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { parseScope } from '../strategy/options.js';
import type { StackExchangeScope } from '../strategy/options.js';
import { routerOptionsOf, startURL } from './request-context.js';
import { safeReturnTo } from './return-to.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/** Options of {@link requireLogin}. */
export interface RequireLoginOptions {
  /**
   * Scopes the token must have, e.g. `['read_inbox']`. A logged-in user whose token lacks one gets 403
   * `{ error: 'insufficient_scope', login }` (the login URL asks for the scopes; list them in the
   * router's `scopes` option). Default: none.
   */
  scope?: readonly StackExchangeScope[] | string;
}

/** True for a browser navigation: a GET/HEAD that prefers HTML over JSON. */
function isHtmlNavigation(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.accepts(['json', 'html']) === 'html';
}

/**
 * Middleware that lets a request through only with a live Stack Exchange token in the session (see
 * `req.stackexchangeSession`). Otherwise:
 *
 * - HTML navigations (`Accept: text/html`, GET/HEAD) get a 302 to the start route, returning here;
 * - other requests get 401 `{ error: 'login_required', login: '<start URL with returnTo>' }`, or 403
 *   `{ error: 'insufficient_scope', login }` when the token lacks a scope of `options.scope`.
 *
 * Mount it after `stackExchangeAuth()`; without the router in front it passes a `StackExchangeError`
 * (`ROUTER_MISSING`) to `next`.
 *
 * @throws TypeError at creation when `options.scope` holds an unknown scope.
 */
export function requireLogin(options: RequireLoginOptions = {}): RequestHandler {
  let needed: StackExchangeScope[];
  try {
    needed = parseScope(options.scope, 'scope');
  } catch {
    throw new TypeError("requireLogin: options.scope must list Stack Exchange scopes (e.g. scope: ['read_inbox'])");
  }
  return function stackExchangeRequireLogin(req: Request, res: Response, next: NextFunction): void {
    const config = routerOptionsOf(req);
    if (config === undefined) {
      next(new StackExchangeError('requireLogin() needs app.use(stackExchangeAuth()) before it', { code: LoginErrorCode.RouterMissing }));
      return;
    }
    const session = req.stackexchangeSession;
    const missing = needed.filter((scope) => !session.scope.includes(scope));
    if (session.loggedIn && missing.length === 0) {
      next();
      return;
    }
    const { basePath, allowedReturnTo } = config;
    const login = startURL(basePath, safeReturnTo(req.originalUrl, allowedReturnTo), needed);
    res.setHeader('Cache-Control', 'no-store');
    if (isHtmlNavigation(req)) {
      res.redirect(302, login);
      return;
    }
    if (session.loggedIn) res.status(403).json({ error: 'insufficient_scope', login });
    else res.status(401).json({ error: 'login_required', login });
  };
}
