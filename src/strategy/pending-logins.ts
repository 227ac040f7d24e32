import { StackExchangeError } from '../errors/stackexchange-error.js';
import { interceptOnce } from '../util/intercept-once.js';
import { logger } from '../util/debug.js';
import { randomToken } from '../util/random.js';
import { SessionStoreError } from './session-store-error.js';
import { isRecord } from '../util/is-record.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/** The default session property of {@link SessionPendingLoginStore} (the strategy's `sessionKey` option). */
export const PENDING_LOGINS_KEY = 'stackexchangePending';

/**
 * What the strategy keeps with each pending login (passport-oauth2's "state" argument of a store): the
 * app's metadata and the scopes asked for. A store keeps it as given and hands it back from `verify`.
 */
export interface PendingLoginState {
  /** The `state` object given to `passport.authenticate()` at the start (e.g. `{ returnTo }`), if any. */
  meta?: object;
  /** The scopes this login asked for (Stack Exchange's token answer does not say which were granted). */
  scope: string[];
}

/**
 * passport-oauth2's metadata of a login (`authorizationURL`, `tokenURL`, `clientID`, `callbackURL`),
 * plus the strategy's limits, which a store applies.
 */
export interface PendingLoginContext {
  authorizationURL?: string;
  tokenURL?: string;
  clientID?: string;
  callbackURL?: string;
  /** Seconds a pending login stays valid (the strategy's `stateTTL`). */
  stateTTL: number;
  /** Pending logins kept per browser (the strategy's `maxPendingLogins`); the oldest is dropped beyond. */
  maxPendingLogins: number;
}

/** Why a callback's state was refused; handed to passport's `fail()` as the challenge. */
export interface InvalidStateInfo {
  message: string;
  code: 'invalid_state';
}

/** `store`'s callback: the OAuth `state` value (a handle) of the new pending login. */
export type PendingLoginStoreCallback = (err: Error | null, state?: string) => void;

/**
 * `verify`'s callback: `(null, verifier, state)` for a valid login (used once), `(null, false, info)`
 * for a missing, unknown, expired or foreign state, `(err)` when the store failed.
 */
export type PendingLoginVerifyCallback = (err: Error | null, verifier?: string | false, stateOrInfo?: unknown) => void;

/**
 * Where `StackExchangeStrategy` keeps pending logins: passport-oauth2's PKCE state-store shape, so a
 * passport-oauth2 store fits too. Implementations: {@link SessionPendingLoginStore} (the default) and
 * `RedisPendingLoginStore` (atomic, for several instances and simultaneous callbacks).
 *
 * A store must use each pending login once (a second `verify` of the same state fails), expire it
 * after `context.stateTTL` seconds and keep at most `context.maxPendingLogins` per browser.
 */
export interface PendingLoginStore {
  /** Records a pending login and calls back with a fresh, unguessable `state` that carries no data. */
  store(req: object, verifier: string, state: PendingLoginState, context: PendingLoginContext, callback: PendingLoginStoreCallback): void;
  /** Takes (deletes) the pending login of `state` and calls back with its verifier and stored state. */
  verify(req: object, state: string | undefined, callback: PendingLoginVerifyCallback): void;
}

/** One login as {@link SessionPendingLoginStore} keeps it in the session. */
interface StoredLogin {
  verifier: string;
  /** When the login started (ms since the epoch). */
  createdAt: number;
  /** Milliseconds it stays valid. */
  ttl: number;
  state?: unknown;
}

/** The session as far as the store needs it (express-session's `req.session` fits). */
interface StoreSession {
  [key: string]: unknown;
  save?: (callback: (err?: unknown) => void) => void;
  regenerate?: (callback: (err?: unknown) => void) => void;
  cookie?: { maxAge?: number | null };
}

const log = logger('strategy');

function isStoredLogin(value: unknown): value is StoredLogin {
  return isRecord(value) && typeof value['verifier'] === 'string' && typeof value['createdAt'] === 'number' && typeof value['ttl'] === 'number';
}

function isLive(login: StoredLogin, now: number): boolean {
  return now - login.createdAt <= login.ttl;
}

