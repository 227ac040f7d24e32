import { randomBytes } from 'node:crypto';

/** Stack Exchange app credentials, read from `SE_CLIENT_ID`, `SE_KEY` and `SE_CLIENT_SECRET`. */
export interface Credentials {
  clientID: string;
  key: string;
  clientSecret?: string;
}

/** The server's settings, read from the environment by {@link readConfig}. */
export interface ServerConfig {
  /** `PORT`, default 3000 (0 picks a free port). */
  port: number;
  /** `SANDBOX_PORT`, default 4000 (0 picks a free port); used only without credentials. */
  sandboxPort: number;
  /** `HOST`: the interface to listen on; default all interfaces, like `app.listen(PORT)`. */
  host: string | undefined;
  /** Real Stack Exchange credentials, or `undefined` to run against the local sandbox. */
  credentials: Credentials | undefined;
  /** `PUBLIC_URL`: the origin people use to reach the app, e.g. `https://example.org` behind a proxy. */
  publicURL: string | undefined;
  /** `SE_CALLBACK_URL`: the registered redirect URI; default `${publicURL}/auth/callback`. */
  callbackURL: string | undefined;
  /** `SESSION_SECRET`, or a random one (sessions then do not survive a restart); required in production. */
  sessionSecret: string;
  /** True when `SESSION_SECRET` was not set and a random secret was generated. */
  sessionSecretGenerated: boolean;
  /** `REDIS_URL`: store sessions in Redis (several instances, restarts) instead of memory. */
  redisURL: string | undefined;
  /** `NODE_ENV === 'production'`. */
  production: boolean;
  /** `TRUST_PROXY`, passed to Express's `trust proxy` setting; `false` when unset. */
  trustProxy: TrustProxy;
}

/** A value for Express's `trust proxy` setting. */
export type TrustProxy = boolean | number | string;

/** The environment variables {@link readConfig} reads. */
export type Env = Readonly<Record<string, string | undefined>>;

function portFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`example-app: ${name} must be a port number between 0 and 65535 (e.g. ${name}=${fallback})`);
  }
  return port;
}

function urlFrom(env: Env, name: string, example: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`example-app: ${name} must be an absolute URL (e.g. ${name}=${example})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`example-app: ${name} must be an http(s) URL (e.g. ${name}=${example})`);
  }
  return withoutTrailingSlashes(raw);
}

/** `https://a.example/` → `https://a.example`. A loop, not `/\/+$/`, which is quadratic on many slashes. */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end -= 1;
  return url.slice(0, end);
}

/**
 * Parses `TRUST_PROXY` the way Express reads `trust proxy`: `true`/`false`, a hop count (`1`), or a
 * list of addresses or names (`loopback`, `10.0.0.0/8, uniquelocal`). Unset means `false`.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  if (raw === undefined || raw.trim() === '') return false;
  const value = raw.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function credentialsFrom(env: Env): Credentials | undefined {
  const clientID = env['SE_CLIENT_ID'] ?? '';
  const key = env['SE_KEY'] ?? '';
  if (clientID === '' && key === '') return undefined;
  if (clientID === '' || key === '') {
    throw new TypeError('example-app: set both SE_CLIENT_ID and SE_KEY (e.g. SE_CLIENT_ID=1234 SE_KEY=abc...), or neither to use the sandbox');
  }
  const clientSecret = env['SE_CLIENT_SECRET'];
  return clientSecret === undefined || clientSecret === '' ? { clientID, key } : { clientID, key, clientSecret };
}

/**
 * Reads the example app's settings from the environment.
 *
 * @throws TypeError naming the variable when a value is malformed, when only one of `SE_CLIENT_ID`
 *   and `SE_KEY` is set, or when `SESSION_SECRET` is missing with `NODE_ENV=production`.
 */
export function readConfig(env: Env = process.env): ServerConfig {
  const secret = env['SESSION_SECRET'];
  const host = env['HOST'];
  const production = env['NODE_ENV'] === 'production';
  // A per-start random secret logs everyone out on each deploy and breaks several instances.
  if (production && (secret === undefined || secret === '')) {
    throw new TypeError('example-app: SESSION_SECRET is required when NODE_ENV=production (e.g. SESSION_SECRET=$(openssl rand -base64 32))');
  }
  return {
    port: portFrom(env, 'PORT', 3000),
    sandboxPort: portFrom(env, 'SANDBOX_PORT', 4000),
    host: host === undefined || host === '' ? undefined : host,
    credentials: credentialsFrom(env),
    publicURL: urlFrom(env, 'PUBLIC_URL', 'https://app.example.org'),
    callbackURL: urlFrom(env, 'SE_CALLBACK_URL', 'https://app.example.org/auth/callback'),
    sessionSecret: secret === undefined || secret === '' ? randomBytes(32).toString('base64url') : secret,
    sessionSecretGenerated: secret === undefined || secret === '',
    redisURL: env['REDIS_URL'] === '' ? undefined : env['REDIS_URL'],
    production,
    trustProxy: parseTrustProxy(env['TRUST_PROXY']),
  };
}
