import { StackExchangeError } from './stackexchange-error.js';

/** Stable codes of {@link TokenError}: one code, one meaning. */
export const TokenErrorCode = {
  /** The token endpoint did not answer within the timeout. */
  Timeout: 'TOKEN_TIMEOUT',
  /** The token endpoint could not be reached (DNS, refused connection, reset). */
  Network: 'TOKEN_NETWORK',
  /** Stack Exchange refused the exchange (`{"error":{"type","message"}}`, RFC 6749's `{"error"}` or a form-encoded error). */
  Rejected: 'TOKEN_REJECTED',
  /** The endpoint answered with an unexpected HTTP status (5xx, a redirect, ...) and no OAuth error. */
  HttpStatus: 'TOKEN_HTTP_STATUS',
  /** The answer was not JSON or form-encoded as expected (an HTML page, garbage, a malformed `expires`). */
  InvalidResponse: 'TOKEN_INVALID_RESPONSE',
  /** The answer had no `access_token`. */
  MissingToken: 'TOKEN_MISSING',
  /** The answer's `access_token` is not 1–512 visible ASCII characters. */
  MalformedToken: 'TOKEN_MALFORMED',
  /** The answer was larger than 64 KiB; it was not read further. */
  TooLarge: 'TOKEN_TOO_LARGE',
  /** A refresh-token grant was asked for (e.g. by passport-oauth2-refresh): Stack Exchange issues no refresh tokens; nothing was sent. */
  RefreshUnsupported: 'TOKEN_REFRESH_UNSUPPORTED',
} as const;

/** One of the values of {@link TokenErrorCode}. */
export type TokenErrorCode = (typeof TokenErrorCode)[keyof typeof TokenErrorCode];

/** Options of {@link TokenError}. */
export interface TokenErrorOptions {
  code: TokenErrorCode;
  /** The HTTP status of the token endpoint's answer, when there was one. */
  providerStatus?: number;
  /** The provider's error `type` (e.g. `invalid_request`), when it sent one. Untrusted text. */
  providerError?: string;
  cause?: unknown;
}

/** The HTTP status an app should answer with for each {@link TokenErrorCode}. */
export const TOKEN_ERROR_STATUS: Readonly<Record<TokenErrorCode, number>> = Object.freeze({
  TOKEN_TIMEOUT: 504,
  TOKEN_NETWORK: 502,
  TOKEN_REJECTED: 502,
  TOKEN_HTTP_STATUS: 502,
  TOKEN_INVALID_RESPONSE: 502,
  TOKEN_MISSING: 502,
  TOKEN_MALFORMED: 502,
  TOKEN_TOO_LARGE: 502,
  // The app asked for something Stack Exchange does not offer: a server-side mistake, not the provider's.
  TOKEN_REFRESH_UNSUPPORTED: 501,
});

/**
 * The code-for-token exchange failed. Never retried by the package: a code is single use.
 *
 * `status` is the HTTP status the app should answer with ({@link TOKEN_ERROR_STATUS}: 504 for a
 * timeout, 501 for a refresh, 502 otherwise); the token endpoint's own status is `providerStatus`.
 * `providerError` carries the provider's error type for logging; it is untrusted and must not be
 * reflected into HTML.
 */
export class TokenError extends StackExchangeError {
  declare readonly code: TokenErrorCode;
  /** The HTTP status the application should answer with. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;
  /** The HTTP status of the token endpoint's answer, if there was one. */
  readonly providerStatus: number | undefined;
  /** The provider's error `type`, if it sent one. Untrusted. */
  readonly providerError: string | undefined;

  constructor(message: string, options: TokenErrorOptions) {
    super(message, options);
    this.status = TOKEN_ERROR_STATUS[options.code];
    this.statusCode = this.status;
    this.providerStatus = options.providerStatus;
    this.providerError = options.providerError;
  }
}

/** True when `value` is a {@link TokenError}. */
export function isTokenError(value: unknown): value is TokenError {
  return value instanceof TokenError;
}
