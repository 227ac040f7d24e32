import { StackExchangeError } from './stackexchange-error.js';

/** Stable codes of {@link StackExchangeApiError}. */
export const ApiErrorCode = {
  /** Stack Exchange answered with an error wrapper (`error_id`, `error_name`, `error_message`). */
  Api: 'API_ERROR',
  /**
   * Refused by the client without sending: a throttle ban on the API root, a `backoff` on the method,
   * or a wait for the 30 requests/s window longer than `maxWait`. Carries `retryAfter`.
   */
  Throttled: 'API_THROTTLED',
  /** Refused by the client without sending: the day's quota is used up (until the next UTC midnight). */
  QuotaExhausted: 'QUOTA_EXHAUSTED',
} as const;

/** One of the values of {@link ApiErrorCode}. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

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
  /** Default `API_ERROR`; the client's own refusals use `API_THROTTLED` and `QUOTA_EXHAUSTED`. */
  code?: ApiErrorCode;
  /** Seconds until the call may succeed (a ban, a backoff, the quota's reset); sets `Retry-After`. */
  retryAfter?: number;
  /** The HTTP status the application should answer with. Default: from `errorId` ({@link statusForErrorId}). */
  status?: number;
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
 * Express's default error handler does the right thing when the error reaches `next()`. When the call
 * may succeed after a known time (a throttle ban, a `backoff`, the quota), `retryAfter` holds it in
 * seconds and `headers` is `{ 'Retry-After': String(retryAfter) }`, the http-errors convention that
 * Express's final handler sends.
 *
 * `code` tells who refused: `API_ERROR` Stack Exchange, `API_THROTTLED` and `QUOTA_EXHAUSTED` the
 * client itself, before sending anything (see {@link ApiErrorCode}).
 */
export class StackExchangeApiError extends StackExchangeError {
  declare readonly code: ApiErrorCode;
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
  /** Seconds until the call may succeed, when known (a ban, a backoff, the quota's reset). */
  readonly retryAfter: number | undefined;
  /** Response headers for the application's answer: `Retry-After` when `retryAfter` is known. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(message: string, options: StackExchangeApiErrorOptions) {
    super(message, { code: options.code ?? ApiErrorCode.Api, cause: options.cause });
    this.errorId = options.errorId;
    this.errorName = options.errorName;
    this.status = options.status ?? statusForErrorId(options.errorId);
    this.retryAfter = options.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfter));
    this.headers = this.retryAfter === undefined ? undefined : { 'Retry-After': String(this.retryAfter) };
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
