import type { StackExchangeApiError } from '../errors/api-error.js';
import { func, optional, parseOptions, passThrough, positiveNumber, type OptionRule } from '../util/options-schema.js';
import { userAgentOption } from '../util/user-agent.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { isApiLimits, sharedApiLimits, type ApiLimits } from './api-limits.js';
import { isResponseCache, sharedResponseCache, type ResponseCache } from './response-cache.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import type { Quota } from './types.js';
import { isSecureEndpoint, SECURE_ENDPOINT_RULE } from '../util/loopback.js';

/** The API root used when `apiURL` is not given. */
export const DEFAULT_API_URL = 'https://api.stackexchange.com/2.3';

/** Default of `maxResponseBytes`: 16 MiB of decompressed answer. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

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
  accessToken?: string | undefined;
  /** The site of per-site methods, e.g. `stackoverflow` or `math.stackexchange.com`. Default `stackoverflow`. */
  site?: string;
  /**
   * The API root. Default `https://api.stackexchange.com/2.3`. Must be an absolute https URL; plain
   * http is accepted only for loopback hosts (a sandbox), because the token travels in the query.
   */
  apiURL?: string;
  /** The app's own `User-Agent` product token, sent in front of the package's, e.g. `my-app/1.2`. */
  userAgent?: string;
  /**
   * A `fetch` to send requests with (tests, proxies, instrumentation). Default: `node:http`/`node:https`
   * over Node's global keep-alive agents, which costs about a third of the CPU of the global `fetch`.
   */
  fetch?: typeof fetch;
  /** Milliseconds to wait for one whole answer (at most 2147483647). Default 10000. */
  timeout?: number;
  /**
   * Milliseconds one call may take in all: waits for the limits, every request and every retry. Past it
   * the call fails with `NETWORK_DEADLINE` (status 503). Default 15000.
   */
  deadline?: number;
  /**
   * Longest wait, in milliseconds, for the 30 requests/s window, a `backoff` or a ban. A call that would
   * wait longer fails at once with {@link StackExchangeApiError} `API_THROTTLED` (429 with `Retry-After`)
   * instead of queueing. Default 10000.
   */
  maxWait?: number;
  /** Most bytes of decompressed answer read; a longer answer (or a gzip bomb) fails with `NETWORK_TOO_LARGE`. Default 16 MiB. */
  maxResponseBytes?: number;
  /** How many requests of one split vector call run at once (still inside the rate limit). Default 3. */
  concurrency?: number;
  /** How reads are retried (see {@link RetryOptions}); `false` disables retries. Writes are never retried. */
  retry?: RetryOptions | false;
  /**
   * The limits every request passes: the 30 requests/s window, backoffs, bans and the quota. Default:
   * the process-wide {@link MemoryApiLimits} of `apiURL`; {@link RedisApiLimits} to share them between
   * processes behind one address.
   */
  apiLimits?: ApiLimits;
  /**
   * Where answers of reads are kept for `cacheTTL`, so that identical reads within it are answered
   * without a request; `false` for none. Identical reads in flight always share one request. Default:
   * the process-wide {@link MemoryResponseCache} of `apiURL`.
   */
  cache?: ResponseCache | false;
  /** Milliseconds a read's answer is reused. Default 60000 (Stack Exchange: no identical request more than once a minute). */
  cacheTTL?: number;
  /**
   * Cancels every call of this client (besides each call's own `signal`): the router passes one that
   * aborts when the browser's request closes, so abandoned requests leave the queue. Default: none.
   */
  signal?: AbortSignal | undefined;
  /** Called whenever an answer carries `backoff`. Errors thrown by it are ignored. */
  onBackoff?: (event: BackoffEvent) => void;
  /** Called with the quota every answer from Stack Exchange reports. Errors thrown by it are ignored. */
  onQuota?: (quota: Quota) => void;
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
  /** The injected fetch; `undefined` sends with `node:http(s)`. */
  fetch: typeof fetch | undefined;
  timeout: number;
  deadline: number;
  maxWait: number;
  maxResponseBytes: number;
  concurrency: number;
  retry: ResolvedRetryOptions | false;
  apiLimits: ApiLimits;
  cache: ResponseCache | false;
  cacheTTL: number;
  signal: AbortSignal | undefined;
  onBackoff: ((event: BackoffEvent) => void) | undefined;
  onQuota: ((quota: Quota) => void) | undefined;
  onTokenRejected: ((error: StackExchangeApiError) => void | Promise<void>) | undefined;
}


