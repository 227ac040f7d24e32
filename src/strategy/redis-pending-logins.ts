import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { logger } from '../util/debug.js';
import { isRecord } from '../util/is-record.js';
import { nonEmptyString, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import { MAX_TIMER_MS, withTimeout } from '../util/timers.js';
import { randomToken } from '../util/random.js';
import { safeCause } from '../util/safe-cause.js';
import type { InvalidStateInfo, PendingLoginContext, PendingLoginState, PendingLoginStore, PendingLoginStoreCallback, PendingLoginVerifyCallback } from './pending-logins.js';
import { LoginErrorCode } from '../errors/error-codes.js';
import { isHttpToken } from '../util/http-token.js';

/** The subset of a node `redis` (v4 or v5) client the store uses; a connected `createClient()` result fits. */
export interface PendingLoginRedisClient {
  /**
   * Sends one raw command (`EVAL`, `GETDEL`, `LREM`) and resolves with Redis's reply as node-redis
   * decodes it; a rejection becomes a `PendingLoginStoreError`.
   */
  sendCommand(args: string[]): Promise<unknown>;
  /** node-redis's readiness (`false` while it reconnects): the store then fails at once with 503 instead of queueing. */
  readonly isReady?: boolean;
}

/** Options of {@link RedisPendingLoginStore}. */
export interface RedisPendingLoginStoreOptions {
  /** A connected node `redis` client (`await createClient({ url }).connect()`). The store never closes it. */
  client: PendingLoginRedisClient;
  /** Prefix of every key. Default `'se-login:'`. In Redis Cluster put a hash tag in it (`'{se-login}:'`): one script touches a login's key and its browser's list. */
  prefix?: string;
  /**
   * Name of the cookie binding pending logins to the browser that started them. Default
   * `'stackexchange_login'` (`'__Host-stackexchange_login'` when the callback URL is https).
   */
  cookieName?: string;
  /** Milliseconds a Redis command may take before the start or callback fails with 503. Default `1000`. */
  commandTimeout?: number;
}

/** The Redis store failed (down, timed out): the start or callback answers 503. */
export class PendingLoginStoreError extends StackExchangeError {
  declare readonly code: typeof LoginErrorCode.PendingLoginStore;
  /** The HTTP status the application should answer with: 503. */
  readonly status: number;
  /** Alias of `status`, read by Express's and Connect's error handlers. */
  readonly statusCode: number;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: LoginErrorCode.PendingLoginStore, cause: options.cause });
    this.status = 503;
    this.statusCode = 503;
  }
}

const log = logger('strategy:redis');

/**
 * Hands a Redis answer to passport. A throw from there (the app's own passport callback, a
 * `failureFlash` without connect-flash) would otherwise be an unhandled rejection that ends the
 * process while the request hangs: it goes to Express's `next` as the session store's throws do,
 * and is only logged when there is no `next` to take it (no Express) or nobody left to answer.
 */
