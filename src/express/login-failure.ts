import type { Request, Response } from 'express';
import { isStackExchangeError } from '../errors/stackexchange-error.js';
import { isTokenError } from '../errors/token-error.js';
import { POPUP_MESSAGE_TYPE, sendPopupPage } from './popup-page.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/**
 * Why a login failed, as the router reports it (`?error=`, JSON `{ error }`, popup `errorName`). A
 * fixed set: nothing the provider wrote is ever passed on.
 *
 * - `access_denied`: the person declined (or the app's `verify` refused the user);
 * - `invalid_state`: missing, unknown, expired or replayed login;
 * - `bad_request`: malformed callback or start parameters (e.g. a scope not allowed);
 * - `token_error`: the code exchange or the authorization failed at Stack Exchange;
 * - `profile_error`: the token was issued but the profile could not be loaded (e.g. the API refused the key);
 * - `temporarily_unavailable`: the session or pending-login store failed (HTTP 503, never a redirect).
 */
export type LoginFailureCode = 'access_denied' | 'invalid_state' | 'bad_request' | 'token_error' | 'profile_error' | 'temporarily_unavailable';

/** The HTTP status of each failure code in JSON answers and popup pages. */
export const LOGIN_FAILURE_STATUS: Readonly<Record<LoginFailureCode, number>> = Object.freeze({
  access_denied: 403,
  // The strategy's own fail() status for a refused state (as passport-oauth2's): one status everywhere.
  invalid_state: 403,
  bad_request: 400,
  token_error: 502,
  profile_error: 502,
  temporarily_unavailable: 503,
});

/** The popup's `errorMessage` for `server_error`: a failure that is the app's, not a login failure code. */
export const SERVER_ERROR_MESSAGE = 'The login failed on the server';

/** The fixed, human-readable text of each failure code (popup `errorMessage`). */
export const LOGIN_FAILURE_MESSAGE: Readonly<Record<LoginFailureCode, string>> = Object.freeze({
  access_denied: 'You declined access',
  invalid_state: 'The login expired or was already used; please try again',
  bad_request: 'The login request was malformed',
  token_error: 'Stack Exchange could not complete the login; please try again',
  profile_error: 'Your Stack Exchange profile could not be loaded; please try again',
  temporarily_unavailable: 'The login could not be saved; please try again in a moment',
});

const FAILURE_CODES = new Set<string>(['access_denied', 'invalid_state', 'bad_request']);

/** The failure code of passport's `fail` info from the strategy (`{ code, message }`) or the app's `verify`. */
export function failureCodeOfInfo(info: unknown): LoginFailureCode {
  const code = typeof info === 'object' && info !== null ? (info as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && FAILURE_CODES.has(code)) return code as LoginFailureCode;
  // Any other refusal comes from the app's `verify` (`done(null, false)`): the user may not log in.
  return 'access_denied';
}

/**
 * The failure code of an error passed to passport's `error`, or `undefined` for errors that are not the
 * package's (the app's own `verify`/`serializeUser` failures), which go to the app's error handler.
 */
export function failureCodeOfError(err: unknown): LoginFailureCode | undefined {
  if (!isStackExchangeError(err)) return undefined;
  if (err.code === LoginErrorCode.SessionStore || err.code === LoginErrorCode.PendingLoginStore) return 'temporarily_unavailable';
  if (err.code === LoginErrorCode.SessionRequired || err.code === LoginErrorCode.PassportSessionMissing) return undefined;
  if (isTokenError(err) || err.code === LoginErrorCode.AuthorizationError) return 'token_error';
  // The token was issued: what failed is the profile (API, network, no account).
  return 'profile_error';
}

/** Where and how a failure is answered. */
export interface FailureTarget {
  /** `failureRedirect`: `?error=<code>` is added to it. */
  failureRedirect: string;
  /** The app's origin, the popup page's only `postMessage` target. */
  origin: string;
  /** Whether the login runs in a popup (answered with the popup page). */
  popup: boolean;
}

/** `failureRedirect` with `error=<code>` added to its query. */
export function failureLocation(failureRedirect: string, code: LoginFailureCode): string {
  const hash = failureRedirect.indexOf('#');
  const base = hash === -1 ? failureRedirect : failureRedirect.slice(0, hash);
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}error=${code}`;
}

/**
 * Answers a failed login: the popup page posting `{ errorName, errorMessage }` for popup logins; JSON
 * `{ error: code }` with the code's status for `Accept: application/json`; a 503 text for
 * `temporarily_unavailable` (never a redirect: the login was not saved); otherwise 303 to
 * `failureRedirect?error=<code>`. Not cacheable, no referrer.
 */
export function sendLoginFailure(req: Request, res: Response, code: LoginFailureCode, target: FailureTarget): void {
  const status = LOGIN_FAILURE_STATUS[code];
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (target.popup) {
    sendPopupPage(res, status, { type: POPUP_MESSAGE_TYPE, errorName: code, errorMessage: LOGIN_FAILURE_MESSAGE[code] }, target.origin);
    return;
  }
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(status).json({ error: code });
    return;
  }
  if (code === 'temporarily_unavailable') {
    res.status(status).type('text/plain').send(LOGIN_FAILURE_MESSAGE[code]);
    return;
  }
  res.redirect(303, failureLocation(target.failureRedirect, code));
}
