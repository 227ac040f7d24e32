import { NetworkErrorCode, StackExchangeNetworkError } from '../errors/network-error.js';
import { rootMessage, safeCause } from '../util/safe-cause.js';
import { nonEmptyString, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import { MAX_TIMER_MS, withTimeout } from '../util/timers.js';
import { REDIS_NOW } from './redis-now.js';
import type { ApiLimits, LimitDecision, LimitReason, LimitRequest } from './api-limits.js';
import type { Quota } from './types.js';

/**
 * The part of a connected node-redis v4/v5 client (`createClient()` of the `redis` package, as
 * connect-redis takes) that the Redis adapters use.
 */
export interface RedisCommandClient {
  /** False while the client is not connected (node-redis would queue commands: the adapters fail instead). */
  readonly isReady: boolean;
  /**
   * Sends one raw command (`['EVAL', script, numkeys, ...keys, ...args]`, `['GET', key]`) and resolves
   * with Redis's reply as node-redis decodes it (strings, numbers, arrays, `null`).
   */
  sendCommand(args: string[]): Promise<unknown>;
}

/** True when `value` looks like a node-redis client. */
export function isRedisCommandClient(value: unknown): value is RedisCommandClient {
  return typeof value === 'object' && value !== null && typeof (value as { sendCommand?: unknown }).sendCommand === 'function' && 'isReady' in value;
}

/** Options of {@link RedisApiLimits}. */
export interface RedisApiLimitsOptions {
  /** A connected node-redis v4/v5 client. Required. */
  client: RedisCommandClient;
  /** Prefix of every key, e.g. `myapp:se-limits:`. Default `se-limits:`. In Redis Cluster, put a hash tag in it (`{se}:`). */
  prefix?: string;
  /** Most requests per `interval`, all processes together. Default 30. */
  maxRequests?: number;
  /** The window's length in milliseconds. Default 1000. */
  interval?: number;
  /** Milliseconds in one second of `backoff` and bans (tests shrink it). Default 1000. */
  secondMs?: number;
  /** Milliseconds to wait for Redis before failing with `LIMITS_UNAVAILABLE`. Default 1000. */
  commandTimeout?: number;
  /**
   * Longest time in milliseconds a granted request counts as in flight without an answer, so that the
   * slots of a process that crashed mid-request free themselves. Keep it above the clients' `deadline`
   * (15 s by default): a request still running past it stops counting. Default 120000 (tests shrink it).
   */
  inFlightMs?: number;
}


// A slot in flight counts until its answer, but at most this long: a crashed process frees its slots.
const IN_FLIGHT_MS = 120_000;

// KEYS: window, waiters, leases, ban, backoffs, quota. ARGV: id, family, maxRequests, interval, inFlightMs.
// PEXPIRE takes whole milliseconds only, and `interval` may be fractional: expiries are rounded up.
// The queue's keys only ever live longer: a waiter near the front (a short lease) asking again must not
// expire the places of those told to wait longer.
const TAKE = `${REDIS_NOW}
local id, family = ARGV[1], ARGV[2]
local max, interval, inflight = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ban = tonumber(redis.call('GET', KEYS[4]) or '0')
if ban > now then return {'ban', ban - now} end
local q = redis.call('PTTL', KEYS[6])
if q > 0 then return {'quota', q} end
local b = tonumber(redis.call('HGET', KEYS[5], family) or '0')
if b > now then return {'backoff', b - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for i = 1, #dead do redis.call('ZREM', KEYS[2], dead[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local free = max - redis.call('ZCARD', KEYS[1])
local ahead = redis.call('ZRANK', KEYS[2], id)
if not ahead then ahead = redis.call('ZCARD', KEYS[2]) end
if ahead < free then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[1], now + inflight, id)
  redis.call('PEXPIRE', KEYS[1], math.ceil(inflight + interval))
  return {'ok', 0}
end
local nextFree = interval
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then nextFree = math.min(tonumber(first[2]) - now, interval) end
local over = ahead - math.max(free, 0)
local wait = math.max(1, nextFree) + math.floor(over / max) * interval
local lease = wait + interval + 1000
redis.call('ZADD', KEYS[2], 'NX', now, id)
redis.call('ZADD', KEYS[3], now + lease, id)
for k = 2, 3 do
  if redis.call('PTTL', KEYS[k]) < lease then redis.call('PEXPIRE', KEYS[k], math.ceil(lease)) end
end
return {'window', wait}`;

// KEYS: window, waiters, leases. ARGV: id, sent (1/0), interval.
// A sent request counts for `interval` from its answer even when an answer slower than the in-flight
// lifetime finds its slot already trimmed (so no ZADD XX). The expiry only ever grows: the key may
// hold slots in flight for longer.
const RELEASE = `${REDIS_NOW}
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == '1' then
  local interval = math.ceil(tonumber(ARGV[3]))
  redis.call('ZADD', KEYS[1], now + interval, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < interval then redis.call('PEXPIRE', KEYS[1], interval) end
else redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1`;

// KEYS: backoffs. ARGV: family, ms.
const BACKOFF = `${REDIS_NOW}
local ms = tonumber(ARGV[2])
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if now + ms > cur then redis.call('HSET', KEYS[1], ARGV[1], now + ms) end
if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
return 1`;

// KEYS: ban. ARGV: ms.
const BAN = `${REDIS_NOW}
local ms = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > cur then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1`;

// KEYS: quota. ARGV: remaining. At 0, refused until the next UTC midnight (by Redis's clock).
const QUOTA = `${REDIS_NOW}
if tonumber(ARGV[1]) > 0 then redis.call('DEL', KEYS[1]) return 1 end
redis.call('SET', KEYS[1], '1', 'PX', (math.floor(now / 86400000) + 1) * 86400000 - now)
return 1`;

const REASONS: readonly LimitReason[] = ['ban', 'backoff', 'quota', 'window'];

/**
 * {@link ApiLimits} kept in Redis, so that several processes behind one address act as one toward
 * Stack Exchange: together never more than `maxRequests` per `interval`, each other's backoffs and
 * bans honoured, one quota. Every decision is one Lua script, atomic in Redis, on Redis's clock.
 *
 * When Redis cannot be reached (not connected, or no answer within `commandTimeout`), calls fail at
 * once with a {@link StackExchangeNetworkError} `LIMITS_UNAVAILABLE` (status 503) and nothing is sent:
 * sending without the shared window could get the address banned.
 *
 * @throws TypeError when an option is malformed or unknown.
 */
export class RedisApiLimits implements ApiLimits {
  readonly maxRequests: number;
  readonly interval: number;
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #secondMs: number;
  readonly #commandTimeout: number;
  readonly #inFlightMs: number;

  constructor(options: RedisApiLimitsOptions) {
    const o = parseOptions('RedisApiLimits', options, {
      client: passThrough(isRedisCommandClient, 'must be a connected node-redis client', 'createClient()'),
      prefix: optional(nonEmptyString("'myapp:se-limits:'"), 'se-limits:'),
      maxRequests: optional(positiveNumber('30', { integer: true }), 30),
      interval: optional(positiveNumber('1000'), 1000),
      secondMs: optional(positiveNumber('1000'), 1000),
      commandTimeout: optional(positiveNumber('1000', { max: MAX_TIMER_MS }), 1000),
      inFlightMs: optional(positiveNumber('120000', { integer: true }), IN_FLIGHT_MS),
    }, '{ client: createClient(), prefix: "myapp:se-limits:" }');
    this.#client = o.client;
    this.#prefix = o.prefix;
    this.maxRequests = o.maxRequests;
    this.interval = o.interval;
    this.#secondMs = o.secondMs;
    this.#commandTimeout = o.commandTimeout;
    this.#inFlightMs = o.inFlightMs;
  }

  async take(request: LimitRequest): Promise<LimitDecision> {
    const p = this.#prefix;
    const keys = [`${p}window`, `${p}waiters`, `${p}leases`, `${p}ban`, `${p}backoff`, `${p}quota:${request.quota}`];
    const reply = await this.#eval(TAKE, keys, [request.id, request.family, String(this.maxRequests), String(this.interval), String(this.#inFlightMs)]);
    const [reason, waitMs] = Array.isArray(reply) ? (reply as [unknown, unknown]) : [];
    if (reason === 'ok') return { ok: true };
    if (REASONS.includes(reason as LimitReason) && typeof waitMs === 'number') return { ok: false, reason: reason as LimitReason, waitMs };
    throw this.#unavailable('an unexpected answer from the limits script');
  }

  async release(id: string, sent: boolean): Promise<void> {
    const p = this.#prefix;
    await this.#eval(RELEASE, [`${p}window`, `${p}waiters`, `${p}leases`], [id, sent ? '1' : '0', String(this.interval)]);
  }

  async backoff(family: string, seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds <= 0) return;
    await this.#eval(BACKOFF, [`${this.#prefix}backoff`], [family, String(Math.ceil(seconds * this.#secondMs))]);
  }

  async ban(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds <= 0) return;
    await this.#eval(BAN, [`${this.#prefix}ban`], [String(Math.ceil(seconds * this.#secondMs))]);
  }

  async quota(quota: string, value: Quota): Promise<void> {
    await this.#eval(QUOTA, [`${this.#prefix}quota:${quota}`], [String(value.remaining)]);
  }

  #unavailable(what: string, cause?: unknown): StackExchangeNetworkError {
    return new StackExchangeNetworkError(`RedisApiLimits: ${what}; nothing was sent to Stack Exchange`, {
      code: NetworkErrorCode.LimitsUnavailable,
      method: 'limits',
      status: 503,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    if (!this.#client.isReady) throw this.#unavailable('Redis is not connected');
    const command = this.#client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]);
    try {
      return await withTimeout(command, this.#commandTimeout, () => this.#unavailable(`Redis did not answer within ${this.#commandTimeout} ms`));
    } catch (error) {
      if (error instanceof StackExchangeNetworkError) throw error;
      throw this.#unavailable(`Redis failed (${rootMessage(error)})`, safeCause(error));
    }
  }
}
