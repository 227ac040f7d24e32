import { nonEmptyString, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import { MAX_TIMER_MS, withTimeout } from '../util/timers.js';
import { isRedisCommandClient, type RedisCommandClient } from './redis-api-limits.js';
import type { ResponseCache } from './response-cache.js';

/** Options of {@link RedisResponseCache}. */
export interface RedisResponseCacheOptions {
  /** A connected node-redis v4/v5 client. Required. */
  client: RedisCommandClient;
  /** Prefix of every key. Default `se-cache:`. */
  prefix?: string;
  /** Milliseconds a cache command may take before the client skips the cache for that call. Default `250`. */
  commandTimeout?: number;
}

// KEYS: entry, group set (or none). ARGV: value, ttl ms.
const SET = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] then
  redis.call('SADD', KEYS[2], KEYS[1])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
return 1`;

// KEYS: group set.
const DROP = `local keys = redis.call('SMEMBERS', KEYS[1])
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
