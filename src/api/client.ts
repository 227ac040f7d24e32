import { randomUUID } from 'node:crypto';
import { abortable } from '../util/abortable.js';
import { LRUCache } from 'lru-cache';
import { isRecord } from '../util/is-record.js';
import { ApiErrorCode, StackExchangeApiError } from '../errors/api-error.js';
import { NetworkErrorCode, StackExchangeNetworkError } from '../errors/network-error.js';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { logger } from '../util/debug.js';
import { redact } from '../util/redact.js';
import { deadline, realSleep } from '../util/timers.js';
import { userAgent } from '../util/user-agent.js';
import { msToUtcMidnight, type LimitDecision } from './api-limits.js';
import { callOptions, type CallOptions } from './call-options.js';
import { describeMethod, type ApiItem, type ApiParams, type ApiReadPath, type ApiWritePath, type MethodInfo } from './catalogue.js';
import { resolveClientOptions, type ResolvedClientOptions, type StackExchangeClientOptions } from './client-options.js';
import { filterParams, type FilterDefinition } from './filters.js';
import { sendRequest, type HttpAnswer } from './http.js';
import { InFlight } from './in-flight.js';
import { mapConcurrent } from './map-concurrent.js';
import { appendParams, type RequestParams } from './params.js';
import { parseResponse } from './parse-response.js';
import { fillPath, type FilledPath } from './path-template.js';
import { quotaId, requestKey, tokenGroup } from './request-key.js';
import { withRetry } from './retry.js';
import type { AccessTokenInfo, ApiResponse, Filter, Quota } from './types.js';

const log = logger('api');

/** Params of {@link StackExchangeClient.paginate}: the call's params plus where to start and stop. */
export type PaginateParams = RequestParams & {
  /** The first page to fetch. Default 1. */
  page?: number;
  /** Stop after this many pages (over all parts of a split vector) even when `has_more` is still true. Default: no limit. */
  maxPages?: number;
};

/** A ban of unknown length (a `throttle_violation` whose message gives no N) pauses the API root this long. */
export const UNKNOWN_BAN_SECONDS = 30;

// A throttle_violation that speaks of the quota is not a ban: only that quota is spent.
const QUOTA_MESSAGE = /\bquota\b/i;

/** What one call carries through its requests. */
interface CallContext {
  /** The caller's signals and the call's deadline, combined. */
  signal: AbortSignal;
  /** Monotonic time (ms) past which the call fails. */
  deadlineAt: number;
  /** Read and store the response cache. */
  cache: boolean;
  /** Send the client's `access_token` with the request. */
  sendToken: boolean;
  /** The answer speaks about the client's own token (for `onTokenRejected`). */
  ownToken: boolean;
}

/** One request, ready to send. */
interface Prepared {
  httpMethod: 'GET' | 'POST';
  info: MethodInfo;
  /** The API method for messages, redacted. */
  method: string;
  url: string;
  body: string | undefined;
  /** Whether the client's token goes with it. */
  withToken: boolean;
}

// Params the client sets itself; taking them from params would bypass the constructor's checks.
const RESERVED = ['key', 'access_token'] as const;

// Reads in flight, shared by every client of the process: keys are hashes of whole URLs.
const inFlight = new InFlight<ApiResponse<unknown>>();

// How many times each token group's cached reads were dropped in this process (a write, an
// invalidation, a rejection): a read begun before a drop neither stores its pre-drop answer nor is
// joined by a read made after it. Bounded: a group forgotten here only makes a read skip storing.
const drops = new LRUCache<string, number>({ max: 10_000 });
const dropsOf = (group: string | undefined): number => (group === undefined ? 0 : (drops.get(group) ?? 0));

// Filters never expire: one /filters/create per definition, API root and key in the process.
const filters = new Map<string, Promise<string>>();

const now = (): number => performance.now();

/**
 * Runs a side step of a call (the shared limits' bookkeeping, the cache, the app's hooks): a failure
 * there is logged as `<what> failed: <message>` and the call goes on, so that a Redis outage or a
 * throwing hook never fails a request that Stack Exchange answered.
 */
