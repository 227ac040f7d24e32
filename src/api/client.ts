import { StackExchangeApiError } from '../errors/api-error.js';
import { logger } from '../util/debug.js';
import { redact } from '../util/redact.js';
import { userAgent } from '../util/user-agent.js';
import { callSignal, type CallOptions } from './call-options.js';
import { resolveClientOptions, type ResolvedClientOptions, type StackExchangeClientOptions } from './client-options.js';
import { sendRequest, type HttpAnswer } from './http.js';
import { mapConcurrent } from './map-concurrent.js';
import { appendParams, type RequestParams } from './params.js';
import { parseResponse } from './parse-response.js';
import { fillPath, isNetworkWide, methodFamily, type FilledPath } from './path-template.js';
import type { ReleaseSlot } from './rate-limiter.js';
import { withRetry } from './retry.js';
import type { AccessTokenInfo, ApiResponse, Quota } from './types.js';

const log = logger('api');

/** Params of {@link StackExchangeClient.paginate}: the call's params plus where to start and stop. */
export type PaginateParams = RequestParams & {
  /** The first page to fetch. Default 1. */
  page?: number;
  /** Stop after this many pages even when `has_more` is still true. Default: no limit. */
  maxPages?: number;
};

interface SendOptions {
  /** Send the client's `access_token` with the request. */
  sendToken: boolean;
  /** The answer speaks about the client's own token (for `onTokenRejected`). */
  ownToken: boolean;
  /** The caller's abort signal. */
  signal: AbortSignal | undefined;
}

// Params the client sets itself; taking them from params would bypass the constructor's checks.
const RESERVED = ['key', 'access_token'] as const;

/**
 * Merges the answers of a vector call split into several requests: items in request order, `hasMore`
 * when any part has more, the lowest `quotaRemaining` (the latest), the longest `backoff`, and the last
 * part's wrapper as `raw`.
 */
function mergeAnswers<T>(parts: ApiResponse<T>[]): ApiResponse<T> {
  const last = parts[parts.length - 1] as ApiResponse<T>;
  const backoffs = parts.flatMap((p) => (p.backoff === undefined ? [] : [p.backoff]));
  return {
    items: parts.flatMap((p) => p.items),
    hasMore: parts.some((p) => p.hasMore),
    quotaMax: last.quotaMax,
    quotaRemaining: Math.min(...parts.map((p) => p.quotaRemaining)),
    ...(backoffs.length === 0 ? {} : { backoff: Math.max(...backoffs) }),
    raw: last.raw,
  };
}

/**
 * A typed client of the Stack Exchange API v2.3 that keeps Stack Exchange's rate-limit contract:
 *
 * - `backoff` is honoured per method family (`/me` counts as `/users/{ids}`): later calls of the family
 *   wait until it has passed, they do not fail;
 * - at most 30 requests per rolling second in the whole process by default, counted from when each
 *   answer arrived (calls queue, never drop), shared by every client for the same `apiURL`;
 * - vectors over 100 ids (20 tokens) are split into several requests, run a few at a time;
 * - reads (GET) are retried on network errors, timeouts, `internal_error` and
 *   `temporarily_unavailable` with exponential, jittered delays; writes and `throttle_violation` never.
 *
 * Every method takes an optional last argument `{ signal }` ({@link CallOptions}) to cancel the call,
 * wherever it is waiting.
 *
 * Clients are cheap: create one per request with the user's token. The key and token are kept in
 * private fields, so logging the client does not print them.
 *
 * @throws TypeError from the constructor when an option is missing or malformed (the message names it).
 */
export class StackExchangeClient {
  readonly #options: ResolvedClientOptions;
  readonly #userAgent: string;
  #quota: Quota | undefined;

  constructor(options: StackExchangeClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#userAgent = userAgent(this.#options.userAgent);
  }

  /** The site per-site methods are called on (option `site`, default `stackoverflow`). */
  get site(): string {
    return this.#options.site;
  }

  /** The API root (option `apiURL`, without a trailing slash). */
  get apiURL(): string {
    return this.#options.apiURL;
  }

  /** True when the client was given an access token. */
  get authenticated(): boolean {
    return this.#options.accessToken !== undefined;
  }

  /** The daily quota (`quota_max`, `quota_remaining`) as of this client's last answer; `undefined` before one. */
  get quota(): Quota | undefined {
    return this.#quota === undefined ? undefined : { ...this.#quota };
  }

