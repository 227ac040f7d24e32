import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createClient } from 'redis';
import { MemoryRelayStore, RedisRelayStore, tokenRelay } from 'passport-stackexchange-oauth2';
import type { RelayStore, TokenRelayOptions } from 'passport-stackexchange-oauth2';

/** The outcome of one flood of `/redirect` writes from one address. */
export interface RelayFloodResult {
  name: string;
  writes: number;
  seconds: number;
  /** How many writes got each status. */
  statuses: Record<number, number>;
  /** Keys the store holds afterwards. */
  keys: number;
  /** Redis only: bytes Redis reports for one stored result (`MEMORY USAGE`). */
  bytesPerKey?: number;
}

async function flood(name: string, store: RelayStore, count: (() => Promise<number>), options: TokenRelayOptions, writes: number, concurrency: number): Promise<RelayFloodResult> {
  const app = express();
  const relay = tokenRelay({ store, ...options });
  app.use('/auth', relay);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/redirect`;
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < writes) {
        next += 1;
        const res = await fetch(`${url}?code=planted&state=${randomBytes(32).toString('base64url')}`);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const keys = await count();
  await relay.close();
  server.closeAllConnections();
  server.close();
  return { name, writes, seconds, statuses, keys };
}

/**
 * The audit of issue 10 replayed: `writes` unauthenticated `/redirect` writes from one address, with
 * the default write limit, against the memory store and against Redis (when it answers on 6379).
 */
export async function benchRelayFlood(writes = 10_000, concurrency = 16): Promise<RelayFloodResult[]> {
  const results: RelayFloodResult[] = [];
  const memory = new MemoryRelayStore();
  results.push(await flood('memory store, default limits', memory, async () => memory.size, {}, writes, concurrency));
  await memory.close();

  const client = createClient({ url: 'redis://127.0.0.1:6379' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return results;
  }
  const prefix = `bench:relay-flood:${randomBytes(6).toString('hex')}:`;
  const countKeys = async (): Promise<number> => {
    let n = 0;
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) n += keys.length;
    return n;
  };
  const redisStore = new RedisRelayStore({ client, prefix });
  try {
    const limited = await flood('Redis store, default limits', redisStore, countKeys, {}, writes, concurrency);
    const sample = (await client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })[Symbol.asyncIterator]().next()).value?.[0];
    if (sample !== undefined) limited.bytesPerKey = Number(await client.sendCommand(['MEMORY', 'USAGE', sample]));
    results.push(limited);
  } finally {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
    await redisStore.close();
    client.destroy();
  }
  return results;
}
