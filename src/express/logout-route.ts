import type { CookieOptions, NextFunction, Request, RequestHandler, Response } from 'express';
import { StackExchangeClient } from '../api/client.js';
import { logger } from '../util/debug.js';
import { isSameOriginRequest } from './origin-check.js';
import type { ResolvedAuthOptions } from './router-options.js';
import { readSessionTokens, sessionRecord } from './session-tokens.js';

const log = logger('express');

function wantsJSON(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * Revokes the token at Stack Exchange (`/access-tokens/{t}/invalidate`), giving up after `timeout` ms
 * (the call is cancelled, wherever it waits). Never throws: a failure is logged (without the token) and
 * the logout goes on.
 */
async function revoke(token: string, config: ResolvedAuthOptions, timeout: number): Promise<void> {
  const signal = AbortSignal.timeout(timeout);
  try {
    const client = new StackExchangeClient({ ...config.clientOptions, accessToken: token, timeout, retry: false });
    await client.invalidateToken(undefined, { signal });
  } catch (err) {
    if (signal.aborted) log(`token revocation at logout gave up after ${timeout} ms`);
    else log(`token revocation at logout failed: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
  }
}

const PREFIXED = /^__(?:Host|Secure)-/;

/**
 * The attributes the session cookie was set with, for the clearing `Set-Cookie`: a browser only
 * replaces a cookie of the same name, path and domain, and refuses a `__Host-`/`__Secure-` cookie
 * (even an expired one) without `Secure`.
 */
function clearingOptions(req: Request, cookieName: string): CookieOptions {
  const cookie = req.session?.cookie;
  const secure = cookie?.secure === true || (cookie?.secure === 'auto' && req.secure) || PREFIXED.test(cookieName);
  const sameSite = cookie?.sameSite;
  return {
    path: cookieName.startsWith('__Host-') ? '/' : (cookie?.path ?? '/'),
    ...(typeof cookie?.domain === 'string' && !cookieName.startsWith('__Host-') ? { domain: cookie.domain } : {}),
    ...(secure ? { secure: true } : {}),
    httpOnly: cookie?.httpOnly ?? true,
    ...(sameSite === undefined ? {} : { sameSite }),
  };
}

function logOutAndDestroy(req: Request, done: (err: unknown) => void): void {
  if (!req.session) return done(null);
  // Without passport's session middleware in front there is no `req.logout` and no passport login to undo.
  if (typeof req.logout !== 'function') {
    req.session.destroy((destroyErr: unknown) => done(destroyErr));
    return;
  }
  // passport's logout saves and regenerates the session; the regenerated one is then destroyed too.
  return req.logout((logoutErr: unknown) => {
    if (logoutErr) return done(logoutErr);
    if (!req.session) return done(null);
    return req.session.destroy((destroyErr: unknown) => done(destroyErr));
  });
}

/**
 * `{basePath}/logout`, POST only (any other method: 405 with `Allow: POST`), and only from the app's
 * own origin (`Origin`, else `Referer`; otherwise 403 `{ error: 'forbidden_origin' }`).
 *
 * Revokes the token at Stack Exchange (bounded by `logoutTimeout`; a failure is logged without the
 * token and does not stop the logout), logs out of passport, destroys the session, clears the session
 * cookie with the attributes it was set with (`Secure`, `Path`, `Domain`, `SameSite`; `__Host-` and
 * `__Secure-` names always `Secure`), then answers 303 to `logoutRedirect` (204 for `Accept: application/json`).
 */
export function logoutRoute(config: ResolvedAuthOptions): RequestHandler {
  return function stackExchangeLogout(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      res.status(405).json({ error: 'method_not_allowed' });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (!isSameOriginRequest(req.headers, config.origin)) {
      res.status(403).json({ error: 'forbidden_origin' });
      return;
    }
    const token = readSessionTokens(sessionRecord(req))?.accessToken;
    const cookieOptions = clearingOptions(req, config.cookieName);
    const revoked = token === undefined ? Promise.resolve() : revoke(token, config, config.logoutTimeout);
    revoked
      .then(() =>
        logOutAndDestroy(req, (err) => {
          if (err) {
            next(err);
            return;
          }
          res.clearCookie(config.cookieName, cookieOptions);
          if (wantsJSON(req)) res.status(204).end();
          else res.redirect(303, config.logoutRedirect);
        }),
      )
      // A throw on the way (a session middleware that misbehaves) must reach Express, not become an unhandled rejection.
      .catch(next);
  };
}