/**
 * Calls a session store method that answers through `callback` (once: a second answer is ignored). A
 * throw before it answered is the store's failure, given to `callback`; a throw after it answered
 * synchronously comes from the caller's code run inside that answer, and is rethrown to the caller.
 */
function callStore(invoke: (callback: (err: unknown, value?: unknown) => void) => void, callback: (err: unknown, value?: unknown) => void): void {
  let answered = false;
  const answer = (err: unknown, value?: unknown): void => {
    if (answered) return;
    answered = true;
    callback(err, value);
  };
  try {
    invoke(answer);
  } catch (err) {
    if (answered) throw err;
    answer(err);
  }
}

function saveSession(session: StoreSession, done: (err: SessionStoreError | null) => void): void {
  const { save } = session;
  if (typeof save !== 'function') {
    done(null);
    return;
  }
  callStore((callback) => save.call(session, callback), (err) => done(err ? new SessionStoreError('The session store could not save the pending login', { cause: err }) : null));
}

/** Where express-session keeps this request's session: its store (`req.sessionStore`) and `req.sessionID`. */
interface StoredSessionSource {
  id: string;
  store: { get: (id: string, callback: (err: unknown, session?: unknown) => void) => void };
}

/**
 * The store the request's session can be re-read from, or `undefined`: another session middleware, or
 * a browser that sent no cookie at all, whose session this request made (nothing stored to merge with).
 */
function storedSessionSource(req: object): StoredSessionSource | undefined {
  const { sessionID, sessionStore, headers } = req as { sessionID?: unknown; sessionStore?: unknown; headers?: unknown };
  if (typeof sessionID !== 'string' || !isRecord(sessionStore) || typeof sessionStore['get'] !== 'function') return undefined;
  if (isRecord(headers) && headers['cookie'] === undefined) return undefined;
  return { id: sessionID, store: sessionStore as StoredSessionSource['store'] };
}

/**
 * The session as it is in the store now (`undefined` when it is not there), read without replacing
 * `req.session` (`req.session.reload()` would, losing this request's other changes to the session).
 */
function readStoredSession(source: StoredSessionSource, done: (err: SessionStoreError | null, stored?: Record<string, unknown>) => void): void {
  callStore(
    (callback) => source.store.get(source.id, callback),
    (err, stored) => {
      if (err) done(new SessionStoreError('The session store could not read the session to save the pending login', { cause: err }));
      else done(null, isRecord(stored) ? stored : undefined);
    },
  );
}

// Requests are taken as `object`: express-session's `req.session` exists on Express's Request type only
// where the app's own types include express-session.
function sessionOf(req: object): StoreSession | StackExchangeError {
  const { session } = req as { session?: unknown };
  if (typeof session !== 'object' || session === null) {
    return new StackExchangeError('StackExchangeStrategy needs sessions: add express-session (or another session middleware) before passport', {
      code: LoginErrorCode.SessionRequired,
    });
  }
  return session as StoreSession;
}

/** How long one start may hold its session's queue (a stalled session store), in milliseconds. */
const START_TURN_MS = 10_000;

/** Options of {@link SessionPendingLoginStore}. */
export interface SessionPendingLoginStoreOptions {
  /** The session property holding the pending logins. Default `'stackexchangePending'`. */
  key?: string;
}

