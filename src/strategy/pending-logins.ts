import { StackExchangeError } from '../errors/stackexchange-error.js';
import { logger } from '../util/debug.js';
import { randomToken } from '../util/random.js';
import { SessionStoreError } from './session-store-error.js';
import { isRecord } from '../util/is-record.js';

/** The session property that holds the pending logins, keyed by their `state`. */
export const PENDING_LOGINS_KEY = 'stackexchangePending';

/** One login that was started and has not come back yet. */
export interface PendingLogin {
  /** The PKCE code verifier; it never leaves the server. */
  verifier: string;
  /** When the login started (ms since the epoch). */
  createdAt: number;
  /** The `state` option given to `passport.authenticate()` at the start (e.g. `{ returnTo }`), if any. */
  meta?: unknown;
  /** The scopes this login asked for (Stack Exchange's token answer does not say which were granted). */
  scope?: string[];
}

/**
 * What `StackExchangeStrategy` hands the store as passport-oauth2's `state` at the start of a login:
 * the app's metadata and the scopes asked for, which the store keeps with the pending login.
 */
export class LoginStart {
  constructor(
    /** The app's metadata (the `state` object given to `passport.authenticate()`), if any. */
    readonly meta: object | undefined,
    /** The scopes this login asks for. */
    readonly scope: readonly string[],
  ) {}
}

// The login each callback request consumed, for the strategy to read after the token exchange.
const consumed = new WeakMap<object, PendingLogin>();

/** The pending login that the callback `req` consumed, once the store has verified its state. */
export function consumedLogin(req: object): PendingLogin | undefined {
  return consumed.get(req);
}

/** Why a callback's state was refused; handed to passport's `fail()` as the challenge. */
export interface InvalidStateInfo {
  message: string;
  code: 'invalid_state';
}

/** The session as far as the store needs it (express-session's `req.session` fits). */
export interface PendingLoginSession {
  [key: string]: unknown;
  save?: (callback: (err?: unknown) => void) => void;
}

/** Options of {@link PendingLoginStore}. */
export interface PendingLoginStoreOptions {
  /** Seconds a pending login stays valid. */
  stateTTL: number;
  /** Pending logins kept per session; the oldest is dropped beyond this. */
  maxPendingLogins: number;
}

type StoreCallback = (err: Error | null, state?: string) => void;
type VerifyCallback = (err: Error | null, verifier?: string | false, stateOrInfo?: unknown) => void;

const log = logger('strategy');

function isPendingLogin(value: unknown): value is PendingLogin {
  return isRecord(value) && typeof value['verifier'] === 'string' && typeof value['createdAt'] === 'number';
}

/** The session's pending logins keyed by state (entries unchecked), or `undefined` when there is no such object. */
export function pendingLoginsOf(session: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  const pending = session?.[PENDING_LOGINS_KEY];
  return typeof pending === 'object' && pending !== null && !Array.isArray(pending) ? (pending as Record<string, unknown>) : undefined;
}

function saveSession(session: PendingLoginSession, done: (err: SessionStoreError | null) => void): void {
  if (typeof session.save !== 'function') {
    done(null);
    return;
  }
  try {
    session.save((err) => done(err ? new SessionStoreError('The session store could not save the pending login', { cause: err }) : null));
  } catch (err) {
    done(new SessionStoreError('The session store could not save the pending login', { cause: err }));
  }
}

// Requests are taken as `object`: express-session's `req.session` exists on Express's Request type only
// where the app's own types include express-session.
function sessionOf(req: object): PendingLoginSession | StackExchangeError {
  const { session } = req as { session?: unknown };
  if (typeof session !== 'object' || session === null) {
    return new StackExchangeError('StackExchangeStrategy needs sessions: add express-session (or another session middleware) before passport', {
      code: 'SESSION_REQUIRED',
    });
  }
  return session as PendingLoginSession;
}

/**
 * A passport-oauth2 state store (the PKCE form) that keeps every pending login in the session under
 * `req.session.stackexchangePending[state]`, so that several logins (tabs) can be under way at once.
 *
 * - `state` is a fresh 256-bit random value that carries no data; the verifier and the metadata stay
 *   on the server.
 * - At most `maxPendingLogins` per session (the oldest is dropped), each valid `stateTTL` seconds.
 * - A pending login is used once: it is deleted when its callback arrives, whatever the outcome.
 * - An unknown or tampered state fails and leaves the other pending logins untouched.
 * - The session is saved before passport continues, so the redirect to Stack Exchange never precedes
 *   the save and a consumed login cannot be replayed; a failed save is a {@link SessionStoreError}.
 */
export class PendingLoginStore {
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: PendingLoginStoreOptions) {
    this.#ttlMs = options.stateTTL * 1000;
    this.#max = options.maxPendingLogins;
  }

  /**
   * Records a new pending login and calls back with its `state` once the session is saved.
   * Signature required by passport-oauth2 for PKCE stores: `(req, verifier, state, meta, callback)`,
   * where `state` is the `state` option of `passport.authenticate()` (kept as the login's metadata).
   */
  store(req: object, verifier: string, appState: unknown, _endpoints: unknown, callback: StoreCallback): void {
    const session = sessionOf(req);
    if (session instanceof StackExchangeError) return callback(session);
    const now = Date.now();
    const kept = Object.entries(pendingLoginsOf(session) ?? {}).filter(
      (entry): entry is [string, PendingLogin] => isPendingLogin(entry[1]) && !this.#isExpired(entry[1], now),
    );
    const state = randomToken();
    const login: PendingLogin = { verifier, createdAt: now };
    const meta = appState instanceof LoginStart ? appState.meta : appState;
    if (meta !== undefined && meta !== null && typeof meta === 'object') login.meta = meta;
    if (appState instanceof LoginStart && appState.scope.length > 0) login.scope = [...appState.scope];
    kept.push([state, login]);
    kept.sort((a, b) => a[1].createdAt - b[1].createdAt);
    const dropped = Math.max(0, kept.length - this.#max);
    session[PENDING_LOGINS_KEY] = Object.fromEntries(kept.slice(dropped));
    if (dropped > 0) log(`dropped ${dropped} oldest pending login(s): more than ${this.#max} in one session`);
    saveSession(session, (err) => (err ? callback(err) : callback(null, state)));
  }

  /**
   * Looks up and consumes the pending login of `providedState`, then calls back with its verifier and
   * metadata (`callback(null, verifier, meta)`), or with `false` and an {@link InvalidStateInfo} when the
   * state is missing, unknown or expired.
   */
  verify(req: object, providedState: unknown, callback: VerifyCallback): void {
    const session = sessionOf(req);
    if (session instanceof StackExchangeError) return callback(session);
    const pending = pendingLoginsOf(session);
    if (typeof providedState !== 'string' || pending === undefined || !Object.hasOwn(pending, providedState)) {
      callback(null, false, { message: 'Unable to verify the login request: unknown state', code: 'invalid_state' } satisfies InvalidStateInfo);
      return;
    }
    const login = pending[providedState];
    delete pending[providedState];
    if (Object.keys(pending).length === 0) delete session[PENDING_LOGINS_KEY];
    saveSession(session, (err) => {
      if (err) return callback(err);
      if (!isPendingLogin(login) || this.#isExpired(login, Date.now())) {
        return callback(null, false, { message: 'The login request expired; please try again', code: 'invalid_state' } satisfies InvalidStateInfo);
      }
      consumed.set(req, login);
      return callback(null, login.verifier, login.meta);
    });
  }

  #isExpired(login: PendingLogin, now: number): boolean {
    return now - login.createdAt > this.#ttlMs;
  }
}
