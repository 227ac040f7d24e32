import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { createClient } from 'redis';

/** The session store and how to release it. */
export interface SessionStore {
  /** `undefined` means express-session's MemoryStore. */
  store: Store | undefined;
  /** Disconnects from Redis, if connected. */
  close(): Promise<void>;
  /** `redis` or `memory`, for the start-up message. */
  kind: 'redis' | 'memory';
}

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions {
  /** Redis connection URL, e.g. `redis://127.0.0.1:6379`; without it the memory store is used. */
  redisURL?: string | undefined;
  /** Key prefix in Redis. Default `example-app:sess:`. */
  prefix?: string;
  /** Where warnings go. Default `console.warn`. */
  warn?: (message: string) => void;
}

/**
 * Sessions in Redis (`connect-redis` over node-redis) when a URL is given, so that several instances
 * share logins and restarts keep them; otherwise express-session's MemoryStore, with a warning since
 * it loses sessions on restart, leaks memory over time and cannot be shared.
 *
 * @throws when Redis cannot be reached at start-up.
 */
export async function createSessionStore(options: SessionStoreOptions = {}): Promise<SessionStore> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  if (options.redisURL === undefined) {
    warn('Warning: sessions are kept in memory (development only). Set REDIS_URL to keep them in Redis.');
    return { store: undefined, kind: 'memory', close: () => Promise.resolve() };
  }
  let connected = false;
  const client = createClient({
    url: options.redisURL,
    // Fail at start-up instead of retrying forever; once connected, reconnect with a capped backoff.
    socket: { reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 3_000) : cause) },
    // While Redis is away, fail requests at once (the app answers 503) rather than queueing them.
    disableOfflineQueue: true,
  });
  // Without a listener node-redis would crash the process on a dropped connection.
  client.on('error', (error: unknown) => {
    if (connected) warn(`Redis: ${error instanceof Error ? error.message : String(error)}`);
  });
  await client.connect();
  connected = true;
  return {
    store: new RedisStore({ client, prefix: options.prefix ?? 'example-app:sess:' }),
    kind: 'redis',
    close: async () => {
      if (client.isOpen) await client.quit();
    },
  };
}
