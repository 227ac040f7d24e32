import { StackExchangeError } from '../errors/stackexchange-error.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/**
 * The session store failed while a pending login was saved or consumed. `status` is 503 so that the
 * start of a login answers 503 instead of redirecting to Stack Exchange with an unsaved state.
 */
export class SessionStoreError extends StackExchangeError {
  declare readonly code: typeof LoginErrorCode.SessionStore;
  /** The HTTP status the application should answer with: 503. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: LoginErrorCode.SessionStore, cause: options.cause });
    this.status = 503;
    this.statusCode = 503;
  }
}

/** True when `value` is a {@link SessionStoreError}. */
export function isSessionStoreError(value: unknown): value is SessionStoreError {
  return value instanceof SessionStoreError;
}