/**
 * The default {@link PendingLoginStore}: every pending login in the session, under
 * `req.session[key][state]`, so that several logins (tabs) can be under way at once.
 *
 * - `state` is a fresh 256-bit random value; the verifier and the metadata stay on the server.
 * - At most `maxPendingLogins` per session (the oldest is dropped), each valid `stateTTL` seconds.
 * - A pending login is used once: it is deleted when its callback arrives, whatever the outcome. A
 *   start saves the session before passport redirects (a failed save is a {@link SessionStoreError});
 *   a callback writes nothing of its own: its login leaves the stored session with the login's
 *   regenerated session or, when the login fails, with express-session's save at the end of the
 *   request, and this process remembers the state as used until the login would have expired, so a
 *   second callback of it here is refused (`invalid_state`, no token request), even when that save
 *   never happened (the browser went away, the store failed).
 * - The other tabs' pending logins survive passport's session regeneration at login (also with
 *   `keepSessionInfo: false`): they are moved into the regenerated session.
 * - A session that holds nothing but pending logins gets a cookie that lives `stateTTL` seconds, so
 *   abandoned starts leave no long-lived sessions; the login's regenerated session has the app's usual cookie.
 * - Merge on save (express-session): just before saving, a start from a browser that sent cookies
 *   re-reads the stored session (one store read, no extra write; a failed read is a
 *   {@link SessionStoreError}) and keeps the pending
 *   logins saved since this request loaded it, never one consumed since; the starts of one session run
 *   one at a time in this process. Simultaneous starts in one session (two tabs) thus both complete
 *   on one instance. Without `req.sessionStore` (another session middleware) the session is saved as
 *   loaded.
 *
 * Known races: simultaneous starts of one session on two instances (both read before either saves;
 * the later save wins, so one tab's login fails `invalid_state`); simultaneous first starts of a
 * browser with no session yet (two sessions, the browser keeps one cookie); a callback saving the
 * session while a start runs (the callback's save does not merge); two simultaneous callbacks of one
 * state on two instances may both exchange the code (Stack Exchange takes a code once: one of them
 * fails). Use `RedisPendingLoginStore` where that matters.
 */
export class SessionPendingLoginStore implements PendingLoginStore {
  /** The session property holding the pending logins. */
  readonly key: string;
  /** States used by a callback in this process, with when their login would have expired (see `#claim`). */
  readonly #claimed = new Map<string, number>();
  /** Starts under way by session ID, the running one first: a session's starts run one at a time. */
  readonly #starting = new Map<string, Array<() => void>>();

  constructor(options: SessionPendingLoginStoreOptions = {}) {
    const key = options.key ?? PENDING_LOGINS_KEY;
    if (typeof key !== 'string' || key === '') throw new TypeError('SessionPendingLoginStore: options.key must be a non-empty string (e.g. key: "stackexchangePending")');
    this.key = key;
  }

  /** The session's live pending logins, oldest first. */
  #liveLogins(session: Record<string, unknown>, now: number): Array<[string, StoredLogin]> {
    const pending = session[this.key];
    if (!isRecord(pending)) return [];
    return Object.entries(pending)
      .filter((entry): entry is [string, StoredLogin] => isStoredLogin(entry[1]) && isLive(entry[1], now) && !this.#isClaimed(entry[0], now))
      .sort((a, b) => a[1].createdAt - b[1].createdAt);
  }

