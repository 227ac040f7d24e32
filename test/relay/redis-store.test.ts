import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisRelayStore } from '../../src/relay/redis-store.js';
import { RelayStoreError, isRelayStoreError } from '../../src/relay/relay-store.js';
import { createClient } from 'redis';
import { connectRedis, deletePrefix, startRedisProxy, uniquePrefix, unreachableRedis } from './redis-helpers.js';
import type { TestRedisClient } from './redis-helpers.js';

const prefix = uniquePrefix('redis-store');
let client: TestRedisClient;
const stores: RedisRelayStore[] = [];

function makeStore(overrides: Partial<ConstructorParameters<typeof RedisRelayStore>[0]> = {}): RedisRelayStore {
  const store = new RedisRelayStore({ client, prefix, ...overrides });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await deletePrefix(client, prefix);
  await client.close();
});

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RedisRelayStore', () => {
  it('accepts a node redis v5 client as it is', () => {
    expect(() => makeStore()).not.toThrow();
  });

  it('stores under the prefix with the TTL: the first write wins', async () => {
    const store = makeStore();
    expect(await store.setIfAbsent('app:k1', 'first', 300_000)).toBe(true);
    expect(await store.setIfAbsent('app:k1', 'second', 300_000)).toBe(false);
    expect(await client.get(`${prefix}app:k1`)).toBe('first');
    const ttl = await client.pTTL(`${prefix}app:k1`);
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
  });

  it('takes once, leaving a tombstone with the rest of the TTL that refuses writes and is never handed out', async () => {
    const store = makeStore();
    await store.setIfAbsent('app:k2', 'v', 10_000);
    expect(await store.take('app:k2')).toBe('v');
    const tombstone = `\u0000used:${createHash('sha1').update('v').digest('hex')}`;
    expect(await client.get(`${prefix}app:k2`)).toBe(tombstone);
    const ttl = await client.pTTL(`${prefix}app:k2`);
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
    expect(await store.take('app:k2')).toBeUndefined();
    expect(await store.setIfAbsent('app:k2', 'planted', 300_000)).toBe(false);
    expect(await store.setIfAbsent('app:k2', tombstone, 300_000)).toBe(false);
    expect(await client.get(`${prefix}app:k2`)).toBe(tombstone);
    expect(await client.pTTL(`${prefix}app:k2`)).toBeLessThanOrEqual(ttl);
  });

  it('frees a used key when its TTL ends', async () => {
    const store = makeStore();
    await store.setIfAbsent('app:k11', 'v', 1000);
    expect(await store.take('app:k11')).toBe('v');
    expect(await store.setIfAbsent('app:k11', 'planted', 1000)).toBe(false);
    await vi.waitFor(async () => expect(await client.exists(`${prefix}app:k11`)).toBe(0), { timeout: 3000, interval: 20 });
    expect(await store.take('app:k11')).toBeUndefined();
    expect(await store.setIfAbsent('app:k11', 'next', 1000)).toBe(true);
    expect(await store.take('app:k11')).toBe('next');
  });

  it('accepts only the exact value taken back over a used key, keeping the TTL, and wakes other instances', async () => {
    const writer = makeStore();
    const reader = makeStore();
    await writer.setIfAbsent('app:k12', 'v', 10_000);
    expect(await reader.take('app:k12')).toBe('v');
    const ttl = await client.pTTL(`${prefix}app:k12`);
    const listener = vi.fn();
    await reader.subscribe('app:k12', listener);
    expect(await writer.setIfAbsent('app:k12', 'v ', 300_000)).toBe(false);
    expect(await reader.setIfAbsent('app:k12', 'v', 300_000)).toBe(true);
    expect(await client.pTTL(`${prefix}app:k12`)).toBeLessThanOrEqual(ttl);
    await vi.waitFor(() => expect(listener).toHaveBeenCalledTimes(1), { timeout: 1000, interval: 5 });
    expect(await writer.setIfAbsent('app:k12', 'v', 300_000)).toBe(false);
    expect(await writer.take('app:k12')).toBe('v');
    expect(await writer.take('app:k12')).toBeUndefined();
  });

  it('lets Redis expire a result after its TTL', async () => {
    const store = makeStore();
    await store.setIfAbsent('app:k3', 'v', 50);
    await vi.waitFor(async () => expect(await client.exists(`${prefix}app:k3`)).toBe(0), { timeout: 2000, interval: 20 });
    expect(await store.take('app:k3')).toBeUndefined();
    expect(await store.setIfAbsent('app:k3', 'again', 1000)).toBe(true);
  });

  it('gives exactly one of 50 concurrent takers the value, also across stores', async () => {
    const a = makeStore();
    const b = makeStore();
    await a.setIfAbsent('app:k4', 'v', 10_000);
    const results = await Promise.all(Array.from({ length: 50 }, (_v, i) => (i % 2 === 0 ? a : b).take('app:k4')));
    expect(results.filter((r) => r === 'v')).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(49);
  });

  it('wakes subscribers of a key in another store instance (pub/sub), not those of other keys', async () => {
    const writer = makeStore();
    const reader = makeStore();
    const listener = vi.fn();
    const other = vi.fn();
    const unsubscribe = await reader.subscribe('app:k5', listener);
    await reader.subscribe('app:other', other);
    await writer.setIfAbsent('app:k5', 'v', 10_000);
    await vi.waitFor(() => expect(listener).toHaveBeenCalledTimes(1), { timeout: 1000, interval: 5 });
    expect(other).not.toHaveBeenCalled();
    unsubscribe();
    const later = vi.fn();
    await reader.subscribe('app:k5', later);
    // A put-back of the taken value is a write that wakes subscribers.
    expect(await writer.take('app:k5')).toBe('v');
    expect(await writer.setIfAbsent('app:k5', 'v', 10_000)).toBe(true);
    // The message reached the reader (later was called), and not the unsubscribed listener.
    await vi.waitFor(() => expect(later).toHaveBeenCalledTimes(1), { timeout: 1000, interval: 5 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('does not wake on a refused write', async () => {
    const store = makeStore();
    await store.setIfAbsent('app:k6', 'v', 10_000);
    const listener = vi.fn();
    const marker = vi.fn();
    await store.subscribe('app:k6', listener);
    await store.subscribe('app:k6-marker', marker);
    expect(await store.setIfAbsent('app:k6', 'planted', 10_000)).toBe(false);
    await store.setIfAbsent('app:k6-marker', 'x', 10_000);
    // Messages arrive in order on the one subscriber connection: the marker's came after any for k6.
    await vi.waitFor(() => expect(marker).toHaveBeenCalledTimes(1), { timeout: 1000, interval: 5 });
    expect(listener).not.toHaveBeenCalled();
  });

  it('fails fast with a RelayStoreError when Redis cannot be reached', async () => {
    const down = unreachableRedis(await closedPort());
    try {
      // A command timeout longer than the test's: only failing without waiting can pass.
      const store = makeStore({ client: down, commandTimeout: 60_000 });
      const errors = await Promise.all([
        store.setIfAbsent('app:k7', 'v', 1000).catch((e: unknown) => e),
        store.take('app:k7').catch((e: unknown) => e),
        store.subscribe('app:k7', () => undefined).catch((e: unknown) => e),
      ]);
      for (const error of errors) {
        expect(isRelayStoreError(error)).toBe(true);
        // Refused before anything was sent or queued.
        expect((error as RelayStoreError).message).toBe('Redis is not connected');
        expect((error as RelayStoreError).code).toBe('RELAY_STORE_UNAVAILABLE');
        expect((error as RelayStoreError).status).toBe(503);
      }
    } finally {
      down.destroy();
    }
  });

  it('fails within commandTimeout when Redis takes commands and never answers, and works again after', async () => {
    const proxy = await startRedisProxy();
    const slow = createClient({ url: `redis://127.0.0.1:${proxy.port}` });
    slow.on('error', () => undefined);
    try {
      await slow.connect();
      const store = makeStore({ client: slow, commandTimeout: 200 });
      await store.subscribe('app:k9', () => undefined);
      proxy.freeze();
      const errors = await Promise.all([
        store.setIfAbsent('app:k9', 'v', 10_000).catch((e: unknown) => e),
        store.take('app:k9').catch((e: unknown) => e),
      ]);
      // Ended by the store's own commandTimeout timer, not by an answer.
      for (const error of errors) {
        expect(isRelayStoreError(error)).toBe(true);
        expect((error as RelayStoreError).message).toMatch(/^Redis EVAL did not answer in time$/);
      }
      proxy.thaw();
      expect(await store.setIfAbsent('app:k10', 'v', 10_000)).toBe(true);
      expect(await store.take('app:k10')).toBe('v');
    } finally {
      slow.destroy();
      await proxy.close();
    }
  });

  it('fails after close', async () => {
    const store = new RedisRelayStore({ client, prefix });
    await store.subscribe('app:k8', () => undefined);
    await store.close();
    await expect(store.take('app:k8')).rejects.toBeInstanceOf(RelayStoreError);
  });

  it('throws a TypeError naming a bad option', () => {
    expect(() => new RedisRelayStore({} as never)).toThrow(/options\.client/);
    expect(() => new RedisRelayStore({ client, commandTimeout: 0 })).toThrow(/options\.commandTimeout/);
    expect(() => new RedisRelayStore({ client, prefix: 5 as never })).toThrow(/options\.prefix/);
    expect(() => new RedisRelayStore({ client, prefx: 'a:' } as never)).toThrow(/unknown option "prefx" \(did you mean prefix\?\)/);
  });
});
