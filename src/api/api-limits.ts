import { parseOptions, func, optional, positiveNumber } from '../util/options-schema.js';
import type { Quota } from './types.js';

/** One request asking {@link ApiLimits.take} for permission to be sent. */
export interface LimitRequest {
  /** Unique per request; names its slot in the window and its place in the queue. */
  id: string;
  /** The method's backoff family (`/users/{ids}` for `/me`). */
  family: string;
  /** Whose quota the request spends: a hash of the key, or of the key and token. */
  quota: string;
}

/** Why {@link ApiLimits.take} said no. */
export type LimitReason = 'ban' | 'backoff' | 'quota' | 'window';

/** The answer of {@link ApiLimits.take}: send now, or not before `waitMs`. */
export type LimitDecision = { ok: true } | { ok: false; reason: LimitReason; waitMs: number };

/**
 * Everything Stack Exchange limits per address, in one place: the window of `maxRequests` per
 * `interval`, the `backoff` per method family, the throttle ban and the daily quota. Every
 * {@link StackExchangeClient} of one API root shares one (per process by default, or across processes
 * with {@link RedisApiLimits}).
 *
 * The window counts a request from the moment it is granted until `interval` after its answer
 * arrived: Stack Exchange sees a request somewhere in between, so no `interval` at the server can hold
 * more than `maxRequests`, however slow the network. Waiting callers are served in arrival order.
 */
export interface ApiLimits {
  /** Most requests per `interval`. */
  readonly maxRequests: number;
  /** The window's length in milliseconds. */
  readonly interval: number;
  /**
   * Grants `request` a slot now, or says why not and how long to wait before asking again. A request
   * refused for the window keeps its place in the queue while it asks again within its wait.
   */
  take(request: LimitRequest): Promise<LimitDecision>;
  /**
   * Ends a request's hold: `sent` keeps its slot counted for `interval` from now; not sent frees it,
   * and its place in the queue, at once. Call it once for every `take`, granted or not.
   */
  release(id: string, sent: boolean): Promise<void>;
  /** Records Stack Exchange's `backoff` of `seconds` on `family`; a shorter one never shortens a running one. */
  backoff(family: string, seconds: number): Promise<void>;
  /** Records a throttle ban: nothing is granted for `seconds`. A shorter ban never shortens a running one. */
  ban(seconds: number): Promise<void>;
  /** Records the quota an answer reported; at 0 nothing spending it is granted until the next UTC midnight. */
  quota(quota: string, value: Quota): Promise<void>;
}

/** Options of {@link MemoryApiLimits}. */
export interface MemoryApiLimitsOptions {
  /** Most requests per `interval`. Default 30 (Stack Exchange's per-address limit). */
  maxRequests?: number;
  /** The window's length in milliseconds. Default 1000. */
  interval?: number;
  /** Milliseconds in one second of `backoff` and bans (tests shrink it). Default 1000. */
  secondMs?: number;
  /** Monotonic clock in milliseconds (tests inject one). Default `performance.now`. */
  now?: () => number;
  /** Wall clock in milliseconds, for the quota's reset at UTC midnight. Default `Date.now`. */
  date?: () => number;
}

const DAY_MS = 86_400_000;

/** Milliseconds from the wall-clock time `date` to the next UTC midnight. */
export function msToUtcMidnight(date: number): number {
  return (Math.floor(date / DAY_MS) + 1) * DAY_MS - date;
}

/** The wait a queued request is told: until the next slot frees, plus a window per `maxRequests` ahead of it. */
export function queueWait(nextFreeMs: number, ahead: number, maxRequests: number, interval: number): number {
  return Math.max(1, nextFreeMs) + Math.floor(ahead / maxRequests) * interval;
}

interface Waiter {
  arrival: number;
  lease: number;
}

/**
 * The {@link ApiLimits} of one process, kept in memory. The default of every client (one per API
 * root, see {@link sharedApiLimits}); right for a single process. Several processes behind one address
 * need {@link RedisApiLimits}.
 *
 * @throws TypeError when an option is malformed or unknown.
 */
export class MemoryApiLimits implements ApiLimits {
  readonly maxRequests: number;
  readonly interval: number;
  readonly #secondMs: number;
  readonly #now: () => number;
  readonly #date: () => number;
  // Slots of requests in flight (granted, not yet answered).
  readonly #inFlight = new Set<string>();
  // When each sent request stops counting, soonest first (`interval` after its answer: with a monotonic
  // clock each one goes at the end), so expired ones leave from the front with no scan per request.
  #sent: number[] = [];
  #sentHead = 0;
  // Queued ids in arrival order (a Map keeps insertion order).
  readonly #waiters = new Map<string, Waiter>();
  readonly #backoffs = new Map<string, number>();
  readonly #quotas = new Map<string, number>();
  #banUntil = 0;

