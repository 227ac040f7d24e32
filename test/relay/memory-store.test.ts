import { afterEach, describe, expect, it, vi } from 'vitest';
import { MEMORY_STORE_WARNING_CODE, MemoryRelayStore } from '../../src/relay/memory-store.js';
import { isRelayStoreError } from '../../src/relay/relay-store.js';

const stores: MemoryRelayStore[] = [];
function makeStore(options?: ConstructorParameters<typeof MemoryRelayStore>[0]): MemoryRelayStore {
  const store = new MemoryRelayStore(options);
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  vi.unstubAllEnvs();
});

describe('MemoryRelayStore', () => {
  it('stores once: the first write wins and a second cannot overwrite', async () => {
    const store = makeStore();
    expect(await store.setIfAbsent('k', 'first', 1000)).toBe(true);
    expect(await store.setIfAbsent('k', 'second', 1000)).toBe(false);
    expect(await store.take('k')).toBe('first');
  });

  it('hands a value out once', async () => {
    const store = makeStore();
    await store.setIfAbsent('k', 'v', 1000);
    expect(await store.take('k')).toBe('v');
    expect(await store.take('k')).toBeUndefined();
    expect(await store.take('unknown')).toBeUndefined();
  });

  it('keeps a taken key used until its TTL ends: no second write or take; then the key is free', async () => {
    let now = 1_000_000;
    const store = makeStore({ now: () => now });
    expect(await store.setIfAbsent('k', 'v', 300_000)).toBe(true);
    now += 1000;
    expect(await store.take('k')).toBe('v');
    expect(await store.setIfAbsent('k', 'planted', 300_000)).toBe(false);
    expect(await store.setIfAbsent('k', 'v2', 300_000)).toBe(false);
    expect(await store.take('k')).toBeUndefined();
    expect(store.size).toBe(1);
    now += 298_999;
    expect(await store.setIfAbsent('k', 'planted', 300_000)).toBe(false);
    expect(await store.take('k')).toBeUndefined();
    now += 1;
    expect(await store.setIfAbsent('k', 'next', 1000)).toBe(true);
    expect(await store.take('k')).toBe('next');
  });

  it('accepts only the exact value taken back over a used key, for the rest of its TTL, and wakes subscribers', async () => {
    let now = 1_000_000;
    const store = makeStore({ now: () => now });
    await store.setIfAbsent('k', 'v', 10_000);
    now += 4000;
    expect(await store.take('k')).toBe('v');
    const listener = vi.fn();
    await store.subscribe('k', listener);
    expect(await store.setIfAbsent('k', 'v ', 10_000)).toBe(false);
    expect(listener).not.toHaveBeenCalled();
    expect(await store.setIfAbsent('k', 'v', 10_000)).toBe(true);
    expect(listener).toHaveBeenCalledTimes(1);
    // Held again, so a second put-back is refused like any write.
    expect(await store.setIfAbsent('k', 'v', 10_000)).toBe(false);
    now += 5999;
    expect(await store.take('k')).toBe('v');
    expect(await store.setIfAbsent('k', 'v', 10_000)).toBe(true);
    // The put-back did not extend the TTL: it ends where the first write's did.
    now += 1;
    expect(await store.take('k')).toBeUndefined();
    expect(await store.setIfAbsent('k', 'fresh', 10_000)).toBe(true);
  });

  it('counts used keys toward maxEntries and sweeps them once expired', async () => {
    let now = 1_000_000;
    const store = makeStore({ maxEntries: 2, now: () => now });
    await store.setIfAbsent('a', '1', 1000);
    await store.setIfAbsent('b', '2', 5000);
    expect(await store.take('a')).toBe('1');
    expect(await store.take('b')).toBe('2');
    expect(store.size).toBe(2);
    now += 1000;
    store.sweep();
    expect(store.size).toBe(1);
    expect(await store.setIfAbsent('b', 'planted', 1000)).toBe(false);
    expect(await store.setIfAbsent('a', 'again', 1000)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('gives exactly one of 50 concurrent takers the value', async () => {
    const store = makeStore();
    await store.setIfAbsent('k', 'v', 1000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take('k')));
    expect(results.filter((r) => r === 'v')).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(49);
  });

  it('expires values after their TTL, and an expired key can be written again', async () => {
    let now = 1_000_000;
    const store = makeStore({ now: () => now });
    await store.setIfAbsent('k', 'v', 300_000);
    now += 299_999;
    expect(await store.setIfAbsent('k', 'planted', 1000)).toBe(false);
    now += 1;
    expect(await store.take('k')).toBeUndefined();
    await store.setIfAbsent('k2', 'v', 10);
    now += 10;
    expect(await store.setIfAbsent('k2', 'new', 10)).toBe(true);
    expect(await store.take('k2')).toBe('new');
  });

  it('sweeps expired values on its timer', async () => {
    vi.useFakeTimers();
    try {
      const store = makeStore({ sweepInterval: 1000 });
      await store.setIfAbsent('k', 'v', 500);
      await store.setIfAbsent('k2', 'v', 5000);
      vi.advanceTimersByTime(999);
      expect(store.size).toBe(2);
      vi.advanceTimersByTime(1);
      expect(store.size).toBe(1);
      expect(await store.take('k2')).toBe('v');
    } finally {
      vi.useRealTimers();
    }
  });

  it('is bounded: beyond maxEntries it refuses new writes (RelayStoreError, 503) and evicts nothing', async () => {
    let now = 0;
    const store = makeStore({ maxEntries: 2, now: () => now });
    await store.setIfAbsent('a', '1', 1000);
    await store.setIfAbsent('b', '2', 2000);
    const refused: unknown = await store.setIfAbsent('c', '3', 1000).catch((e: unknown) => e);
    expect(isRelayStoreError(refused) && refused.status).toBe(503);
    expect(store.size).toBe(2);
    expect(await store.take('a')).toBe('1');
    // A taken key's marker counts too, and is not evicted either: 'a' still refuses a second write.
    expect(await store.setIfAbsent('a', 'planted', 1000)).toBe(false);
    await expect(store.setIfAbsent('c', '3', 1000)).rejects.toThrow(/full/);
    // Once something expired there is room again.
    now = 1000;
    expect(await store.setIfAbsent('c', '3', 1000)).toBe(true);
    expect(await store.take('b')).toBe('2');
    expect(await store.take('c')).toBe('3');
  });

  it('calls subscribers of a key when it is stored, until they unsubscribe', async () => {
    const store = makeStore();
    const listener = vi.fn();
    const other = vi.fn();
    const unsubscribe = await store.subscribe('k', listener);
    await store.subscribe('x', other);
    await store.setIfAbsent('k', 'v', 1000);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(other).not.toHaveBeenCalled();
    await store.setIfAbsent('k', 'refused', 1000);
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    const later = vi.fn();
    await store.subscribe('k', later);
    // A put-back of the taken value is a write that wakes subscribers.
    expect(await store.take('k')).toBe('v');
    expect(await store.setIfAbsent('k', 'v', 1000)).toBe(true);
    expect(later).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('warns once per process when NODE_ENV is production', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      makeStore();
      expect(emit).not.toHaveBeenCalled();
      vi.stubEnv('NODE_ENV', 'production');
      makeStore();
      makeStore();
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit.mock.calls[0]?.[1]).toEqual({ code: MEMORY_STORE_WARNING_CODE });
    } finally {
      emit.mockRestore();
    }
  });

  it('throws a TypeError naming a bad option', () => {
    expect(() => new MemoryRelayStore({ maxEntries: 0 })).toThrow(/options\.maxEntries/);
    expect(() => new MemoryRelayStore({ sweepInterval: 1.5 })).toThrow(/options\.sweepInterval/);
    expect(() => new MemoryRelayStore({ maxEntires: 5 } as never)).toThrow(/unknown option "maxEntires" \(did you mean maxEntries\?\)/);
  });
});
