import type { StackExchangeApiError } from '../errors/api-error.js';
import { optionFailure, type OptionFailure } from '../util/option-error.js';
import { BackoffRegistry } from './backoff-registry.js';
import { RateLimiter } from './rate-limiter.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import { sharedBackoffRegistry, sharedRateLimiter } from './shared-limits.js';
import { MAX_TIMER_MS } from '../util/timers.js';

/** The API root used when `apiURL` is not given. */
export const DEFAULT_API_URL = 'https://api.stackexchange.com/2.3';

/** What {@link StackExchangeClientOptions.onBackoff} is told when Stack Exchange asks to back off. */
export interface BackoffEvent {
  /** The method family that must wait, e.g. `/users/{ids}` (also for calls to `/me`). */
  method: string;
  /** Seconds to wait, as Stack Exchange sent them. */
  seconds: number;
}

/** Options of {@link StackExchangeClient}. */
export interface StackExchangeClientOptions {
  /** The app's API key (not secret, but redacted from errors and logs). Required. */
  key: string;
  /** The user's access token; sent as `access_token` on every call. Default: none (anonymous calls). */
  accessToken?: string;
  /** The site of per-site methods, e.g. `stackoverflow` or `math.stackexchange.com`. Default `stackoverflow`. */
  site?: string;
  /**
   * The API root. Default `https://api.stackexchange.com/2.3`. Must be an absolute https URL; plain
   * http is accepted only for loopback hosts (a sandbox), because the token travels in the query.
   */
  apiURL?: string;
  /** The app's own `User-Agent` product token, sent in front of the package's, e.g. `my-app/1.2`. */
  userAgent?: string;
  /** The fetch implementation. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds to wait for one whole answer (at most 2147483647). Default 10000. */
  timeout?: number;
  /** How many requests of one split vector call run at once (still inside the rate limit). Default 3. */
  concurrency?: number;
  /** How reads are retried (see {@link RetryOptions}); `false` disables retries. Writes are never retried. */
  retry?: RetryOptions | false;
  /** The limiter to queue requests on. Default: the process-wide one for `apiURL` (30 requests/s). */
  rateLimiter?: RateLimiter;
  /** Where `backoff` is remembered. Default: the process-wide registry for `apiURL`. */
  backoffRegistry?: BackoffRegistry;
  /** Called whenever an answer carries `backoff`. Errors thrown by it are ignored. */
  onBackoff?: (event: BackoffEvent) => void;
  /**
   * Called (and awaited) when the API rejects the client's access token (error 401, 402 or 406),
   * before the error is thrown. The router uses it to drop the session's token. Errors thrown by it are
   * ignored.
   */
  onTokenRejected?: (error: StackExchangeApiError) => void | Promise<void>;
}

/** {@link StackExchangeClientOptions} validated, with defaults applied. */
export interface ResolvedClientOptions {
  key: string;
  accessToken: string | undefined;
  site: string;
  apiURL: string;
  userAgent: string | undefined;
  fetch: typeof fetch;
  timeout: number;
  concurrency: number;
  retry: ResolvedRetryOptions | false;
  rateLimiter: RateLimiter;
  backoffRegistry: BackoffRegistry;
  onBackoff: ((event: BackoffEvent) => void) | undefined;
  onTokenRejected: ((error: StackExchangeApiError) => void | Promise<void>) | undefined;
}


const fail: OptionFailure = optionFailure('StackExchangeClient');

const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);

function resolveApiURL(value: unknown): string {
  if (value === undefined) return DEFAULT_API_URL;
  const example = `'${DEFAULT_API_URL}'`;
  if (typeof value !== 'string') return fail('apiURL', 'must be a string', example);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('apiURL', 'must be an absolute URL', example);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    fail('apiURL', 'must be an https URL (plain http only on a loopback host)', example);
  }
  if (url.search || url.hash || url.username || url.password) fail('apiURL', 'must not carry a query, fragment or credentials', example);
  return url.href.replace(/\/+$/, '');
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') fail(name, 'must be a function', '(event) => {}');
  return value;
}

/**
 * Validates {@link StackExchangeClientOptions} and applies the defaults.
 *
 * @throws TypeError naming the option, with an example, when one is missing or malformed.
 */
export function resolveClientOptions(options: StackExchangeClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError("StackExchangeClient: options are required (e.g. { key: 'abc123((' })");
  const { key, accessToken, site = 'stackoverflow', userAgent, timeout = 10_000, concurrency = 3 } = options;
  if (typeof key !== 'string' || key.trim() === '') fail('key', 'is required and must be a non-empty string', "'abc123(('");
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken.trim() === '')) {
    fail('accessToken', 'must be a non-empty string when given', "req.session.stackexchange.accessToken");
  }
  if (typeof site !== 'string' || !/^[A-Za-z0-9.-]+$/.test(site)) fail('site', 'must be a site name or domain', "'stackoverflow'");
  if (userAgent !== undefined && (typeof userAgent !== 'string' || /[\r\n]/.test(userAgent))) fail('userAgent', 'must be a single-line string', "'my-app/1.0'");
  // Longer timers fire after 1 ms in Node: every call would time out at once.
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMER_MS) {
    fail('timeout', `must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`, '10000');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) fail('concurrency', 'must be a positive integer', '3');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch', 'must be a fetch function', 'globalThis.fetch');
  if (options.rateLimiter !== undefined && !(options.rateLimiter instanceof RateLimiter)) fail('rateLimiter', 'must be a RateLimiter', 'new RateLimiter({ maxRequests: 10 })');
  if (options.backoffRegistry !== undefined && !(options.backoffRegistry instanceof BackoffRegistry)) {
    fail('backoffRegistry', 'must be a BackoffRegistry', 'new BackoffRegistry()');
  }
  if (options.retry !== undefined && options.retry !== false && (typeof options.retry !== 'object' || options.retry === null)) {
    fail('retry', 'must be an object or false', '{ retries: 3 }');
  }
  const apiURL = resolveApiURL(options.apiURL);
  return {
    key,
    accessToken,
    site,
    apiURL,
    userAgent,
    fetch: fetchImpl,
    timeout,
    concurrency,
    retry: options.retry === false ? false : resolveRetryOptions(options.retry),
    rateLimiter: options.rateLimiter ?? sharedRateLimiter(apiURL),
    backoffRegistry: options.backoffRegistry ?? sharedBackoffRegistry(apiURL),
    onBackoff: optionalFunction('onBackoff', options.onBackoff),
    onTokenRejected: optionalFunction('onTokenRejected', options.onTokenRejected),
  };
}
