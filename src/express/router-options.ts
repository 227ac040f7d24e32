import passportSingleton from 'passport';
import type { Authenticator } from 'passport';
import { resolveClientOptions } from '../api/client-options.js';
import type { StackExchangeClientOptions } from '../api/client-options.js';
import { parseScope } from '../strategy/options.js';
import type { StackExchangeScope } from '../strategy/options.js';
import { optionFailure } from '../util/option-error.js';
import type { OptionFailure } from '../util/option-error.js';
import { originOf } from './origin-check.js';
import { safeReturnTo } from './return-to.js';
import type { AllowedReturnTo } from './return-to.js';
import { MAX_TIMER_MS } from '../util/timers.js';

/**
 * Options of the API client made for each request (`req.stackexchange`). `key`, `apiURL`, `fetch` and
 * `site` default to the strategy's; the access token and `onTokenRejected` are the router's.
 */
export type RequestClientOptions = Partial<Omit<StackExchangeClientOptions, 'accessToken' | 'onTokenRejected'>>;

/** A passport instance (`passport`, `new Passport()`): what the router calls on it. */
export type PassportInstance = Pick<Authenticator, 'authenticate'>;

/** Options of {@link stackExchangeAuth}. All are optional. */
export interface StackExchangeAuthOptions {
  /** Name of the registered `StackExchangeStrategy`. Default `'stackexchange'`. */
  strategy?: string;
  /** The passport instance the strategy is registered on. Default: the `passport` singleton. */
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
   * on top of the strategy's own. A scope outside this list fails the start with `bad_request`.
   * Default `[]`: the query cannot add scopes.
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
}

/** {@link StackExchangeAuthOptions} validated, with defaults applied. */
export interface ResolvedAuthOptions {
  strategy: string;
  passport: PassportInstance;
  basePath: string;
  successRedirect: string;
  failureRedirect: string;
  logoutRedirect: string;
  allowedReturnTo: AllowedReturnTo | undefined;
  scopes: StackExchangeScope[];
  origin: string | undefined;
  cookieName: string;
  logoutTimeout: number;
  client: RequestClientOptions;
}

/** The defaults of {@link StackExchangeAuthOptions}. */
export const AUTH_DEFAULTS = {
  strategy: 'stackexchange',
  basePath: '/auth',
  successRedirect: '/',
  failureRedirect: '/',
  logoutRedirect: '/',
  cookieName: 'connect.sid',
  logoutTimeout: 3000,
} as const;

const KNOWN_OPTIONS = new Set([
  'strategy',
  'passport',
  'basePath',
  'successRedirect',
  'failureRedirect',
  'logoutRedirect',
  'allowedReturnTo',
  'scopes',
  'origin',
  'cookieName',
  'logoutTimeout',
  'client',
]);
const BASE_PATH = /^(?:\/[A-Za-z0-9\-._~]+)+$/;
// RFC 6265 cookie-name token characters.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const fail: OptionFailure = optionFailure('stackExchangeAuth');

function redirectTarget(input: Record<string, unknown>, option: string, fallback: string): string {
  const value = input[option];
  if (value === undefined) return fallback;
  const example = "'/' or 'https://app.example/welcome'";
  if (typeof value !== 'string') fail(option, 'must be a string', example);
  if (safeReturnTo(value) === value) return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    fail(option, 'must be a normalised path starting with a single "/" or an absolute http(s) URL', example);
  }
  return value;
}

function resolvePassport(value: unknown): PassportInstance {
  if (value === undefined) return passportSingleton;
  if (typeof value !== 'object' || value === null || typeof (value as { authenticate?: unknown }).authenticate !== 'function') {
    fail('passport', 'must be a passport instance', 'new Passport()');
  }
  return value as PassportInstance;
}

function resolveAllowedReturnTo(value: unknown): AllowedReturnTo | undefined {
  if (value === undefined || typeof value === 'function') return value as AllowedReturnTo | undefined;
  const example = "['/app', '/settings/'] or (path) => path.startsWith('/app')";
  if (!Array.isArray(value)) fail('allowedReturnTo', 'must be a predicate or an array of path prefixes', example);
  for (const prefix of value) {
    if (typeof prefix !== 'string' || safeReturnTo(prefix) !== prefix) fail('allowedReturnTo', 'may only contain normalised paths starting with a single "/"', example);
  }
  return [...(value as string[])];
}

function resolveOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const example = "'https://app.example'";
  if (typeof value !== 'string') fail('origin', 'must be a string', example);
  const origin = originOf(value);
  if (origin === undefined || origin !== value || !/^https?:/.test(origin)) fail('origin', 'must be an http(s) origin without path or trailing slash', example);
  return origin;
}

function resolveScopes(value: unknown): StackExchangeScope[] {
  try {
    return parseScope(value, 'scopes');
  } catch {
    return fail('scopes', 'must list Stack Exchange scopes (read_inbox, no_expiry, write_access, private_info)', "['read_inbox', 'no_expiry']");
  }
}

/** Checks `client` now rather than on the first request or logout (the strategy's key stands in until then). */
function checkClientOptions(client: RequestClientOptions): void {
  try {
    resolveClientOptions({ key: 'checked-at-creation', ...client });
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new TypeError(err.message.replace('StackExchangeClient: options.', 'stackExchangeAuth: options.client.'));
  }
}

/**
 * Validates the options of {@link stackExchangeAuth} and applies the defaults in {@link AUTH_DEFAULTS}.
 *
 * @throws TypeError naming the first unknown or malformed option, with an example of a correct value.
 */
export function resolveAuthOptions(options: StackExchangeAuthOptions = {}): ResolvedAuthOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError("stackExchangeAuth: options must be an object (e.g. { basePath: '/auth' })");
  const input = options as Record<string, unknown>;
  for (const name of Object.keys(input)) {
    if (!KNOWN_OPTIONS.has(name)) fail(name, `is not an option; known options: ${[...KNOWN_OPTIONS].join(', ')}`, 'remove it');
  }

  const strategy = input['strategy'] ?? AUTH_DEFAULTS.strategy;
  if (typeof strategy !== 'string' || strategy === '') fail('strategy', 'must be the name of a registered strategy', "'stackexchange'");

  const basePath = input['basePath'] ?? AUTH_DEFAULTS.basePath;
  if (typeof basePath !== 'string' || !BASE_PATH.test(basePath)) fail('basePath', 'must be a path like "/auth" (no trailing slash, query or special characters)', "'/auth'");

  const cookieName = input['cookieName'] ?? AUTH_DEFAULTS.cookieName;
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) fail('cookieName', "must be the session cookie's name", "'connect.sid'");

  const logoutTimeout = input['logoutTimeout'] ?? AUTH_DEFAULTS.logoutTimeout;
  if (typeof logoutTimeout !== 'number' || !Number.isInteger(logoutTimeout) || logoutTimeout <= 0 || logoutTimeout > MAX_TIMER_MS) {
    fail('logoutTimeout', 'must be a positive integer of milliseconds', '3000');
  }

  const client = input['client'] ?? {};
  if (typeof client !== 'object' || client === null || Array.isArray(client)) fail('client', 'must be an object of StackExchangeClient options', "{ site: 'stackoverflow' }");
  for (const forbidden of ['accessToken', 'onTokenRejected']) {
    if (forbidden in client) fail(`client.${forbidden}`, 'is set by the router from the session; remove it', 'undefined');
  }
  checkClientOptions(client as RequestClientOptions);

  return {
    strategy,
    passport: resolvePassport(input['passport']),
    basePath,
    successRedirect: redirectTarget(input, 'successRedirect', AUTH_DEFAULTS.successRedirect),
    failureRedirect: redirectTarget(input, 'failureRedirect', AUTH_DEFAULTS.failureRedirect),
    logoutRedirect: redirectTarget(input, 'logoutRedirect', AUTH_DEFAULTS.logoutRedirect),
    allowedReturnTo: resolveAllowedReturnTo(input['allowedReturnTo']),
    scopes: resolveScopes(input['scopes']),
    origin: resolveOrigin(input['origin']),
    cookieName,
    logoutTimeout,
    client: client as RequestClientOptions,
  };
}