  constructor(options: MemoryApiLimitsOptions = {}) {
    const o = parseOptions('MemoryApiLimits', options, {
      maxRequests: optional(positiveNumber('30', { integer: true }), 30),
      interval: optional(positiveNumber('1000'), 1000),
      secondMs: optional(positiveNumber('1000'), 1000),
      now: optional(func<() => number>('() => performance.now()'), () => performance.now()),
      date: optional(func<() => number>('Date.now'), Date.now),
    }, '{ maxRequests: 30, interval: 1000 }');
    this.maxRequests = o.maxRequests;
    this.interval = o.interval;
    this.#secondMs = o.secondMs;
    this.#now = o.now;
    this.#date = o.date;
  }

  take(request: LimitRequest): Promise<LimitDecision> {
    return Promise.resolve(this.#take(request, this.#now()));
  }

  #take({ id, family, quota }: LimitRequest, now: number): LimitDecision {
    if (this.#banUntil > now) return { ok: false, reason: 'ban', waitMs: this.#banUntil - now };
    const quotaUntil = this.#quotas.get(quota) ?? 0;
    if (quotaUntil > now) return { ok: false, reason: 'quota', waitMs: quotaUntil - now };
    const backoffUntil = this.#backoffs.get(family) ?? 0;
    if (backoffUntil > now) return { ok: false, reason: 'backoff', waitMs: backoffUntil - now };

    while (this.#sentHead < this.#sent.length && (this.#sent[this.#sentHead] ?? 0) <= now) this.#sentHead++;
    if (this.#sentHead > 1024 && this.#sentHead * 2 > this.#sent.length) {
      this.#sent = this.#sent.slice(this.#sentHead);
      this.#sentHead = 0;
    }
    const oldest = this.#sent[this.#sentHead];
    const nextFree = oldest === undefined ? Infinity : oldest - now;
    const counted = this.#inFlight.size + this.#sent.length - this.#sentHead;
    let ahead = 0;
    for (const [waiter, { lease }] of this.#waiters) {
      if (waiter === id) break;
      if (lease <= now) this.#waiters.delete(waiter);
      else ahead++;
    }
    const free = this.maxRequests - counted;
    if (ahead < free) {
      this.#waiters.delete(id);
      this.#inFlight.add(id);
      return { ok: true };
    }
    // Slots still in flight free no sooner than `interval` after their answer.
    const waitMs = queueWait(Math.min(nextFree, this.interval), ahead - Math.max(free, 0), this.maxRequests, this.interval);
    const waiter = this.#waiters.get(id);
    // The place is kept while the caller asks again within its wait (plus slack for a slow event loop).
    const lease = now + waitMs + this.interval + 1000;
    if (waiter === undefined) this.#waiters.set(id, { arrival: now, lease });
    else waiter.lease = lease;
    return { ok: false, reason: 'window', waitMs };
  }

  release(id: string, sent: boolean): Promise<void> {
    this.#waiters.delete(id);
    if (this.#inFlight.delete(id) && sent) this.#addSent(this.#now() + this.interval);
    return Promise.resolve();
  }

  /** Records when a sent request stops counting, keeping the list in order even if the clock stepped back. */
  #addSent(until: number): void {
    const sent = this.#sent;
    if (sent.length === this.#sentHead || (sent[sent.length - 1] ?? 0) <= until) {
      sent.push(until);
      return;
    }
    let low = this.#sentHead;
    let high = sent.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sent[middle] ?? 0) <= until) low = middle + 1;
      else high = middle;
    }
    sent.splice(low, 0, until);
  }

  backoff(family: string, seconds: number): Promise<void> {
    if (Number.isFinite(seconds) && seconds > 0) {
      const until = this.#now() + seconds * this.#secondMs;
      if (until > (this.#backoffs.get(family) ?? 0)) this.#backoffs.set(family, until);
    }
    return Promise.resolve();
  }

  ban(seconds: number): Promise<void> {
    if (Number.isFinite(seconds) && seconds > 0) this.#banUntil = Math.max(this.#banUntil, this.#now() + seconds * this.#secondMs);
    return Promise.resolve();
  }

  quota(quota: string, value: Quota): Promise<void> {
    if (value.remaining <= 0) this.#quotas.set(quota, this.#now() + msToUtcMidnight(this.#date()));
    else this.#quotas.delete(quota);
    return Promise.resolve();
  }
}

// Stack Exchange counts requests per address, not per client object: the router creates a client per
// request, so the default must be shared by the whole process.
const shared = new Map<string, MemoryApiLimits>();

/**
 * The process-wide {@link MemoryApiLimits} (30 requests per second) for an API root, created on first
 * use: the default `apiLimits` of every {@link StackExchangeClient}.
 */
export function sharedApiLimits(apiURL: string): MemoryApiLimits {
  let limits = shared.get(apiURL);
  if (limits === undefined) shared.set(apiURL, (limits = new MemoryApiLimits()));
  return limits;
}

/** True when `value` has the methods of {@link ApiLimits}. */
export function isApiLimits(value: unknown): value is ApiLimits {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['take', 'release', 'backoff', 'ban', 'quota'].every((name) => typeof v[name] === 'function') && typeof v.maxRequests === 'number';
}
