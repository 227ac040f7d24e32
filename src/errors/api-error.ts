import { StackExchangeError } from './stackexchange-error.js';

/** Options of {@link StackExchangeApiError}. */
export interface StackExchangeApiErrorOptions {
  /** Stack Exchange's `error_id` (400–503). */
  errorId: number;
  /** Stack Exchange's `error_name`, e.g. `invalid_access_token`. */
  errorName: string;
  /** The API method (path template) that failed, e.g. `/users/{ids}`. */
  method: string;
  /** The HTTP status the API answered with (Stack Exchange uses 400 for every error). */
  httpStatus?: number;
  /** Seconds of `backoff` the answer carried, if any. */
  backoff?: number;
  cause?: unknown;
}

/**
 * The HTTP status an application should answer with for a Stack Exchange `error_id`:
 * 401 for a missing, invalid or compromised token (401, 402, 406), 403 for a missing scope, 429 for a
 * throttle violation (502), 503 when temporarily unavailable, 502 (bad gateway) for the rest.
 */
export function statusForErrorId(errorId: number): number {
  switch (errorId) {
    case 401:
    case 402:
    case 406:
      return 401;
    case 403:
      return 403;
    case 502:
      return 429;
    case 503:
      return 503;
    default:
      return 502;
  }
}

/**
 * Stack Exchange answered a call with an error wrapper (`error_id`, `error_name`, `error_message`).
 *
 * `status` is the HTTP status the application should answer with (see {@link statusForErrorId}), so
 * Express's default error handler does the right thing when the error reaches `next()`.
 */
export class StackExchangeApiError extends StackExchangeError {
  /** Stack Exchange's `error_id`. */
  readonly errorId: number;
  /** Stack Exchange's `error_name`. */
  readonly errorName: string;
  /** The HTTP status the application should answer with. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;
  /** The API method (path template) that failed. */
  readonly method: string;
  /** The HTTP status the API itself answered with. */
  readonly httpStatus: number | undefined;
  /** Seconds of `backoff` the answer carried, if any. */
  readonly backoff: number | undefined;

  constructor(message: string, options: StackExchangeApiErrorOptions) {
    super(message, { code: 'API_ERROR', cause: options.cause });
    this.errorId = options.errorId;
    this.errorName = options.errorName;
    this.status = statusForErrorId(options.errorId);
    this.statusCode = this.status;
    this.method = options.method;
    this.httpStatus = options.httpStatus;
    this.backoff = options.backoff;
  }

  /** True when the error means the access token is missing, invalid, expired, revoked or compromised. */
  get isTokenRejected(): boolean {
    return this.errorId === 401 || this.errorId === 402 || this.errorId === 406;
  }
}

/** True when `value` is a {@link StackExchangeApiError}. */
export function isStackExchangeApiError(value: unknown): value is StackExchangeApiError {
  return value instanceof StackExchangeApiError;
}
