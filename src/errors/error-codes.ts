import { ApiErrorCode } from './api-error.js';
import { NetworkErrorCode } from './network-error.js';
import { TOKEN_ERROR_STATUS, TokenErrorCode } from './token-error.js';

/** Stable codes of the login's errors that are not token, API or network errors. */
export const LoginErrorCode = {
  /** Stack Exchange redirected back with an OAuth error other than `access_denied` (`StackExchangeAuthorizationError`). */
  AuthorizationError: 'AUTHORIZATION_ERROR',
  /** The session store failed while a pending login or the login was saved (`SessionStoreError`). */
  SessionStore: 'SESSION_STORE',
  /** The Redis pending-login store failed (`PendingLoginStoreError`). */
  PendingLoginStore: 'PENDING_LOGIN_STORE',
  /** The default pending-login store found no `req.session`: express-session is missing. */
  SessionRequired: 'SESSION_REQUIRED',
  /** The user has no account on the site nor on the network. */
  NoAccount: 'NO_ACCOUNT',
  /** Loading the profile failed for a reason that is not an API or network error. */
  Profile: 'PROFILE_ERROR',
  /** `requireLogin()` ran without `stackExchangeAuth()` in front. */
  RouterMissing: 'ROUTER_MISSING',
  /** A login completed on a request that `passport.session()` (or `passport.initialize()`) never saw. */
  PassportSessionMissing: 'PASSPORT_SESSION_MISSING',
} as const;

/** One of the values of {@link LoginErrorCode}. */
export type LoginErrorCode = (typeof LoginErrorCode)[keyof typeof LoginErrorCode];

const TOKEN_MEANINGS: Readonly<Record<TokenErrorCode, string>> = {
  TOKEN_TIMEOUT: 'The token endpoint did not answer within the timeout',
  TOKEN_NETWORK: 'The token endpoint could not be reached',
  TOKEN_REJECTED: 'The token endpoint refused the code (an OAuth error answer)',
  TOKEN_HTTP_STATUS: 'The token endpoint answered another status than 200 without an OAuth error',
  TOKEN_INVALID_RESPONSE: 'The answer was not JSON or form fields as expected',
  TOKEN_MISSING: 'The answer had no access_token',
  TOKEN_MALFORMED: 'The access_token is not 1-512 visible ASCII characters',
  TOKEN_TOO_LARGE: 'The answer was larger than 64 KiB (not read further)',
  TOKEN_REFRESH_UNSUPPORTED: 'A refresh was asked for: Stack Exchange issues no refresh tokens (nothing sent)',
};

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  code: string;
  /** The error class that carries it. */
  errorClass: string;
  /** The HTTP status the app should answer with (`status`), or a note when it depends. */
  status: number | string;
  /** What it means. */
  meaning: string;
}

/**
 * Every `code` of the login path and the API client, with its class, its `status` and its meaning:
 * the table the docs show. One code, one meaning.
 */
export const ERROR_CODES: readonly ErrorCodeInfo[] = Object.freeze([
  ...Object.values(TokenErrorCode).map((code) => ({ code, errorClass: 'TokenError', status: TOKEN_ERROR_STATUS[code], meaning: TOKEN_MEANINGS[code] })),
  { code: ApiErrorCode.Api, errorClass: 'StackExchangeApiError', status: '401/403/429/502/503 by error_id', meaning: 'Stack Exchange answered with an error wrapper' },
  { code: ApiErrorCode.Throttled, errorClass: 'StackExchangeApiError', status: 429, meaning: 'Refused without sending: a ban, a backoff or a wait longer than maxWait or past the deadline' },
  { code: ApiErrorCode.QuotaExhausted, errorClass: 'StackExchangeApiError', status: 429, meaning: "Refused without sending: the day's quota is used up" },
  { code: NetworkErrorCode.Timeout, errorClass: 'StackExchangeNetworkError', status: 503, meaning: 'No answer within the timeout' },
  { code: NetworkErrorCode.Failed, errorClass: 'StackExchangeNetworkError', status: '503 unreachable, 502 unreadable', meaning: 'The connection failed or the answer was unreadable' },
  { code: NetworkErrorCode.TooLarge, errorClass: 'StackExchangeNetworkError', status: 502, meaning: 'The answer passed maxResponseBytes' },
  { code: NetworkErrorCode.Deadline, errorClass: 'StackExchangeNetworkError', status: 503, meaning: "The call's overall deadline passed" },
  { code: NetworkErrorCode.LimitsUnavailable, errorClass: 'StackExchangeNetworkError', status: 503, meaning: "The shared limits' store could not be reached" },
  { code: LoginErrorCode.AuthorizationError, errorClass: 'StackExchangeAuthorizationError', status: '503 server_error/temporarily_unavailable, else 502', meaning: 'Stack Exchange refused the authorization request' },
  { code: LoginErrorCode.SessionStore, errorClass: 'SessionStoreError', status: 503, meaning: 'The session store failed during a login' },
  { code: LoginErrorCode.PendingLoginStore, errorClass: 'PendingLoginStoreError', status: 503, meaning: 'The Redis pending-login store failed' },
  { code: LoginErrorCode.SessionRequired, errorClass: 'StackExchangeError', status: 500, meaning: 'No session middleware in front of passport' },
  { code: LoginErrorCode.NoAccount, errorClass: 'StackExchangeError', status: 500, meaning: 'The user has no account on the site nor on the network' },
  { code: LoginErrorCode.Profile, errorClass: 'StackExchangeError', status: 500, meaning: 'Loading the profile failed otherwise' },
  { code: LoginErrorCode.RouterMissing, errorClass: 'StackExchangeError', status: 500, meaning: 'requireLogin() without stackExchangeAuth() in front' },
  { code: LoginErrorCode.PassportSessionMissing, errorClass: 'StackExchangeError', status: 500, meaning: 'stackExchangeAuth() mounted without passport.session() in front' },
]);
