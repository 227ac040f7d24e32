import { randomBytes } from 'node:crypto';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createClient } from 'redis';

/** A Redis client type as created by the tests. */
export type TestRedisClient = ReturnType<typeof createClient>;

/** A connected client to the shared test Redis. */
export async function connectRedis(): Promise<TestRedisClient> {
  const client = createClient({ url: 'redis://127.0.0.1:6379' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A key prefix no other test file or run uses. */
export function uniquePrefix(file: string): string {
  return `test:relay:${file}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(client: TestRedisClient, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

/**
 * A client pointed at a port where nothing listens: the way these tests see "Redis down" without
 * stopping the shared server. It keeps trying to connect in the background until destroyed.
 */
export function unreachableRedis(port: number): TestRedisClient {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: 50 } });
  client.on('error', () => undefined);
  client.connect().catch(() => undefined);
  return client;
}

/** A TCP proxy in front of the shared Redis that a test can stop and start again, to take "Redis" down and bring it back. */
export interface RedisProxy {
  readonly port: number;
  /** Drops every connection and stops listening. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Holds every byte in both directions, as a partition or a blocked server would: commands are taken and never answered. */
  freeze(): void;
  /** Delivers what was held and forwards again. */
  thaw(): void;
  close(): Promise<void>;
}

/** Starts a {@link RedisProxy} to 127.0.0.1:6379. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  const forward = ([socket, upstream]: [Socket, Socket]) => socket.pipe(upstream).pipe(socket);
  const server = createNetServer((socket) => {
    const upstream = connect(6379, '127.0.0.1');
    const pair: [Socket, Socket] = [socket, upstream];
    pairs.add(pair);
    const drop = () => {
      socket.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (frozen) socket.pause();
    else forward(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    for (const [socket, upstream] of pairs) {
      socket.destroy();
      upstream.destroy();
    }
    pairs.clear();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  return {
    port,
    stop,
    start: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    freeze() {
      frozen = true;
      for (const [socket, upstream] of pairs) {
        socket.unpipe(upstream).pause();
        upstream.unpipe(socket).pause();
      }
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) forward(pair);
    },
    close: stop,
  };
}
