import type { Request } from 'express';
import passportSingleton from 'passport';
import type { Authenticator } from 'passport';
import { resolveClientOptions } from '../api/client-options.js';
import type { StackExchangeClientOptions } from '../api/client-options.js';
import { parseScope } from '../strategy/options.js';
import type { StackExchangeScope } from '../strategy/options.js';
import { StackExchangeStrategy } from '../strategy/strategy.js';
import { isRecord } from '../util/is-record.js';
import { func, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import type { OptionRule } from '../util/options-schema.js';
import { originOf } from './origin-check.js';
import { safeReturnTo } from './return-to.js';
import type { AllowedReturnTo } from './return-to.js';
import type { LoginFailureCode } from './login-failure.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { isHttpToken } from '../util/http-token.js';

/**
 * Options of the API client made for each request (`req.stackexchange`). `key`, `apiURL`, `fetch` and
 * `site` default to the strategy's; the access token and `onTokenRejected` are the router's.
 */
export type RequestClientOptions = Partial<Omit<StackExchangeClientOptions, 'accessToken' | 'onTokenRejected'>>;

/** A passport instance (`passport`, `new Passport()`): what the router calls on it. */
export type PassportInstance = Pick<Authenticator, 'authenticate'>;

/** Options of {@link stackExchangeAuth}. All are optional. */
export interface StackExchangeAuthOptions {
  /**
   * The `StackExchangeStrategy` the routes log in with (the instance given to `passport.use()`).
   * Required: passport has no public way to look a strategy up by name, so the router takes the instance.
   */
  strategy: StackExchangeStrategy;
  /** The passport instance whose `authenticate()` runs the strategy. Default: the `passport` singleton. */
  passport?: PassportInstance;
  /** Where the routes are mounted: `{basePath}/start`, `/callback`, `/logout`, `/client.js`. Default `'/auth'`. */
  basePath?: string;
  /** Where a login goes when it has no (valid) `returnTo`: a path or an absolute URL. Default `'/'`. */
  successRedirect?: string;
  /** Where a failed login goes, with `?error=<code>` appended: a path or an absolute URL. Default `'/'`. */
  failureRedirect?: string;
  /** Where the logout redirects (303) to: a path or an absolute URL. Default `'/'`. */
  logoutRedirect?: string;
  /**
   * Restricts `returnTo` further: a predicate over the normalised path, or a list of path prefixes.
   * Default: any same-origin relative path.
   */
  allowedReturnTo?: AllowedReturnTo;
  /**
   * Scopes a login may ask for with `?scope=` on the start route (and `StackExchangeLogin.authenticate({ scope })`),
   * on top of the strategy's own (which are always allowed). A scope outside both fails the start with
   * `bad_request`. Default `[]`: the query can only repeat the strategy's scopes.
   */
  scopes?: readonly StackExchangeScope[] | string;
  /**
   * The app's own origin (`https://app.example`), used to check `Origin`/`Referer` on logout and as the
   * only `postMessage` target of popup logins. Default: the origin of the strategy's `callbackURL`.
   * Never derived from `Host` or `X-Forwarded-Host`.
   */
  origin?: string;
  /** The session cookie's name (express-session's `name` option), cleared at logout. Default `'connect.sid'`. */
  cookieName?: string;
  /** Milliseconds the token revocation at logout may take before the logout goes on without it. Default `3000`. */
  logoutTimeout?: number;
  /** Further options of the per-request API client `req.stackexchange` (e.g. `site`, `timeout`), checked at creation. */
  client?: RequestClientOptions;
  /**
   * Where operator diagnostics go: one line, once per distinct cause per process, naming the cause and
   * the fix (a login failing for a configuration reason, a callbackURL the router does not serve, a
   * callback on another host). Never a token, code, verifier, key or secret. Default `console.warn`.
   */
  logger?: (line: string) => void;
  /** Called with every failed login (its code and cause) before the person gets the fixed failure answer. */
  onLoginError?: (failure: LoginFailure) => void;
}

/** What `onLoginError` receives. */
export interface LoginFailure {
  /** The code the person's answer carries. */
  code: LoginFailureCode;
  /** The error, or passport's failure info (`{ code, message }`) for refusals. */
  cause: unknown;
  /** The callback or start request. */
  req: Request;
}

/** {@link StackExchangeAuthOptions} validated, with defaults applied. */
export interface ResolvedAuthOptions {
  strategy: StackExchangeStrategy;
  passport: PassportInstance;
  basePath: string;
  successRedirect: string;
  failureRedirect: string;
  logoutRedirect: string;
  allowedReturnTo: AllowedReturnTo | undefined;
  /** The scopes `?scope=` may ask for: the option's, plus the strategy's own. */
  scopes: StackExchangeScope[];
  /** The app's origin: the `origin` option, else the origin of the strategy's `callbackURL`. */
  origin: string;
  cookieName: string;
  logoutTimeout: number;
  /** The options of every API client the router makes (without the token): the strategy's, then `client`. */
  clientOptions: Readonly<StackExchangeClientOptions>;
  logger: (line: string) => void;
  onLoginError: ((failure: LoginFailure) => void) | undefined;
}

/** The defaults of {@link StackExchangeAuthOptions}. */
export const AUTH_DEFAULTS = {
  basePath: '/auth',
  successRedirect: '/',
  failureRedirect: '/',
  logoutRedirect: '/',
  cookieName: 'connect.sid',
  logoutTimeout: 3000,
} as const;

const BASE_PATH = /^(?:\/[A-Za-z0-9\-._~]+)+$/;

function redirectTarget(fallback: string): OptionRule<string> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    const example = "'/' or 'https://app.example/welcome'";
    if (typeof value !== 'string') return fail('must be a string', example);
    if (safeReturnTo(value) === value) return value;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
      return fail('must be a normalised path starting with a single "/" or an absolute http(s) URL', example);
    }
    return value;
  };
}

