import { StackExchangeError } from './stackexchange-error.js';

/** Stable codes of {@link StackExchangeNetworkError}. */
export const NetworkErrorCode = {
  /** No answer within the configured timeout. */
  Timeout: 'NETWORK_TIMEOUT',
  /** The connection failed, or the answer could not be read or parsed. */
  Failed: 'NETWORK_FAILED',
  /** The decompressed answer passed `maxResponseBytes` (a huge answer or a gzip bomb); nothing more was read. */
  TooLarge: 'NETWORK_TOO_LARGE',
  /** The call's overall `deadline` (retries and waits included) passed before it had an answer. */
  Deadline: 'NETWORK_DEADLINE',
  /** The shared limits' store (Redis) could not be reached: nothing was sent (status 503). */
  LimitsUnavailable: 'LIMITS_UNAVAILABLE',
} as const;

/** One of the values of {@link NetworkErrorCode}. */
export type NetworkErrorCode = (typeof NetworkErrorCode)[keyof typeof NetworkErrorCode];

/** Options of {@link StackExchangeNetworkError}. */
export interface StackExchangeNetworkErrorOptions {
  code: NetworkErrorCode;
  /** The API method (path template) being called. */
  method: string;
  /** The HTTP status the application should answer with: 503 (the default) when the API could not be reached, 502 for an unreadable answer. */
  status?: 502 | 503;
  cause?: unknown;
}

/**
 * A call to the Stack Exchange API did not produce an answer: timeout, the call's deadline, refused or
 * reset connection, a body that is not the API's JSON or is over `maxResponseBytes`, or the store of
 * shared limits is unreachable (see {@link NetworkErrorCode}). `status` is 503 when the API could not be reached or timed out,
 * 502 for an unreadable answer, so Express answers sensibly.
 */
export class StackExchangeNetworkError extends StackExchangeError {
  declare readonly code: NetworkErrorCode;
  /** The API method (path template) being called. */
  readonly method: string;
  /** The HTTP status the application should answer with. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;

  constructor(message: string, options: StackExchangeNetworkErrorOptions) {
    super(message, options);
    this.method = options.method;
    this.status = options.status ?? 503;
    this.statusCode = this.status;
  }
}

/** True when `value` is a {@link StackExchangeNetworkError}. */
export function isStackExchangeNetworkError(value: unknown): value is StackExchangeNetworkError {
  return value instanceof StackExchangeNetworkError;
}
