import { redact } from '../util/redact.js';

/** Options shared by every error class of the package. */
export interface StackExchangeErrorOptions {
  /** The stable machine-readable code of the error. */
  code: string;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/**
 * Base class of every error the package throws or passes to `next()`.
 *
 * `code` is stable across releases and is what applications should branch on; `message` is for
 * people. Messages are redacted at construction: `access_token`, `key`, `client_secret`, `code` and
 * `code_verifier` values never appear in them.
 */
export class StackExchangeError extends Error {
  /** Stable machine-readable code, e.g. `TOKEN_TIMEOUT` or `API_ERROR`. */
  readonly code: string;

  constructor(message: string, options: StackExchangeErrorOptions) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** True when `value` is an error thrown by this package. */
export function isStackExchangeError(value: unknown): value is StackExchangeError {
  return value instanceof StackExchangeError;
}