const apiURLRule: OptionRule<string> = (value, fail) => {
  if (value === undefined) return DEFAULT_API_URL;
  const example = `'${DEFAULT_API_URL}'`;
  if (typeof value !== 'string') return fail('must be a string', example);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('must be an absolute URL', example);
  }
  if (!isSecureEndpoint(url)) fail(SECURE_ENDPOINT_RULE, example);
  if (url.search || url.hash || url.username || url.password) fail('must not carry a query, fragment or credentials', example);
  let href = url.href;
  while (href.endsWith('/')) href = href.slice(0, -1);
  return href;
};

const keyRule: OptionRule<string> = (value, fail) =>
  typeof value === 'string' && value.trim() !== '' ? value : fail('is required and must be a non-empty string', "'abc123(('");

const tokenRule: OptionRule<string | undefined> = (value, fail) => {
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : fail('must be a non-empty string when given', 'req.session.stackexchange.accessToken');
};

const siteRule: OptionRule<string> = (value, fail) => {
  if (value === undefined) return 'stackoverflow';
  return typeof value === 'string' && /^[A-Za-z0-9.-]+$/.test(value) ? value : fail('must be a site name or domain', "'stackoverflow'");
};

const retryRule: OptionRule<ResolvedRetryOptions | false> = (value, fail) => {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null)) return fail('must be an object or false', '{ retries: 3 }');
  return resolveRetryOptions(value);
};

const signalRule: OptionRule<AbortSignal | undefined> = (value, fail) => {
  if (value === undefined) return undefined;
  return value instanceof AbortSignal ? value : fail('must be an AbortSignal', 'controller.signal');
};

const cacheRule: OptionRule<ResponseCache | false | undefined> = (value, fail) => {
  if (value === undefined || value === false) return value;
  return isResponseCache(value) ? value : fail('must be a ResponseCache (MemoryResponseCache, RedisResponseCache) or false', 'new RedisResponseCache({ client })');
};

// Longer timers fire after 1 ms in Node: every call would time out at once.
const ms = (example: string): OptionRule<number> => positiveNumber(example, { max: MAX_TIMER_MS });

const SCHEMA = {
  key: keyRule,
  accessToken: tokenRule,
  site: siteRule,
  apiURL: apiURLRule,
  userAgent: optional(userAgentOption("'my-app/1.0'"), undefined),
  fetch: optional(func<typeof fetch>('globalThis.fetch'), undefined),
  timeout: optional(ms('10000'), 10_000),
  deadline: optional(ms('15000'), 15_000),
  maxWait: optional(positiveNumber('10000', { max: MAX_TIMER_MS, allowZero: true }), 10_000),
  maxResponseBytes: optional(positiveNumber('16777216', { integer: true }), DEFAULT_MAX_RESPONSE_BYTES),
  concurrency: optional(positiveNumber('3', { integer: true }), 3),
  retry: retryRule,
  apiLimits: optional(passThrough(isApiLimits, 'must be an ApiLimits (MemoryApiLimits, RedisApiLimits)', 'new RedisApiLimits({ client })'), undefined),
  cache: cacheRule,
  cacheTTL: optional(ms('60000'), 60_000),
  signal: signalRule,
  onBackoff: optional(func<(event: BackoffEvent) => void>('(event) => {}'), undefined),
  onQuota: optional(func<(quota: Quota) => void>('({ max, remaining }) => {}'), undefined),
  onTokenRejected: optional(func<(error: StackExchangeApiError) => void | Promise<void>>('(error) => {}'), undefined),
};

/**
 * Validates {@link StackExchangeClientOptions} and applies the defaults.
 *
 * @throws TypeError naming the option, with an example, when one is missing, malformed or unknown.
 */
export function resolveClientOptions(options: StackExchangeClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError("StackExchangeClient: options are required (e.g. { key: 'abc123((' })");
  const o = parseOptions('StackExchangeClient', options, SCHEMA, "{ key: 'abc123((' }");
  return {
    ...o,
    apiLimits: o.apiLimits ?? sharedApiLimits(o.apiURL),
    cache: o.cache ?? sharedResponseCache(o.apiURL),
  };
}