function settle(req: object, hand: () => void): void {
  try {
    hand();
  } catch (err) {
    const { next, res } = req as { next?: unknown; res?: { headersSent?: boolean } };
    if (typeof next === 'function' && res?.headersSent !== true) {
      (next as (error: unknown) => void)(err);
      return;
    }
    log(`passport threw after the pending-login store answered: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const BINDING = /^[A-Za-z0-9_-]{43}$/;
const STATE = /^[A-Za-z0-9_-]{43,128}$/;

// Runs atomically: the login's key with its TTL, the browser's list of states, and the oldest beyond
// the limit dropped with their keys. KEYS[1] login key, KEYS[2] browser list; ARGV[1] value, ARGV[2]
// TTL (s), ARGV[3] state, ARGV[4] max per browser, ARGV[5] prefix of login keys. Returns the number dropped.
const STORE = `redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local dropped = 0
while redis.call('LLEN', KEYS[2]) > tonumber(ARGV[4]) do
  local old = redis.call('LPOP', KEYS[2])
  redis.call('DEL', ARGV[5] .. old)
  dropped = dropped + 1
end
return dropped`;

interface StoredLogin {
  binding: string;
  /** The binding cookie is the `Secure` one (an https callback URL): only its name is read back. */
  secure: boolean;
  verifier: string;
  state?: unknown;
}

function isStoredLogin(value: unknown): value is StoredLogin {
  return isRecord(value) && typeof value['binding'] === 'string' && typeof value['secure'] === 'boolean' && typeof value['verifier'] === 'string';
}

function hasSendCommand(value: unknown): value is PendingLoginRedisClient {
  return isRecord(value) && typeof value['sendCommand'] === 'function';
}

function cookieValue(req: object, name: string): string | undefined {
  const header = (req as { headers?: Record<string, unknown> }).headers?.['cookie'];
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameValue(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const invalid = (message: string): InvalidStateInfo => ({ message, code: 'invalid_state' });

/**
 * A {@link PendingLoginStore} in Redis (6.2 or newer), shared by every instance of the app:
 *
 * - each pending login is its own key (`<prefix>login:<state>`) with TTL `stateTTL`, taken with one
 *   atomic `GETDEL`: of simultaneous identical callbacks exactly one gets the verifier (one token request);
 * - each is bound to the browser that started it by a cookie (`HttpOnly`, `SameSite=Lax`, `stateTTL`
 *   seconds; `__Host-` and `Secure` for an https callback URL) that lives beside the session, so it
 *   survives passport's session regeneration at login: other tabs complete with the classic passport
 *   pattern too. The binding is derived from the session id when there is one, so simultaneous starts in
 *   one session agree on it. A state taken from another browser fails `invalid_state` (and is burnt);
 * - at most `maxPendingLogins` per browser (`<prefix>browser:<binding>`, the oldest dropped);
 * - the session is not written at the start at all.
 *
 * Redis failures are {@link PendingLoginStoreError} (503).
 *
 * @throws TypeError when `client` is missing or an option is unknown or malformed.
 */
export class RedisPendingLoginStore implements PendingLoginStore {
  readonly #client: PendingLoginRedisClient;
  readonly #prefix: string;
  readonly #cookieName: string | undefined;
  readonly #commandTimeout: number;

  constructor(options: RedisPendingLoginStoreOptions) {
    const parsed = parseOptions('RedisPendingLoginStore', options, {
      client: passThrough(hasSendCommand, 'must be a connected node-redis client', 'await createClient({ url }).connect()'),
      prefix: optional(nonEmptyString("'se-login:'"), 'se-login:'),
      cookieName: optional(
        passThrough(isHttpToken, 'must be a cookie name', "'stackexchange_login'"),
        undefined,
      ),
      commandTimeout: optional(positiveNumber('1000', { max: MAX_TIMER_MS }), 1000),
    }, '{ client, prefix: "se-login:" }');
    this.#commandTimeout = parsed.commandTimeout;
    this.#client = parsed.client;
    this.#prefix = parsed.prefix;
    this.#cookieName = parsed.cookieName;
  }

  #cookieNameFor(secure: boolean): string {
    return this.#cookieName ?? (secure ? '__Host-stackexchange_login' : 'stackexchange_login');
  }

  /** The browser's binding: its cookie, else derived from the session id (shared by simultaneous starts), else fresh. */
  #bindingOf(req: object, name: string): string {
    const existing = cookieValue(req, name);
    if (existing !== undefined && BINDING.test(existing)) return existing;
    const sessionID = (req as { sessionID?: unknown }).sessionID;
    if (typeof sessionID === 'string' && sessionID !== '') return createHash('sha256').update(`${this.#prefix}binding:${sessionID}`).digest('base64url');
    return randomToken();
  }

  async #send(args: string[]): Promise<unknown> {
    // node-redis queues commands while it reconnects: a login would hang instead of answering 503.
    if (this.#client.isReady === false) throw new PendingLoginStoreError('The pending-login store (Redis) is not connected');
    try {
      return await withTimeout(this.#client.sendCommand(args), this.#commandTimeout, () => new PendingLoginStoreError(`The pending-login store (Redis) did not answer within ${this.#commandTimeout} ms`));
    } catch (err) {
      if (err instanceof PendingLoginStoreError) throw err;
      throw new PendingLoginStoreError('The pending-login store (Redis) failed', { cause: safeCause(err) });
    }
  }

  store(req: object, verifier: string, state: PendingLoginState, context: PendingLoginContext, callback: PendingLoginStoreCallback): void {
    const secure = context.callbackURL?.startsWith('https:') ?? false;
    const name = this.#cookieNameFor(secure);
    const binding = this.#bindingOf(req, name);
    const handle = randomToken();
    const ttl = String(Math.max(1, Math.ceil(context.stateTTL)));
    const value = JSON.stringify({ binding, secure, verifier, state } satisfies StoredLogin);
    this.#send(['EVAL', STORE, '2', `${this.#prefix}login:${handle}`, `${this.#prefix}browser:${binding}`, value, ttl, handle, String(context.maxPendingLogins), `${this.#prefix}login:`]).then(
      (dropped) => {
        if (typeof dropped === 'number' && dropped > 0) log(`dropped ${dropped} oldest pending login(s) of one browser`);
        const res = (req as { res?: ServerResponse }).res;
        if (res !== undefined && !res.headersSent) {
          const cookie = `${name}=${binding}; Max-Age=${ttl}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
          const previous = res.getHeader('set-cookie');
          res.setHeader('set-cookie', previous === undefined ? [cookie] : [...(Array.isArray(previous) ? previous : [String(previous)]), cookie]);
        }
        settle(req, () => callback(null, handle));
      },
      (err: unknown) => settle(req, () => callback(err as Error)),
    );
  }

  verify(req: object, providedState: string | undefined, callback: PendingLoginVerifyCallback): void {
    if (typeof providedState !== 'string' || !STATE.test(providedState)) {
      callback(null, false, invalid('Unable to verify the login request: unknown state'));
      return;
    }
    this.#send(['GETDEL', `${this.#prefix}login:${providedState}`]).then(
      (raw) => {
        let login: unknown;
        try {
          login = typeof raw === 'string' ? JSON.parse(raw) : undefined;
        } catch {
          login = undefined;
        }
        if (!isStoredLogin(login)) return settle(req, () => callback(null, false, invalid('The login request expired or was already used; please try again')));
        void this.#send(['LREM', `${this.#prefix}browser:${login.binding}`, '0', providedState]).catch(() => undefined);
        // Only the cookie the start set: a plain-named one could be planted from a sibling subdomain,
        // which the __Host- prefix of an https app's cookie rules out.
        const cookie = cookieValue(req, this.#cookieNameFor(login.secure));
        const bound = cookie !== undefined && sameValue(cookie, login.binding);
        if (!bound) {
          log('a state came back in another browser than the one that started the login');
          return settle(req, () => callback(null, false, invalid('The login was started in another browser')));
        }
        return settle(req, () => callback(null, login.verifier, login.state));
      },
      (err: unknown) => settle(req, () => callback(err as Error)),
    );
  }
}
