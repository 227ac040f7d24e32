import { redact } from './redact.js';

/** How deep a chain of causes is copied; deeper links are dropped. */
const MAX_DEPTH = 3;

/**
 * A copy of a low-level error (fetch's `TypeError: fetch failed`, a socket error, an abort) that is
 * safe to attach as `cause`: only its name, redacted message, `code` and (recursively) cause are kept,
 * so logging the error with `util.inspect` or `JSON.stringify` cannot print a request URL, header or
 * token that the original carried in some property.
 */
export function safeCause(error: unknown, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redact(source.message));
  copy.name = source.name;
  if (typeof source.stack === 'string') copy.stack = redact(source.stack);
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  if (source.cause !== undefined && depth + 1 < MAX_DEPTH) {
    Object.defineProperty(copy, 'cause', { value: safeCause(source.cause, depth + 1), enumerable: false, writable: true, configurable: true });
  }
  return copy;
}

/**
 * The redacted message of the innermost cause of a low-level error, e.g. `connect ECONNREFUSED
 * 127.0.0.1:443` under fetch's uninformative `fetch failed`.
 */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  return redact(current instanceof Error ? current.message : String(current));
}