  store(req: object, verifier: string, state: PendingLoginState, context: PendingLoginContext, callback: PendingLoginStoreCallback): void {
    const session = sessionOf(req);
    if (session instanceof StackExchangeError) return callback(session);
    const source = storedSessionSource(req);
    if (source === undefined) {
      this.#addAndSave(session, this.#liveLogins(session, Date.now()), verifier, state, context, callback);
      return;
    }
    // Merge on save: the logins kept are those in the store now, not those this request loaded, so a
    // start saved since the load is kept and a login consumed since the load stays consumed (a session
    // gone from the store was destroyed or expired: its logins are not brought back). Starts of one
    // session go one at a time in this process, so that each reads what the previous one saved.
    this.#oneAtATime(source.id, (release) => {
      readStoredSession(source, (err, stored) => {
        if (err) {
          release();
          return callback(err);
        }
        this.#addAndSave(session, stored === undefined ? [] : this.#liveLogins(stored, Date.now()), verifier, state, context, (saveErr, handle) => {
          release();
          callback(saveErr, handle);
        });
      });
    });
  }

  /** Runs `task` when no other start of session `id` is running in this process (in arrival order). */
  #oneAtATime(id: string, task: (release: () => void) => void): void {
    const run = (): void => {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        clearTimeout(turnOver);
        const queue = this.#starting.get(id);
        queue?.shift();
        const next = queue?.[0];
        if (next === undefined) this.#starting.delete(id);
        else next();
      };
      // A session store that never answers must not hold the session's later starts forever.
      const turnOver = setTimeout(release, START_TURN_MS);
      turnOver.unref();
      task(release);
    };
    const queue = this.#starting.get(id);
    if (queue !== undefined) {
      queue.push(run);
      return;
    }
    this.#starting.set(id, [run]);
    run();
  }

  #addAndSave(session: StoreSession, kept: Array<[string, StoredLogin]>, verifier: string, state: PendingLoginState, context: PendingLoginContext, callback: PendingLoginStoreCallback): void {
    const now = Date.now();
    const ttl = context.stateTTL * 1000;
    const handle = randomToken();
    kept.push([handle, { verifier, createdAt: now, ttl, state }]);
    const dropped = Math.max(0, kept.length - context.maxPendingLogins);
    if (dropped > 0) log(`dropped ${dropped} oldest pending login(s): more than ${context.maxPendingLogins} in one session`);
    session[this.key] = Object.fromEntries(kept.slice(dropped));
    // A session made only for this login lives no longer than the login can.
    const onlyPending = Object.keys(session).every((name) => name === 'cookie' || name === this.key);
    const cookie = session.cookie;
    if (onlyPending && cookie !== undefined && (cookie.maxAge === null || cookie.maxAge === undefined || cookie.maxAge > ttl)) cookie.maxAge = ttl;
    saveSession(session, (err) => (err ? callback(err) : callback(null, handle)));
  }

  verify(req: object, providedState: string | undefined, callback: PendingLoginVerifyCallback): void {
    const session = sessionOf(req);
    if (session instanceof StackExchangeError) return callback(session);
    const pending = session[this.key];
    if (typeof providedState !== 'string' || !isRecord(pending) || !Object.hasOwn(pending, providedState)) {
      callback(null, false, { message: 'Unable to verify the login request: unknown state', code: 'invalid_state' } satisfies InvalidStateInfo);
      return;
    }
    if (this.#isClaimed(providedState, Date.now())) {
      callback(null, false, { message: 'Unable to verify the login request: it was already used', code: 'invalid_state' } satisfies InvalidStateInfo);
      return;
    }
    const login = pending[providedState];
    Reflect.deleteProperty(pending, providedState);
    if (Object.keys(pending).length === 0) Reflect.deleteProperty(session, this.key);
    else this.#carryAcrossRegeneration(req, session);
    if (!isStoredLogin(login) || !isLive(login, Date.now())) {
      callback(null, false, { message: 'The login request expired; please try again', code: 'invalid_state' } satisfies InvalidStateInfo);
      return;
    }
    this.#claim(providedState, login);
    callback(null, login.verifier, login.state);
  }

  /**
   * Remembers in this process that `state` was used, until its login would have expired: no store write
   * is needed to use a login once, because it leaves the stored session with the login's own write (the
   * regenerated session) or, when the login fails, with express-session's save at the end of the
   * request. Until then, and also when that save never happens (the browser went away, the store
   * failed), a second callback of the same state is refused and a start's merge does not bring it back.
   */
  #claim(state: string, login: StoredLogin): void {
    this.#claimed.set(state, login.createdAt + login.ttl);
  }

  #isClaimed(state: string, now: number): boolean {
    // Oldest first (a Map keeps insertion order): expired claims leave from the front.
    for (const [claimed, until] of this.#claimed) {
      if (until > now) break;
      this.#claimed.delete(claimed);
    }
    const until = this.#claimed.get(state);
    return until !== undefined && until > now;
  }

  /**
   * passport regenerates the session at login; the other tabs' pending logins move into the new one.
   * The hook is this request's session object's own (non-enumerable, never saved) and removes itself.
   */
  #carryAcrossRegeneration(req: object, session: StoreSession): void {
    const key = this.key;
    interceptOnce(session, 'regenerate', (regenerate, done) => {
      regenerate((err) => {
        const fresh = (req as { session?: unknown }).session;
        const remaining = session[key];
        if (!err && isRecord(fresh) && fresh !== session && isRecord(remaining) && fresh[key] === undefined) fresh[key] = remaining;
        done(err);
      });
    });
  }
}
