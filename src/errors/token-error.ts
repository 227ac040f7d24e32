import { StackExchangeError } from './stackexchange-error.js';

/** Stable codes of {@link TokenError}. */
export const TokenErrorCode = {
  /** The token endpoint did not answer within the timeout. */
  Timeout: 'TOKEN_TIMEOUT',
  /** The token endpoint could not be reached (DNS, refused connection, reset). */
  Network: 'TOKEN_NETWORK',
  /** Stack Exchange refused the exchange (`{"error":{"type","message"}}` or a form-encoded error). */
  Rejected: 'TOKEN_REJECTED',
  /** The endpoint answered with an unexpected HTTP status (5xx, a redirect, ...). */
  HttpStatus: 'TOKEN_HTTP_STATUS',
  /** The answer was not JSON or form-encoded as expected (an HTML page, garbage). */
  InvalidResponse: 'TOKEN_INVALID_RESPONSE',
  /** The answer had no string `access_token`. */
  MissingToken: 'TOKEN_MISSING',
} as const;

/** One of the values of {@link TokenErrorCode}. */
export type TokenErrorCode = (typeof TokenErrorCode)[keyof typeof TokenErrorCode];

/** Options of {@link TokenError}. */
export interface TokenErrorOptions {
  code: TokenErrorCode;
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The provider's error `type` (e.g. `invalid_request`), when it sent one. Untrusted text. */
  providerError?: string;
  cause?: unknown;
}

/**
 * The code-for-token exchange failed. Never retried by the package: a code is single use.
 *
 * `providerError` carries the provider's own error type for logging; it is untrusted and must not be
 * reflected into HTML.
 */
export class TokenError extends StackExchangeError {
  declare readonly code: TokenErrorCode;
  /** HTTP status of the token endpoint's answer, if any. */
  readonly status: number | undefined;
  /** The provider's error `type`, if it sent one. Untrusted. */
  readonly providerError: string | undefined;

  constructor(message: string, options: TokenErrorOptions) {
    super(message, options);
    this.status = options.status;
    this.providerError = options.providerError;
  }
}

/** True when `value` is a {@link TokenError}. */
export function isTokenError(value: unknown): value is TokenError {
  return value instanceof TokenError;
}
