import { nonEmptyString, optional, parseOptions, passThrough } from '../util/options-schema.js';
import { isRedisCommandClient, type RedisCommandClient } from './redis-api-limits.js';
import type { ResponseCache } from './response-cache.js';

/** Options of {@link RedisResponseCache}. */
export interface RedisResponseCacheOptions {
  /** A connected node-redis v4/v5 client. Required. */
  client: RedisCommandClient;
  /** Prefix of every key. Default `se-cache:`. */
  prefix?: string;
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

  constructor(options: RedisResponseCacheOptions) {
    const o = parseOptions('RedisResponseCache', options, {
      client: passThrough(isRedisCommandClient, 'must be a connected node-redis client', 'createClient()'),
      prefix: optional(nonEmptyString("'myapp:se-cache:'"), 'se-cache:'),
    }, '{ client: createClient(), prefix: "myapp:se-cache:" }');
    this.#client = o.client;
    this.#prefix = o.prefix;
  }

  async get(key: string): Promise<string | undefined> {
    this.#ready();
    const value = await this.#client.sendCommand(['GET', `${this.#prefix}${key}`]);
    return typeof value === 'string' ? value : undefined;
  }

  async set(key: string, value: string, ttlMs: number, group: string | undefined): Promise<void> {
    this.#ready();
    const keys = group === undefined ? [`${this.#prefix}${key}`] : [`${this.#prefix}${key}`, `${this.#prefix}group:${group}`];
    await this.#client.sendCommand(['EVAL', SET, String(keys.length), ...keys, value, String(Math.max(1, Math.ceil(ttlMs)))]);
  }

  async dropGroup(group: string): Promise<void> {
    this.#ready();
    await this.#client.sendCommand(['EVAL', DROP, '1', `${this.#prefix}group:${group}`]);
  }

  #ready(): void {
    // node-redis queues commands while disconnected; a cache must not hold a call that long.
    if (!this.#client.isReady) throw new Error('RedisResponseCache: Redis is not connected');
  }
}