  /**
   * Calls a read method. `path` is a path template such as `/me`, `/users/{ids}` or
   * `/questions/{id}/answers`; its placeholders are filled from `params` (URL-encoded, arrays joined
   * with `;`) and the other params become the query, with `key`, `access_token` (when the client has
   * one) and `site` (unless the method is network-wide or params set their own `site`). A vector over
   * the method's limit (100, or 20 tokens) is split into several requests whose answers are merged.
   * `options.signal` cancels the call (see {@link CallOptions}), including the parts of a split call
   * not yet answered.
   *
   * @throws TypeError for a malformed path, params or options (a missing placeholder, `key`/`access_token` in params).
   * @throws StackExchangeApiError when the API answers with an error wrapper.
   * @throws StackExchangeNetworkError on timeouts, failed connections and unreadable answers (after retries).
   * @throws `options.signal.reason` when the signal aborts before the answer arrived.
   */
  async get<T>(path: string, params: RequestParams = {}, options?: CallOptions): Promise<ApiResponse<T>> {
    const signal = callSignal('get', options);
    const requests = fillPath(path, this.#checkParams(params), true);
    const send = { sendToken: true, ownToken: true, signal };
    if (requests.length === 1) return this.#read<T>(path, requests[0] as FilledPath, send);
    const parts = await mapConcurrent(requests, this.#options.concurrency, (request) => this.#read<T>(path, request, send));
    return mergeAnswers(parts);
  }

  /**
   * Iterates over the items of every page of a read method, from `params.page` (default 1), until an
   * answer has `has_more: false` or no items, or `params.maxPages` pages were fetched. A page is only
   * requested when the loop asks for more items, so breaking out early saves the quota. Once
   * `options.signal` aborts, the next step rejects with its reason (also between the items of a page
   * already fetched) and no further page is requested.
   *
   * @throws TypeError when `maxPages` or `page` is not a positive integer, and whatever {@link get} throws.
   */
  async *paginate<T>(path: string, params: PaginateParams = {}, options?: CallOptions): AsyncGenerator<T, void, undefined> {
    const signal = callSignal('paginate', options);
    const { maxPages = Number.POSITIVE_INFINITY, page: first = 1, ...rest } = params;
    if (maxPages !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxPages) || maxPages < 1)) {
      throw new TypeError('StackExchangeClient: params.maxPages must be a positive integer (e.g. maxPages: 5)');
    }
    if (!Number.isInteger(first) || first < 1) throw new TypeError('StackExchangeClient: params.page must be a positive integer (e.g. page: 1)');
    for (let page = first; page - first < maxPages; page++) {
      const answer = await this.get<T>(path, { ...rest, page }, { signal });
      for (const item of answer.items) {
        signal?.throwIfAborted();
        yield item;
      }
      if (!answer.hasMore || answer.items.length === 0) return;
    }
  }