async function sideStep<R>(what: string, step: () => R | Promise<R>): Promise<R | undefined> {
  try {
    return await step();
  } catch (error) {
    log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * Merges the answers of a vector call split into several requests: items in request order, `hasMore`
 * when any part has more, the lowest `quotaRemaining` (the latest), the longest `backoff`, and the last
 * part's wrapper as `raw`.
 */
function mergeAnswers<T>(parts: Array<ApiResponse<T>>): ApiResponse<T> {
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
 * A typed client of the Stack Exchange API v2.3 that keeps Stack Exchange's throttle contract at
 * production scale:
 *
 * - every request passes the client's {@link ApiLimits} (`apiLimits`): at most 30 requests per second
 *   per API root (process-wide by default, cluster-wide with {@link RedisApiLimits}), `backoff` per
 *   method family (`/me` counts as `/users/{ids}`), throttle bans (nothing is sent during one) and the
 *   daily quota. A wait longer than `maxWait` fails at once with `API_THROTTLED` (429 + `Retry-After`);
 *   a used-up quota with `QUOTA_EXHAUSTED`;
 * - identical reads within `cacheTTL` are answered from the response cache (`cache`), identical reads
 *   in flight share one request; a write with a token drops that token's cached reads;
 * - vectors over 100 ids (20 tokens) are split into several requests, run a few at a time, each sent
 *   with `pagesize=100` unless the caller set `pagesize`, so `get()` returns every item of single-item
 *   methods (`/users/{ids}`): 250 ids → 250 users in 3 requests;
 * - reads are retried on network errors, timeouts, `internal_error` and `temporarily_unavailable` with
 *   exponential, jittered delays, all within the call's `deadline`; writes, throttle violations and the
 *   client's own refusals never;
 * - answers are streamed and capped at `maxResponseBytes` decompressed.
 *
 * Every method takes an optional last argument ({@link CallOptions}) with a `signal` to cancel the
 * call wherever it is waiting, and `cache: false` to bypass the response cache.
 *
 * Clients are cheap: create one per request with the user's token. The key and token are kept in
 * private fields, so logging the client does not print them.
 *
 * @throws TypeError from the constructor when an option is missing, malformed or unknown (the message names it).
 */
export class StackExchangeClient {
  readonly #options: ResolvedClientOptions;
  readonly #userAgent: string;
  /** The quota of requests sent with the client's token (per key and user)... */
  readonly #quotaId: string;
  /** ...and of those sent without it (per key): `inspectToken`, `invalidateToken`, key-only reads. */
  readonly #keyQuotaId: string;
  readonly #group: string | undefined;
  #quota: Quota | undefined;

  constructor(options: StackExchangeClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#userAgent = userAgent(this.#options.userAgent);
    const { apiURL, key, accessToken } = this.#options;
    this.#quotaId = quotaId(apiURL, key, accessToken);
    this.#keyQuotaId = quotaId(apiURL, key, undefined);
    this.#group = accessToken === undefined ? undefined : tokenGroup(apiURL, key, accessToken);
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

  /** The daily quota (`quota_max`, `quota_remaining`) as of this client's last answer from Stack Exchange; `undefined` before one. */
  get quota(): Quota | undefined {
    return this.#quota === undefined ? undefined : { ...this.#quota };
  }

  /**
   * Calls a read method. `path` is a path template such as `/me`, `/users/{ids}` or
   * `/questions/{id}/answers`; for a template of the catalogue ({@link API_METHODS}) the answer is
   * typed (`get('/questions')` → `ApiResponse<Question>`), for others pass the item type
   * (`get<MyItem>('/x/{id}')`). Placeholders are filled from `params` (URL-encoded, arrays joined with
   * `;`) and the other params become the query, with `key`, `access_token` (when the client has one)
   * and `site` (unless the method is network-wide, or `params.site` is `null`).
   *
   * A vector (a placeholder given an array) is sent with `pagesize=100` unless `params.pagesize` is
   * set, and split into requests of at most 100 values (20 tokens) whose answers are merged: `get()`
   * returns the first page of every part, which is every item for methods returning one item per id;
   * {@link paginate} returns everything.
   *
   * @throws TypeError for a malformed path, params or options (a missing placeholder, `key`/`access_token` in params).
   * @throws StackExchangeApiError when the API answers with an error wrapper, or the client refuses to
   * send (`API_THROTTLED`: a ban, a backoff or a window wait over `maxWait`; `QUOTA_EXHAUSTED`).
   * @throws StackExchangeNetworkError on timeouts, failed connections, unreadable or oversized answers
   * (after retries), a passed `deadline` (`NETWORK_DEADLINE`), unreachable shared limits (`LIMITS_UNAVAILABLE`).
   * @throws the abort reason when `options.signal` or the client's `signal` aborts before the answer arrived.
   */
  get<P extends ApiReadPath>(path: P, params?: ApiParams<P>, options?: CallOptions): Promise<ApiResponse<ApiItem<P>>>;
  get<T>(path: string, params?: RequestParams, options?: CallOptions): Promise<ApiResponse<T>>;
  async get<T>(path: string, params: RequestParams = {}, options?: CallOptions): Promise<ApiResponse<T>> {
    const call = callOptions('get', options);
    const info = describeMethod(path);
    const requests = this.#parts(path, params);
    return this.#withDeadline(info, call, async (ctx) => {
      if (requests.length === 1) return this.#read<T>(info, requests[0] as FilledPath, ctx);
      const parts = await mapConcurrent(requests, this.#options.concurrency, (request) => this.#read<T>(info, request, ctx));
      return mergeAnswers(parts);
    });
  }

  /**
   * Iterates over the items of every page of a read method, from `params.page` (default 1), until an
   * answer has `has_more: false` or no items, or `params.maxPages` pages were fetched. A split vector is
   * paged part by part. A page is only requested when the loop asks for more items, so breaking out
   * early saves the quota. Each page has its own `deadline`. Once a signal aborts, the next step
   * rejects with its reason (also between the items of a page already fetched) and no further page is
   * requested.
   *
   * @throws TypeError when `maxPages` or `page` is not a positive integer, and whatever {@link get} throws.
   */
  paginate<P extends ApiReadPath>(path: P, params?: ApiParams<P> & PaginateParams, options?: CallOptions): AsyncGenerator<ApiItem<P>, void, undefined>;
  paginate<T>(path: string, params?: PaginateParams, options?: CallOptions): AsyncGenerator<T, void, undefined>;
  async *paginate<T>(path: string, params: PaginateParams = {}, options?: CallOptions): AsyncGenerator<T, void, undefined> {
    const call = callOptions('paginate', options);
    const { maxPages = Number.POSITIVE_INFINITY, page: first = 1, ...rest } = params;
    if (maxPages !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxPages) || maxPages < 1)) {
      throw new TypeError('StackExchangeClient: params.maxPages must be a positive integer (e.g. maxPages: 5)');
    }
    if (!Number.isInteger(first) || first < 1) throw new TypeError('StackExchangeClient: params.page must be a positive integer (e.g. page: 1)');
    const info = describeMethod(path);
    const signals = [this.#options.signal, call.signal].filter((s): s is AbortSignal => s !== undefined);
    let pages = 0;
    for (const part of this.#parts(path, rest)) {
      for (let page = first; pages < maxPages; page++) {
        pages++;
        const request = { ...part, rest: { ...part.rest, page } };
        const answer = await this.#withDeadline(info, call, (ctx) => this.#read<T>(info, request, ctx));
        for (const item of answer.items) {
          for (const signal of signals) signal.throwIfAborted();
          yield item;
        }
        if (!answer.hasMore || answer.items.length === 0) break;
      }
    }
  }

  /**
   * Calls a write method with a form-encoded POST: the params left after filling the template, `key`,
   * `access_token` and `site` go in the body. Passes the limits like reads, but is never retried nor
   * cached; once sent with a token, it drops that token's cached reads. Pass `preview: true` to
   * validate without writing. A write aborted while in flight may still have been carried out.
   *
   * @throws TypeError for a malformed path, params or options, or a vector over the method's limit.
   * @throws StackExchangeApiError when the API refuses (e.g. `write_failed`, `access_denied`) or the client does (see {@link get}).
   * @throws StackExchangeNetworkError as {@link get}.
   * @throws the abort reason when a signal aborts before the answer arrived.
   */
  post<P extends ApiWritePath>(path: P, params?: ApiParams<P>, options?: CallOptions): Promise<ApiResponse<ApiItem<P>>>;
  post<T>(path: string, params?: RequestParams, options?: CallOptions): Promise<ApiResponse<T>>;
  async post<T>(path: string, params: RequestParams = {}, options?: CallOptions): Promise<ApiResponse<T>> {
    const call = callOptions('post', options);
    const info = describeMethod(path);
    const [request] = fillPath(path, this.#checkParams(params), false);
    return this.#withDeadline(info, call, async (ctx) => {
      const prepared = this.#prepare('POST', info, request as FilledPath, true);
      try {
        return await this.#send<T>(prepared, ctx);
      } finally {
        // Even a refused write may have changed something: the token's reads are read afresh.
        await this.#dropTokenReads(this.#group);
      }
    });
  }

  /**
   * Creates a custom filter with `/filters/create` and resolves to its string, for the `filter` param.
   * Filters never expire, so each definition is created once per process (per API root and key) and
   * reused. `include`/`exclude` list fields such as `question.body`; `base` is a filter to start from
   * (default `default`); `unsafe` leaves HTML unescaped.
   *
   * @throws TypeError for a malformed definition; otherwise as {@link get}.
   */
  async createFilter(definition: FilterDefinition, options?: CallOptions): Promise<string> {
    const { signal } = callOptions('createFilter', options);
    const params = filterParams(definition);
    const memo = `${this.#options.apiURL}\n${requestKey(this.#options.key)}\n${JSON.stringify(params)}`;
    let filter = filters.get(memo);
    if (filter === undefined) {
      // Shared by every caller of the definition: no caller's signal ends it (not even the client's own,
      // which the router ties to one page load), each ends only its own wait.
      const info = describeMethod('/filters/create');
      const [request] = this.#parts('/filters/create', params);
      const created = this.#withDeadline(info, { signal: undefined, cache: false }, (ctx) => this.#read<Filter>(info, request as FilledPath, ctx), { detached: true }).then((answer) => {
        const made = answer.items[0]?.filter;
        if (typeof made !== 'string') throw new StackExchangeNetworkError('/filters/create: the answer holds no filter', { code: NetworkErrorCode.Failed, method: '/filters/create', status: 502 });
        return made;
      });
      filters.set(memo, (filter = created));
      created.catch(() => filters.delete(memo));
    }
    // Each caller waits under its call's signal and its client's.
    return abortable(abortable(filter, this.#options.signal), signal);
  }

  /**
   * Describes an access token with `/access-tokens/{tokens}`: the client's own by default, or `token`.
   * Resolves to `undefined` when Stack Exchange knows nothing of the token. Never cached. For the
   * client's own token with options, pass `undefined` as `token`.
   *
   * @throws TypeError when there is no token to inspect; otherwise as {@link get}.
   */
  async inspectToken(token?: string, options?: CallOptions): Promise<AccessTokenInfo | undefined> {
    const call = callOptions('inspectToken', options);
    const { tokens, ownToken } = this.#tokenParam('inspectToken', token);
    const info = describeMethod('/access-tokens/{tokens}');
    const request = { path: `/access-tokens/${encodeURIComponent(tokens)}`, rest: {}, vector: false };
    const answer = await this.#withDeadline(info, { ...call, cache: false }, (ctx) => this.#read<AccessTokenInfo>(info, request, { ...ctx, sendToken: false, ownToken }));
    return answer.items[0];
  }

  /**
   * Expires an access token at once with `/access-tokens/{tokens}/invalidate`: the client's own by
   * default, or `token`. Use it at logout. Never cached; drops the reads cached with that token. An
   * invalidation aborted while in flight may still have been carried out.
   *
   * @throws TypeError when there is no token to invalidate; otherwise as {@link get}.
   */
  async invalidateToken(token?: string, options?: CallOptions): Promise<void> {
    const call = callOptions('invalidateToken', options);
    const { tokens, ownToken } = this.#tokenParam('invalidateToken', token);
    const info = describeMethod('/access-tokens/{tokens}/invalidate');
    const request = { path: `/access-tokens/${encodeURIComponent(tokens)}/invalidate`, rest: {}, vector: false };
    try {
      await this.#withDeadline(info, { ...call, cache: false }, (ctx) => this.#read<AccessTokenInfo>(info, request, { ...ctx, sendToken: false, ownToken }));
    } finally {
      await this.#dropTokenReads(tokenGroup(this.#options.apiURL, this.#options.key, tokens));
    }
  }

  /** Drops the cached reads made with a token (after a write with it, its invalidation or its rejection). */
  async #dropTokenReads(group: string | undefined): Promise<void> {
    if (group === undefined) return;
    drops.set(group, dropsOf(group) + 1);
    const cache = this.#options.cache;
    if (cache === false) return;
    await sideStep('dropping cached reads', () => cache.dropGroup(group));
  }

  #tokenParam(caller: string, token: string | undefined): { tokens: string; ownToken: boolean } {
    const tokens = token ?? this.#options.accessToken;
    if (typeof tokens !== 'string' || tokens === '') {
      throw new TypeError(`StackExchangeClient: ${caller}() needs a token: pass one or set options.accessToken (e.g. ${caller}(accessToken))`);
    }
    return { tokens, ownToken: tokens === this.#options.accessToken };
  }

  #checkParams(params: RequestParams): RequestParams {
    if (!isRecord(params)) {
      throw new TypeError("StackExchangeClient: params must be an object (e.g. { ids: [1, 2] })");
    }
    for (const name of RESERVED) {
      if (params[name] !== undefined) throw new TypeError(`StackExchangeClient: params.${name} is set by the client; pass it to the constructor instead`);
    }
    return params;
  }

  /** The requests of a read: the vector split at its limit, each vector part with `pagesize=100` unless the caller set one. */
  #parts(path: string, params: RequestParams): FilledPath[] {
    const parts = fillPath(path, this.#checkParams(params), true);
    // `pagesize: null` is left out like any null param: the vector default applies.
    if (params.pagesize !== undefined && params.pagesize !== null) return parts;
    return parts.map((part) => (part.vector ? { ...part, rest: { ...part.rest, pagesize: 100 } } : part));
  }

  /**
   * Runs one call under its deadline and the caller's signals. A deadline that passes while the call
   * waits or a request is in flight becomes `NETWORK_DEADLINE`.
   */
  async #withDeadline<R>(
    info: MethodInfo,
    call: { signal: AbortSignal | undefined; cache: boolean },
    run: (ctx: CallContext) => Promise<R>,
    { detached = false }: { detached?: boolean } = {},
  ): Promise<R> {
    const o = this.#options;
    // A detached call (work shared by several clients) runs under none of this client's signal.
    const clientSignal = detached ? undefined : o.signal;
    clientSignal?.throwIfAborted();
    call.signal?.throwIfAborted();
    const limit = deadline(o.deadline, [clientSignal, call.signal]);
    try {
      return await run({ signal: limit.signal, deadlineAt: now() + o.deadline, cache: call.cache, sendToken: true, ownToken: true });
    } catch (error) {
      if (clientSignal?.aborted === true || call.signal?.aborted === true) throw error;
      if (limit.timedOut && (error === limit.signal.reason || !(error instanceof StackExchangeError))) throw this.#deadlineError(info, error);
      throw error;
    } finally {
      limit.dispose();
    }
  }

  #deadlineError(info: MethodInfo, cause: unknown): StackExchangeNetworkError {
    const method = redact(info.template);
    return new StackExchangeNetworkError(`${method}: no answer within the call's deadline of ${this.#options.deadline} ms`, {
      code: NetworkErrorCode.Deadline,
      method,
      status: 503,
      ...(cause instanceof Error ? { cause: new Error(redact(cause.message)) } : {}),
    });
  }

  #prepare(httpMethod: 'GET' | 'POST', info: MethodInfo, request: FilledPath, withToken: boolean): Prepared {
    const o = this.#options;
    const { site, ...rest } = request.rest;
    const fields = new URLSearchParams();
    appendParams(fields, rest);
    // `site: null` sends none; no `site` sends the client's, unless the method is network-wide.
    if (site !== undefined && site !== null) appendParams(fields, { site });
    else if (site === undefined && !info.network) fields.append('site', o.site);
    fields.append('key', o.key);
    const token = withToken && o.accessToken !== undefined;
    if (token) fields.append('access_token', o.accessToken as string);
    const url = `${o.apiURL}${request.path}`;
    return httpMethod === 'GET'
      ? { httpMethod, info, method: redact(info.template), url: `${url}?${fields.toString()}`, body: undefined, withToken: token }
      : { httpMethod, info, method: redact(info.template), url, body: fields.toString(), withToken: token };
  }

  /** A read: from the cache, from an identical read in flight, or sent (with retries). */
  async #read<T>(info: MethodInfo, request: FilledPath, ctx: CallContext): Promise<ApiResponse<T>> {
    const prepared = this.#prepare('GET', info, request, ctx.sendToken);
    const key = requestKey(prepared.url);
    const cache = ctx.cache ? this.#options.cache : false;
    if (cache !== false) {
      // An entry that cannot be read back (a corrupt or foreign value in a shared cache) is a miss.
      const hit = await sideStep('reading the cache', async () => {
        const stored = await cache.get(key);
        const parsed: unknown = stored === undefined ? undefined : JSON.parse(stored);
        return isRecord(parsed) ? parsed : undefined;
      });
      if (hit !== undefined) {
        log(`GET ${prepared.method} answered from the cache`);
        return parseResponse<T>({ status: 200, body: hit }, prepared.method);
      }
    }
    const group = prepared.withToken ? this.#group : undefined;
    const generation = dropsOf(group);
    let sentHere = false;
    const shared = inFlight.run(
      generation === 0 ? key : `${key}#${generation}`,
      async (sharedSignal) => {
        sentHere = true;
        // The shared work runs while anyone waits for it: each caller's own deadline or abort ends
        // only its wait, and the work's signal aborts once the last caller has left.
        const run = { ...ctx, signal: sharedSignal, deadlineAt: now() + this.#options.deadline };
        const retry = this.#options.retry;
        const attempt = (): Promise<ApiResponse<unknown>> => this.#send<unknown>(prepared, run);
        const answer = retry === false ? await attempt() : await withRetry(attempt, retry, sharedSignal);
        if (cache !== false && dropsOf(group) === generation) {
          await sideStep('storing in the cache', () => cache.set(key, JSON.stringify(answer.raw), this.#options.cacheTTL, group));
        }
        return answer;
      },
      ctx.signal,
    );
    try {
      return (await shared) as ApiResponse<T>;
    } catch (error) {
      // Another client's identical read answered for this one: its own onTokenRejected still hears of it.
      if (!sentHere && error instanceof StackExchangeApiError && error.isTokenRejected && ctx.ownToken && prepared.withToken) await this.#tokenRejected(error);
      throw error;
    }
  }

  /**
   * Waits until the limits grant a slot for `id`, or fails at once when the wait would pass `maxWait` or
   * the deadline. Whatever ends it without a slot (a refusal, an abort, the limits failing) gives the
   * place in the queue back.
   */
  async #acquire(id: string, prepared: Prepared, ctx: CallContext): Promise<void> {
    const o = this.#options;
    const started = now();
    const request = { id, family: prepared.info.family, quota: this.#quotaOf(prepared) };
    try {
      for (;;) {
        ctx.signal.throwIfAborted();
        const decision: LimitDecision = await o.apiLimits.take(request);
        if (decision.ok) {
          ctx.signal.throwIfAborted();
          return;
        }
        const untilDeadline = ctx.deadlineAt - now();
        const waitLeft = o.maxWait - (now() - started);
        if (decision.reason === 'quota' || decision.waitMs > Math.min(waitLeft, untilDeadline)) {
          throw this.#refusal(prepared, decision, untilDeadline < waitLeft ? 'deadline' : 'maxWait');
        }
        await realSleep(Math.ceil(decision.waitMs), ctx.signal);
      }
    } catch (error) {
      await this.#release(id, false);
      throw error;
    }
  }

  async #release(id: string, sent: boolean): Promise<void> {
    await sideStep('releasing a slot', () => this.#options.apiLimits.release(id, sent));
  }

  /** The refusal of a call the limits would hold too long; `bound` says which limit of the call's wait decided. */
  #refusal(prepared: Prepared, decision: Exclude<LimitDecision, { ok: true }>, bound: 'maxWait' | 'deadline'): StackExchangeApiError {
    const seconds = Math.max(1, Math.ceil(decision.waitMs / 1000));
    const why = {
      ban: `the API root is under a throttle ban for another ${seconds} s`,
      backoff: `Stack Exchange asked to back off ${prepared.info.family} for another ${seconds} s`,
      window: bound === 'maxWait'
        ? `the 30 requests/s window would hold the call longer than maxWait (${this.#options.maxWait} ms)`
        : `the 30 requests/s window would hold the call past its deadline (${this.#options.deadline} ms)`,
      quota: `the day's quota is used up until the next UTC midnight (in ${seconds} s)`,
    }[decision.reason];
    return new StackExchangeApiError(`${prepared.httpMethod} ${prepared.method}: ${why}; nothing was sent`, {
      errorId: 502,
      errorName: 'throttle_violation',
      method: prepared.method,
      code: decision.reason === 'quota' ? ApiErrorCode.QuotaExhausted : ApiErrorCode.Throttled,
      status: 429,
      retryAfter: decision.waitMs / 1000,
    });
  }

  async #send<T>(prepared: Prepared, ctx: CallContext): Promise<ApiResponse<T>> {
    const o = this.#options;
    const { httpMethod, method, info } = prepared;
    ctx.signal.throwIfAborted();
    const id = randomUUID();
    try {
      await this.#acquire(id, prepared, ctx);
    } catch (error) {
      log(`${httpMethod} ${method} not sent: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }

    log(`${httpMethod} ${prepared.url}`);
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: 'application/json', 'accept-encoding': 'gzip, deflate' };
    if (prepared.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    let answer: HttpAnswer;
    try {
      answer = await sendRequest({
        url: prepared.url,
        method: httpMethod,
        headers,
        timeout: Math.max(1, Math.floor(Math.min(o.timeout, ctx.deadlineAt - now()))),
        fetch: o.fetch,
        apiMethod: method,
        maxBytes: o.maxResponseBytes,
        signal: ctx.signal,
        ...(prepared.body === undefined ? {} : { body: prepared.body }),
      });
    } catch (error) {
      log(`${httpMethod} ${method} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      // Sent, so it counts in the window even when it failed or was aborted.
      await this.#release(id, true);
    }

    try {
      const parsed = parseResponse<T>(answer, method);
      await this.#quotaSeen(parsed, prepared);
      if (parsed.backoff !== undefined) await this.#backedOff(info.family, parsed.backoff);
      return parsed;
    } catch (error) {
      log(`${httpMethod} ${method} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof StackExchangeApiError && error.errorId === 502 && error.retryAfter === undefined && QUOTA_MESSAGE.test(error.message)) {
        throw await this.#quotaSpent(error, prepared);
      }
      if (error instanceof StackExchangeApiError) {
        if (error.errorId === 502) await this.#banned(error.retryAfter ?? UNKNOWN_BAN_SECONDS);
        if (error.backoff !== undefined) await this.#backedOff(info.family, error.backoff);
        if (error.isTokenRejected && ctx.ownToken && o.accessToken !== undefined) {
          await this.#dropTokenReads(this.#group);
          await this.#tokenRejected(error);
        }
      }
      throw error;
    }
  }

  /** The quota a request counts against: Stack Exchange's per key and user with a token, per key without. */
  #quotaOf(prepared: Prepared): string {
    return prepared.withToken ? this.#quotaId : this.#keyQuotaId;
  }

  async #quotaSeen(answer: ApiResponse<unknown>, prepared: Prepared): Promise<void> {
    if (!Number.isFinite(answer.quotaMax) || !Number.isFinite(answer.quotaRemaining)) return;
    const quota = { max: answer.quotaMax, remaining: answer.quotaRemaining };
    this.#quota = quota;
    await sideStep('recording the quota', () => this.#options.apiLimits.quota(this.#quotaOf(prepared), quota));
    // The app's hooks are called, not awaited: the answer does not wait for them.
    await sideStep('onQuota', () => {
      this.#options.onQuota?.({ ...quota });
    });
  }

  /** Stack Exchange says the quota is spent (another process or app spent it): recorded, and refused until UTC midnight. */
  async #quotaSpent(error: StackExchangeApiError, prepared: Prepared): Promise<StackExchangeApiError> {
    const max = this.#quota?.max ?? Number.NaN;
    await this.#quotaSeen({ items: [], hasMore: false, quotaMax: Number.isFinite(max) ? max : 0, quotaRemaining: 0, raw: {} }, prepared);
    return new StackExchangeApiError(error.message, {
      errorId: error.errorId,
      errorName: error.errorName,
      method: error.method,
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      code: ApiErrorCode.QuotaExhausted,
      status: 429,
      retryAfter: msToUtcMidnight(Date.now()) / 1000,
      cause: error,
    });
  }

  async #banned(seconds: number): Promise<void> {
    log(`throttle ban: nothing is sent to ${redact(this.#options.apiURL)} for ${seconds}s`);
    await sideStep('recording the ban', () => this.#options.apiLimits.ban(seconds));
  }

  async #backedOff(family: string, seconds: number): Promise<void> {
    log(`backoff ${seconds}s on ${family}`);
    await sideStep('recording the backoff', () => this.#options.apiLimits.backoff(family, seconds));
    await sideStep('onBackoff', () => {
      this.#options.onBackoff?.({ method: family, seconds });
    });
  }

  async #tokenRejected(error: StackExchangeApiError): Promise<void> {
    await sideStep('onTokenRejected', () => this.#options.onTokenRejected?.(error));
  }
}