const allowedReturnToRule: OptionRule<AllowedReturnTo | undefined> = (value, fail) => {
  if (value === undefined || typeof value === 'function') return value as AllowedReturnTo | undefined;
  const example = "['/app', '/settings/'] or (path) => path.startsWith('/app')";
  if (!Array.isArray(value)) return fail('must be a predicate or an array of path prefixes', example);
  for (const prefix of value) {
    if (typeof prefix !== 'string' || safeReturnTo(prefix) !== prefix) return fail('may only contain normalised paths starting with a single "/"', example);
  }
  return [...(value as string[])];
};

const originRule: OptionRule<string | undefined> = (value, fail) => {
  if (value === undefined) return undefined;
  const example = "'https://app.example'";
  if (typeof value !== 'string') return fail('must be a string', example);
  const origin = originOf(value);
  if (origin === undefined || origin !== value || !/^https?:/.test(origin)) return fail('must be an http(s) origin without path or trailing slash', example);
  return origin;
};

const scopesRule: OptionRule<StackExchangeScope[]> = (value, fail) => {
  try {
    return parseScope(value, 'scopes');
  } catch {
    return fail('must list Stack Exchange scopes (read_inbox, no_expiry, write_access, private_info)', "['read_inbox', 'no_expiry']");
  }
};

/** Checks `client` now rather than on the first request or logout. */
const clientRule: OptionRule<RequestClientOptions> = (value, fail) => {
  if (value === undefined) return {};
  if (!isRecord(value)) return fail('must be an object of StackExchangeClient options', "{ site: 'stackoverflow' }");
  for (const forbidden of ['accessToken', 'onTokenRejected']) {
    if (forbidden in value) throw new TypeError(`stackExchangeAuth: options.client.${forbidden} is set by the router from the session; remove it (e.g. client.${forbidden}: undefined)`);
  }
  try {
    resolveClientOptions({ key: 'checked-at-creation', ...value });
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new TypeError(err.message.replace('StackExchangeClient: options.', 'stackExchangeAuth: options.client.'));
  }
  return value;
};

const AUTH_SCHEMA = {
  strategy: passThrough(
    (value): value is StackExchangeStrategy => value instanceof StackExchangeStrategy,
    'must be the StackExchangeStrategy instance given to passport.use() (passport has no public lookup by name)',
    'strategy',
  ),
  passport: optional(
    passThrough((value): value is PassportInstance => isRecord(value) && typeof value['authenticate'] === 'function', 'must be a passport instance', 'new Passport()'),
    passportSingleton as PassportInstance,
  ),
  basePath: optional(
    passThrough((value): value is string => typeof value === 'string' && BASE_PATH.test(value), 'must be a path like "/auth" (no trailing slash, query or special characters)', "'/auth'"),
    AUTH_DEFAULTS.basePath as string,
  ),
  successRedirect: redirectTarget(AUTH_DEFAULTS.successRedirect),
  failureRedirect: redirectTarget(AUTH_DEFAULTS.failureRedirect),
  logoutRedirect: redirectTarget(AUTH_DEFAULTS.logoutRedirect),
  allowedReturnTo: allowedReturnToRule,
  scopes: scopesRule,
  origin: originRule,
  cookieName: optional(
    passThrough(isHttpToken, "must be the session cookie's name", "'connect.sid'"),
    AUTH_DEFAULTS.cookieName as string,
  ),
  logoutTimeout: optional(positiveNumber('3000', { max: MAX_TIMER_MS, integer: true }), AUTH_DEFAULTS.logoutTimeout as number),
  client: clientRule,
  logger: optional(func<(line: string) => void>('(line) => myLogger.warn(line)'), (line: string) => console.warn(line)),
  onLoginError: optional(func<(failure: LoginFailure) => void>('({ code, cause }) => report(code, cause)'), undefined),
} satisfies Record<string, OptionRule<unknown>>;

/**
 * Validates the options of `stackExchangeAuth` with `parseOptions` and applies the defaults in
 * {@link AUTH_DEFAULTS}; unknown keys are refused, naming the nearest known one.
 *
 * @throws TypeError naming the first unknown or malformed option, with an example of a correct value.
 */
export function resolveAuthOptions(options: StackExchangeAuthOptions): ResolvedAuthOptions {
  const { strategy, origin, client, scopes, ...rest } = parseOptions('stackExchangeAuth', options, AUTH_SCHEMA, '{ strategy, basePath: "/auth" }');
  const resolvedOrigin = origin ?? originOf(strategy.settings.callbackURL);
  if (resolvedOrigin === undefined) {
    throw new TypeError("stackExchangeAuth: options.origin is required when the strategy's callbackURL has no origin (e.g. origin: 'https://app.example')");
  }
  return {
    ...rest,
    strategy,
    origin: resolvedOrigin,
    scopes: [...new Set([...strategy.settings.scope, ...scopes])],
    clientOptions: Object.freeze(strategy.apiClientOptions(client)),
  };
}
