import { logger } from '../util/debug.js';
import { isRecord } from '../util/is-record.js';
import { optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import type { OptionRule } from '../util/options-schema.js';
import { MAX_TIMER_MS, withTimeout } from '../util/timers.js';
import { RelayStoreError } from './relay-store.js';
import type { RelayStore } from './relay-store.js';
import { KeyListeners } from './key-listeners.js';

const log = logger('relay:redis');

// What a taken key holds until its TTL ends: this prefix and the SHA-1 of the value taken. A NUL byte
// cannot start the relay's JSON, so a tombstone is never mistaken for a result.
const TOMBSTONE = '\u0000used:';

// Both scripts run atomically in Redis: no other command sees the key between the read and the write.
// KEYS[1] key; ARGV[1] value, ARGV[2] TTL in ms, ARGV[3] tombstone prefix. 1 stored, 0 refused.
const SET_IF_ABSENT = `local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[3] .. redis.sha1hex(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 1
end
return 0`;

// KEYS[1] key; ARGV[1] tombstone prefix. The value, or nil for unknown, used and expired keys.
const TAKE = `local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  return false
end
redis.call('SET', KEYS[1], ARGV[1] .. redis.sha1hex(v), 'KEEPTTL')
return v`;

/**
 * The subset of a node `redis` (v5) subscriber connection the store uses: what
 * `client.duplicate()` returns.
 */
export interface RedisRelaySubscriber {
  readonly isReady: boolean;
  /** Registers the error listener (node redis emits connection errors there; unhandled they would throw). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Subscribes `listener` to `channel` (the store's `<prefix>ready`). */
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<void>;
  /** Closes the connection at once. */
  destroy(): void;
}

/** The subset of a node `redis` (v5) client the store uses; a `createClient()` result fits. */
export interface RedisRelayClient {
  /** False while the connection is down: the store then fails at once instead of queueing. */
  readonly isReady: boolean;
  /** Sends one raw command (`EVAL`, `PUBLISH`); `timeout` bounds the wait before it is written. */
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  /** A new connection with the same settings, for the pub/sub subscriber. */
  duplicate(): RedisRelaySubscriber;
}

/** Options of {@link RedisRelayStore}. */
export interface RedisRelayStoreOptions {
  /** A connected node `redis` v5 client (`await createClient({ url }).connect()`). The store never closes it. */
  client: RedisRelayClient;
  /** Prefix of every key and of the pub/sub channel. Default `'se-relay:'`. */
  prefix?: string;
  /** Milliseconds a command may take before the store gives up (the relay answers 503). Default 1000. */
  commandTimeout?: number;
}

function isClient(value: unknown): value is RedisRelayClient {
  return isRecord(value) && typeof value['sendCommand'] === 'function' && typeof value['duplicate'] === 'function';
}

const prefixRule: OptionRule<string> = (value, fail) => {
  if (typeof value !== 'string' || value.length > 200) return fail('must be a string of at most 200 characters', "'myapp:relay:'");
  return value;
};

const SCHEMA = {
  client: passThrough(isClient, 'must be a node redis v5 client', 'await createClient({ url }).connect()'),
  prefix: optional(prefixRule, 'se-relay:'),
  commandTimeout: optional(positiveNumber('1000', { integer: true, max: MAX_TIMER_MS }), 1000),
};

/**
 * A relay store in Redis (6.0 or newer), shared by every relay instance. Two small Lua scripts
 * (`EVAL`) keep each key writable once per TTL: the first write stores the value with `PX ttl`; a take
 * returns it and replaces it, keeping the TTL, with a tombstone (a NUL byte, `used:` and the SHA-1 of
 * the value), which refuses every later write except the put-back of that very value. A pub/sub channel
 * (`<prefix>ready`) wakes long-polls in every instance the moment a result is stored.
 *
 * The subscriber is a second connection (`client.duplicate()`), opened on the first long-poll and
 * closed by {@link RedisRelayStore.close}. When Redis is down, every method rejects with a
 * {@link RelayStoreError} at once (or after `commandTimeout`), never queueing commands for later.
 *
 * Every key lives at most its TTL. Run Redis with `maxmemory-policy noeviction` (or give the relay a
 * Redis of its own): an evicting policy could drop an unread result or a used key's marker early,
 * while `noeviction` makes a full Redis refuse the write, which the relay answers with 503.
 *
 * @throws TypeError when `client` is missing or an option is malformed or unknown.
 */
export class RedisRelayStore implements RelayStore {
  readonly #client: RedisRelayClient;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #timeout: number;
  readonly #listeners = new KeyListeners();
  #subscriber: RedisRelaySubscriber | undefined;
  #subscribing: Promise<void> | undefined;
  #subscribed = false;
  #closed = false;

  constructor(options: RedisRelayStoreOptions) {
    const parsed = parseOptions('RedisRelayStore', options, SCHEMA, 'new RedisRelayStore({ client: await createClient({ url }).connect() })');
    this.#client = parsed.client;
    this.#prefix = parsed.prefix;
    this.#channel = `${parsed.prefix}ready`;
    this.#timeout = parsed.commandTimeout;
  }

  /** {@inheritDoc RelayStore.setIfAbsent} */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = String(Math.max(1, Math.ceil(ttlMs)));
    const reply = await this.#command(['EVAL', SET_IF_ABSENT, '1', this.#prefix + key, value, px, TOMBSTONE]);
    if (reply !== 1) return false;
    // Stored but unannounced would only delay waiters in other instances until they time out, and the
    // result stays fetchable, so a failed publish is logged, not thrown.
    await this.#command(['PUBLISH', this.#channel, key]).catch((error: unknown) => {
      log(`publish failed: ${String(error)}`);
    });
    return true;
  }

  /** {@inheritDoc RelayStore.take} */
  async take(key: string): Promise<string | undefined> {
    const reply = await this.#command(['EVAL', TAKE, '1', this.#prefix + key, TOMBSTONE]);
    if (reply === null || reply === undefined) return undefined;
    if (typeof reply === 'string') return reply;
    if (Buffer.isBuffer(reply)) return reply.toString('utf8');
    throw new RelayStoreError('Redis answered the take with an unexpected type');
  }

  /** {@inheritDoc RelayStore.subscribe} */
  async subscribe(key: string, listener: () => void): Promise<() => void> {
    await this.#ensureSubscriber();
    return this.#listeners.add(key, listener);
  }

  /** Closes the subscriber connection the store opened (not the client it was given). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#subscribing = undefined;
    this.#subscribed = false;
    subscriber?.destroy();
  }

  async #command(args: string[]): Promise<unknown> {
    if (this.#closed) throw new RelayStoreError('The relay store is closed');
    if (!this.#client.isReady) throw new RelayStoreError('Redis is not connected');
    const name = args[0] ?? '';
    try {
      // node redis's `timeout` only bounds the wait before the command is written; a Redis that takes
      // it and never answers (a partition, a blocked server) must not hold the request either.
      return await withTimeout(this.#client.sendCommand(args, { timeout: this.#timeout }), this.#timeout, () => new RelayStoreError(`Redis ${name} did not answer in time`));
    } catch (error) {
      throw error instanceof RelayStoreError ? error : new RelayStoreError(`Redis ${name} failed`, error);
    }
  }

  async #ensureSubscriber(): Promise<void> {
    if (this.#closed) throw new RelayStoreError('The relay store is closed');
    if (!this.#client.isReady) throw new RelayStoreError('Redis is not connected');
    if (this.#subscribed && this.#subscriber?.isReady === true) return;
    this.#subscribing ??= this.#openSubscriber();
    await withTimeout(this.#subscribing, this.#timeout, () => new RelayStoreError('Redis subscriber did not connect in time'));
    // Subscribed once but down now: node redis reconnects and resubscribes by itself; until then fail.
    if (this.#subscriber?.isReady !== true) throw new RelayStoreError('Redis subscriber is not connected');
  }

  async #openSubscriber(): Promise<void> {
    const subscriber = this.#client.duplicate();
    // Kept at once so that close() can destroy a connection still trying to connect.
    this.#subscriber = subscriber;
    subscriber.on('error', (error) => log(`subscriber error: ${error.message}`));
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.#channel, (message) => {
        this.#listeners.notify(message);
      });
      this.#subscribed = true;
    } catch (error) {
      subscriber.destroy();
      if (this.#subscriber === subscriber) {
        this.#subscriber = undefined;
        this.#subscribing = undefined;
      }
      throw new RelayStoreError('Redis subscriber could not connect', error);
    }
  }
}