  /**
   * Calls a write method with a form-encoded POST: the params left after filling the template, `key`,
   * `access_token` and `site` go in the body. Waits for `backoff` and the rate limit like reads, but is
   * never retried. Pass `preview: true` to validate without writing. `options.signal` cancels the call
   * (see {@link CallOptions}); a write aborted while in flight may still have been carried out.
   *
   * @throws TypeError for a malformed path, params or options, or a vector over the method's limit.
   * @throws StackExchangeApiError when the API refuses (e.g. `write_failed`, `access_denied`).
   * @throws StackExchangeNetworkError on timeouts, failed connections and unreadable answers.
   * @throws `options.signal.reason` when the signal aborts before the answer arrived.
   */
  async post<T>(path: string, params: RequestParams = {}, options?: CallOptions): Promise<ApiResponse<T>> {
    const signal = callSignal('post', options);
    const [request] = fillPath(path, this.#checkParams(params), false);
    return this.#send<T>('POST', path, request as FilledPath, { sendToken: true, ownToken: true, signal });
  }

  /**
   * Describes an access token with `/access-tokens/{tokens}`: the client's own by default, or `token`.
   * Resolves to `undefined` when Stack Exchange knows nothing of the token. `options.signal` cancels the
   * call (see {@link CallOptions}); for the client's own token pass `undefined` as `token`.
   *
   * @throws TypeError when there is no token to inspect; otherwise as {@link get}.
   */
  async inspectToken(token?: string, options?: CallOptions): Promise<AccessTokenInfo | undefined> {
    const signal = callSignal('inspectToken', options);
    const { tokens, ownToken } = this.#tokenParam('inspectToken', token);
    const request = { path: `/access-tokens/${encodeURIComponent(tokens)}`, rest: {} };
    const answer = await this.#read<AccessTokenInfo>('/access-tokens/{tokens}', request, { sendToken: false, ownToken, signal });
    return answer.items[0];
  }

  /**
   * Expires an access token at once with `/access-tokens/{tokens}/invalidate`: the client's own by
   * default, or `token`. Use it at logout. `options.signal` cancels the call (see {@link CallOptions});
   * for the client's own token pass `undefined` as `token`. An invalidation aborted while in flight may
   * still have been carried out.
   *
   * @throws TypeError when there is no token to invalidate; otherwise as {@link get}.
   */
  async invalidateToken(token?: string, options?: CallOptions): Promise<void> {
    const signal = callSignal('invalidateToken', options);
    const { tokens, ownToken } = this.#tokenParam('invalidateToken', token);
    const path = `/access-tokens/${encodeURIComponent(tokens)}/invalidate`;
    await this.#read<AccessTokenInfo>('/access-tokens/{tokens}/invalidate', { path, rest: {} }, { sendToken: false, ownToken, signal });
  }

  #tokenParam(caller: string, token: string | undefined): { tokens: string; ownToken: boolean } {
    const tokens = token ?? this.#options.accessToken;
    if (typeof tokens !== 'string' || tokens === '') {
      throw new TypeError(`StackExchangeClient: ${caller}() needs a token: pass one or set options.accessToken (e.g. ${caller}(accessToken))`);
    }
    return { tokens, ownToken: tokens === this.#options.accessToken };
  }

  #checkParams(params: RequestParams): RequestParams {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new TypeError("StackExchangeClient: params must be an object (e.g. { ids: [1, 2] })");
    }
    for (const name of RESERVED) {
      if (params[name] !== undefined) throw new TypeError(`StackExchangeClient: params.${name} is set by the client; pass it to the constructor instead`);
    }
    return params;
  }

  #read<T>(template: string, request: FilledPath, send: SendOptions): Promise<ApiResponse<T>> {
    const retry = this.#options.retry;
    const attempt = (): Promise<ApiResponse<T>> => this.#send<T>('GET', template, request, send);
    return retry === false ? attempt() : withRetry(attempt, retry, send.signal);
  }

  async #send<T>(httpMethod: 'GET' | 'POST', template: string, request: FilledPath, send: SendOptions): Promise<ApiResponse<T>> {
    const o = this.#options;
    const { signal } = send;
    // Nothing is sent, nor queued, for a call already cancelled.
    signal?.throwIfAborted();
    const method = redact(template);
    const family = methodFamily(template);

    const { site, ...rest } = request.rest;
    const fields = new URLSearchParams();
    appendParams(fields, rest);
    if (site !== undefined && site !== null) appendParams(fields, { site });
    else if (!isNetworkWide(template)) fields.append('site', o.site);
    fields.append('key', o.key);
    if (send.sendToken && o.accessToken !== undefined) fields.append('access_token', o.accessToken);

    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: 'application/json', 'accept-encoding': 'gzip, deflate' };
    let url = `${o.apiURL}${request.path}`;
    let body: string | undefined;
    if (httpMethod === 'GET') url += `?${fields.toString()}`;
    else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = fields.toString();
    }

    // Wait out any backoff, then take a rate slot; if a backoff arrived meanwhile, give the slot back
    // unused and wait again, so that no request leaves during a backoff. An abort stops either wait;
    // one that comes as the slot is handed over returns the slot unused too.
    let release: ReleaseSlot;
    try {
      for (;;) {
        await o.backoffRegistry.wait(family, signal);
        release = await o.rateLimiter.acquire(signal);
        if (signal?.aborted) {
          release('unused');
          throw signal.reason as unknown;
        }
        if (o.backoffRegistry.remaining(family) === 0) break;
        release('unused');
      }
    } catch (error) {
      log(`${httpMethod} ${method} cancelled before it was sent`);
      throw error;
    }

    log(`${httpMethod} ${url}`);
    let answer: HttpAnswer;
    try {
      answer = await sendRequest({
        url,
        method: httpMethod,
        headers,
        timeout: o.timeout,
        fetch: o.fetch,
        apiMethod: method,
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      log(`${httpMethod} ${method} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      // Sent, so it counts in the window even when it was aborted.
      release();
    }

    try {
      const parsed = parseResponse<T>(answer, method);
      if (Number.isFinite(parsed.quotaMax) && Number.isFinite(parsed.quotaRemaining)) this.#quota = { max: parsed.quotaMax, remaining: parsed.quotaRemaining };
      if (parsed.backoff !== undefined) this.#backedOff(family, parsed.backoff);
      return parsed;
    } catch (error) {
      log(`${httpMethod} ${method} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof StackExchangeApiError) {
        if (error.backoff !== undefined) this.#backedOff(family, error.backoff);
        if (error.isTokenRejected && send.ownToken && o.accessToken !== undefined) await this.#tokenRejected(error);
      }
      throw error;
    }
  }

  #backedOff(family: string, seconds: number): void {
    this.#options.backoffRegistry.set(family, seconds);
    log(`backoff ${seconds}s on ${family}`);
    try {
      this.#options.onBackoff?.({ method: family, seconds });
    } catch (error) {
      log(`onBackoff threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #tokenRejected(error: StackExchangeApiError): Promise<void> {
    try {
      await this.#options.onTokenRejected?.(error);
    } catch (hookError) {
      log(`onTokenRejected threw: ${hookError instanceof Error ? hookError.message : String(hookError)}`);
    }
  }
}
