import { nonEmptyString, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import { MAX_TIMER_MS, withTimeout } from '../util/timers.js';
import { isRedisCommandClient, type RedisCommandClient } from './redis-api-limits.js';
import type { ResponseCache } from './response-cache.js';
import { REDIS_NOW } from './redis-now.js';

/** Options of {@link RedisResponseCache}. */
export interface RedisResponseCacheOptions {
  /** A connected node-redis v4/v5 client. Required. */
  client: RedisCommandClient;
  /** Prefix of every key. Default `se-cache:`. */
  prefix?: string;
  /** Milliseconds a cache command may take before the client skips the cache for that call. Default `250`. */
  commandTimeout?: number;
}

// A group lists the entries of one token (dropped after its writes) in a sorted set scored by each
// entry's expiry, read from Redis's clock (TIME) like the entries' own PX, so that every save can forget
// the entries that expired: a token that keeps reading no longer grows its group forever.
// A group left as a plain set by an older version is dropped with its entries (as dropGroup did), so
// that none of them outlives a later write unlisted.
const DROP_OLD = `if redis.call('TYPE', KEYS[#KEYS]).ok == 'set' then
  local old = redis.call('SMEMBERS', KEYS[#KEYS])
  for i = 1, #old do redis.call('DEL', old[i]) end
  redis.call('DEL', KEYS[#KEYS])
end`;

// KEYS: entry, group (or none). ARGV: value, ttl ms (a whole number).
// The group lives as long as its longest entry: its expiry only ever grows.
const SET = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] then
  ${DROP_OLD}
  ${REDIS_NOW}
  local ttl = tonumber(ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
  redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 1`;

// KEYS: group. Every save forgets the expired members, so the few left are deleted with the live ones.
const DROP = `${DROP_OLD}
local keys = redis.call('ZRANGE', KEYS[1], 0, -1)
for i = 1, #keys do redis.call('DEL', keys[i]) end
redis.call('DEL', KEYS[1])
return #keys`;

/**
 * A {@link ResponseCache} in Redis, shared by every process of a cluster. A cache that fails (Redis
 * down) is skipped by the client: reads go to Stack Exchange (through the limits) instead of failing.
 *
 * @throws TypeError when an option is malformed or unknown.
 */
export class RedisResponseCache implements ResponseCache {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #commandTimeout: number;

  constructor(options: RedisResponseCacheOptions) {
    const o = parseOptions('RedisResponseCache', options, {
      client: passThrough(isRedisCommandClient, 'must be a connected node-redis client', 'createClient()'),
      prefix: optional(nonEmptyString("'myapp:se-cache:'"), 'se-cache:'),
      commandTimeout: optional(positiveNumber('250', { max: MAX_TIMER_MS }), 250),
    }, '{ client: createClient(), prefix: "myapp:se-cache:" }');
    this.#client = o.client;
    this.#prefix = o.prefix;
    this.#commandTimeout = o.commandTimeout;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#send(['GET', `${this.#prefix}${key}`]);
    return typeof value === 'string' ? value : undefined;
  }

  async set(key: string, value: string, ttlMs: number, group: string | undefined): Promise<void> {
    const keys = group === undefined ? [`${this.#prefix}${key}`] : [`${this.#prefix}${key}`, `${this.#prefix}group:${group}`];
    await this.#send(['EVAL', SET, String(keys.length), ...keys, value, String(Math.max(1, Math.ceil(ttlMs)))]);
  }

  async dropGroup(group: string): Promise<void> {
    await this.#send(['EVAL', DROP, '1', `${this.#prefix}group:${group}`]);
  }

  async #send(args: string[]): Promise<unknown> {
    // node-redis queues commands while disconnected, and a stalled server never answers: a cache must
    // not hold a call that long (the client skips a failing cache and goes to the API).
    if (!this.#client.isReady) throw new Error('RedisResponseCache: Redis is not connected');
    return await withTimeout(this.#client.sendCommand(args), this.#commandTimeout, () => new Error(`RedisResponseCache: Redis did not answer within ${this.#commandTimeout} ms`));
  }
}
