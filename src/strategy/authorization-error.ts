import { StackExchangeError } from '../errors/stackexchange-error.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/** The OAuth 2.0 authorization error codes (RFC 6749 §4.1.2.1) that are kept; anything else is `unknown`. */
export const AUTHORIZATION_ERROR_TYPES = [
  'invalid_request',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
] as const;

/** One of {@link AUTHORIZATION_ERROR_TYPES}, or `unknown` for anything the provider made up. */
export type AuthorizationErrorType = (typeof AUTHORIZATION_ERROR_TYPES)[number] | 'unknown';

/**
 * Stack Exchange redirected back with an OAuth error other than `access_denied`. The provider's
 * `error` is untrusted: it is mapped to a fixed set ({@link AuthorizationErrorType}) and its
 * `error_description` is dropped, so nothing the provider wrote can be reflected into a page.
 *
 * `status` is 503 for `temporarily_unavailable` and `server_error`, 502 otherwise.
 */
export class StackExchangeAuthorizationError extends StackExchangeError {
  declare readonly code: typeof LoginErrorCode.AuthorizationError;
  /** The provider's error, mapped to a fixed set. */
  readonly providerError: AuthorizationErrorType;
  /** The HTTP status the application should answer with. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;

  constructor(providerError: unknown) {
    const type = (AUTHORIZATION_ERROR_TYPES as readonly unknown[]).includes(providerError)
      ? (providerError as AuthorizationErrorType)
      : 'unknown';
    super(`Stack Exchange refused the authorization request (${type})`, { code: LoginErrorCode.AuthorizationError });
    this.providerError = type;
    this.status = type === 'temporarily_unavailable' || type === 'server_error' ? 503 : 502;
    this.statusCode = this.status;
  }
}

/** True when `value` is a {@link StackExchangeAuthorizationError}. */
export function isStackExchangeAuthorizationError(value: unknown): value is StackExchangeAuthorizationError {
  return value instanceof StackExchangeAuthorizationError;
}
