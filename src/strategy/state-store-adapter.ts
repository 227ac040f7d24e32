import { isRecord } from '../util/is-record.js';
import type { InvalidStateInfo, PendingLoginContext, PendingLoginState, PendingLoginStore, PendingLoginStoreCallback, PendingLoginVerifyCallback } from './pending-logins.js';

/**
 * What `StackExchangeStrategy` hands passport-oauth2 as `state` at the start of a login: the app's
 * metadata and the scopes asked for, which the store keeps with the pending login.
 */
export class LoginStart {
  constructor(
    /** The app's metadata (the `state` object given to `passport.authenticate()`), if any. */
    readonly meta: object | undefined,
    /** The scopes this login asks for. */
    readonly scope: readonly string[],
  ) {}
}

/** The pending login a callback completed: the start's metadata and the scopes it asked for. */
export interface ConsumedLogin {
  /** The `state` object given to `passport.authenticate()` at the start (e.g. `{ returnTo }`), if any. */
  meta: object | undefined;
  /** The scopes the login asked for. */
  scope: readonly string[];
}


function consumedOf(stored: unknown): ConsumedLogin {
  if (!isRecord(stored)) return { meta: undefined, scope: [] };
  const meta = isRecord(stored['meta']) ? stored['meta'] : undefined;
  const scope = Array.isArray(stored['scope']) ? stored['scope'].filter((name): name is string => typeof name === 'string') : [];
  return { meta, scope };
}

function invalidState(info: unknown): InvalidStateInfo {
  const message = isRecord(info) && typeof info['message'] === 'string' ? info['message'] : 'Unable to verify the login request';
  return { message, code: 'invalid_state' };
}

/**
 * passport-oauth2's state store for one strategy (PKCE form: `store` takes 5 arguments, `verify` 3):
 * it hands the app's {@link PendingLoginStore} a {@link PendingLoginState} and the strategy's limits,
 * normalises refusals to `{ code: 'invalid_state' }`, passes the start's metadata back to passport
 * (`info.state`) and remembers, per request, the login each callback consumed.
 */
export class StateStoreAdapter {
  readonly #store: PendingLoginStore;
  readonly #limits: Pick<PendingLoginContext, 'stateTTL' | 'maxPendingLogins'>;
  // Per strategy instance: the login each callback request consumed (gone with the request).
  readonly #consumed = new WeakMap<object, ConsumedLogin>();

  constructor(store: PendingLoginStore, limits: Pick<PendingLoginContext, 'stateTTL' | 'maxPendingLogins'>) {
    this.#store = store;
    // Only the limits: the strategy passes its settings, which would otherwise be copied into every start's context.
    this.#limits = { stateTTL: limits.stateTTL, maxPendingLogins: limits.maxPendingLogins };
  }

  store(req: object, verifier: string, state: unknown, meta: unknown, callback: PendingLoginStoreCallback): void {
    const start = state instanceof LoginStart ? state : new LoginStart(isRecord(state) ? state : undefined, []);
    const pending: PendingLoginState = { scope: [...start.scope], ...(start.meta === undefined ? {} : { meta: start.meta }) };
    const context: PendingLoginContext = { ...(isRecord(meta) ? meta : {}), ...this.#limits };
    this.#store.store(req, verifier, pending, context, callback);
  }

  verify(req: object, state: unknown, callback: PendingLoginVerifyCallback): void {
    this.#store.verify(req, typeof state === 'string' ? state : undefined, (err, verifier, stored) => {
      if (err) return callback(err);
      if (typeof verifier !== 'string' || verifier === '') return callback(null, false, invalidState(stored));
      const login = consumedOf(stored);
      this.#consumed.set(req, login);
      return callback(null, verifier, login.meta);
    });
  }

  /** The login the callback `req` consumed, once its state was verified. */
  consumed(req: object): ConsumedLogin | undefined {
    return this.#consumed.get(req);
  }
}
