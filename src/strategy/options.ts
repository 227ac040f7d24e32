import { RateLimiter } from '../api/rate-limiter.js';
import { optionFailure } from '../util/option-error.js';
import type { OptionFailure } from '../util/option-error.js';
import { splitScopeList } from '../util/scope-list.js';
import { userAgent } from '../util/user-agent.js';
import { MAX_TIMER_MS } from '../util/timers.js';

/** The OAuth scopes Stack Exchange knows. */
export const STACKEXCHANGE_SCOPES = ['read_inbox', 'no_expiry', 'write_access', 'private_info'] as const;

/** One of {@link STACKEXCHANGE_SCOPES}. */
export type StackExchangeScope = (typeof STACKEXCHANGE_SCOPES)[number];

/** Default endpoints and limits of {@link StackExchangeStrategyOptions}. */
export const STRATEGY_DEFAULTS = {
  authorizationURL: 'https://stackoverflow.com/oauth',
  tokenURL: 'https://stackoverflow.com/oauth/access_token/json',
  apiURL: 'https://api.stackexchange.com/2.3',
  site: 'stackoverflow',
  networkUsers: false,
  /** Milliseconds for the token exchange and for each profile request. */
  timeout: 10_000,
  /** Seconds a pending login stays valid. */
  stateTTL: 600,
  /** Pending logins kept per session; the oldest is dropped beyond this. */
  maxPendingLogins: 10,
} as const;

/** Options of `StackExchangeStrategy`. */
export interface StackExchangeStrategyOptions {
  /** The app's client id from Stack Apps (not secret). Required. */
  clientID: string;
  /** The app's client secret. Omit it for a public client (desktop, mobile): PKCE alone then protects the code. */
  clientSecret?: string | undefined;
  /** The app's API key, sent with every API call (for the profile). Required. */
  key: string;
  /** The absolute `redirect_uri` registered for the app, e.g. `https://app.example/auth/callback`. Required. */
  callbackURL: string;
  /** Scopes to ask for: an array or a comma/space-separated string. Default: none (identify the user only). */
  scope?: readonly StackExchangeScope[] | string;
  /** The site whose user the profile describes (`stackoverflow` or a domain). Default `stackoverflow`. */
  site?: string;
  /** Add the user's accounts across the network (`/me/associated`) to the profile. Default `false`. */
  networkUsers?: boolean;
  /** Milliseconds allowed for the token exchange and for each profile request. Default `10000`. */
  timeout?: number;
  /** Seconds a pending login stays valid. Default `600`. */
  stateTTL?: number;
  /** Pending logins kept per session (one per open login tab); the oldest is dropped. Default `10`. */
  maxPendingLogins?: number;
  /** Authorization endpoint. Default `https://stackoverflow.com/oauth`. */
  authorizationURL?: string;
  /** Token endpoint (JSON or form-encoded answers). Default `https://stackoverflow.com/oauth/access_token/json`. */
  tokenURL?: string;
  /** API base URL. Default `https://api.stackexchange.com/2.3`. */
  apiURL?: string;
  /** The app's own product token, put in front of the package's in the `User-Agent`, e.g. `my-app/1.2`. */
  userAgent?: string;
  /** Pass the request as the first argument of `verify`. Default `false`. */
  passReqToCallback?: boolean;
  /** The `fetch` used for the token exchange and the profile (tests inject one). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * The limiter the profile requests queue on. Default: the process-wide one for `apiURL` (30
   * requests/s, Stack Exchange's per-address limit), shared with every `StackExchangeClient`.
   */
  rateLimiter?: RateLimiter;
}

/** {@link StackExchangeStrategyOptions} after validation, with defaults applied. */
export interface ResolvedStrategyOptions {
  clientID: string;
  clientSecret: string | undefined;
  key: string;
  callbackURL: string;
  scope: StackExchangeScope[];
  site: string;
  networkUsers: boolean;
  timeout: number;
  stateTTL: number;
  maxPendingLogins: number;
  authorizationURL: string;
  tokenURL: string;
  apiURL: string;
  /** The full `User-Agent` header value (the app's product token, then the package's). */
  userAgent: string;
  /** The app's own product token as given, if any. */
  appUserAgent: string | undefined;
  passReqToCallback: boolean;
  fetch: typeof fetch | undefined;
  rateLimiter: RateLimiter | undefined;
}

const SITE = /^[a-z0-9][a-z0-9.-]{0,99}$/i;

const fail: OptionFailure = optionFailure('StackExchangeStrategy');

function requiredString(input: Record<string, unknown>, option: string, example: string): string {
  const value = input[option];
  if (value === undefined || value === null || value === '') fail(option, 'is required', example);
  if (typeof value !== 'string' || value.trim() !== value) fail(option, 'must be a string without surrounding spaces', example);
  return value;
}

function optionalString(input: Record<string, unknown>, option: string, example: string): string | undefined {
  const value = input[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.trim() !== value) {
    fail(option, 'must be a non-empty string without surrounding spaces', example);
  }
  return value;
}

/**
 * Checks that `value` is an absolute http(s) URL without a fragment and returns it unchanged.
 * Throws a `TypeError` naming `option` otherwise.
 */
export function absoluteURL(option: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value === '') fail(option, 'must be an absolute http(s) URL', example);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, 'must be an absolute http(s) URL', example);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, 'must use http: or https:', example);
  if (url.hash !== '' || value.includes('#')) fail(option, 'must not have a fragment', example);
  if (url.username !== '' || url.password !== '') fail(option, 'must not carry credentials', example);
  return value;
}

function optionalURL(input: Record<string, unknown>, option: string, fallback: string): string {
  const value = input[option];
  if (value === undefined) return fallback;
  return absoluteURL(option, value, JSON.stringify(fallback));
}

function positiveNumber(input: Record<string, unknown>, option: string, fallback: number, max: number, integer: boolean): number {
  const value = input[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    fail(option, `must be a positive ${integer ? 'integer' : 'number'} no greater than ${max}`, String(fallback));
  }
  return value;
}

function optionalBoolean(input: Record<string, unknown>, option: string, fallback: boolean): boolean {
  const value = input[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be a boolean', String(!fallback));
  return value;
}

/**
 * Parses a scope given as an array or as a comma/space-separated string into a de-duplicated list of
 * known Stack Exchange scopes. Throws a `TypeError` naming `option` for anything else.
 */
export function parseScope(value: unknown, option = 'scope'): StackExchangeScope[] {
  const example = "['read_inbox', 'no_expiry']";
  if (value === undefined) return [];
  let names: unknown[];
  if (typeof value === 'string') names = splitScopeList(value);
  else if (Array.isArray(value)) names = value;
  else fail(option, 'must be an array of scopes or a comma/space-separated string', example);
  const scopes: StackExchangeScope[] = [];
  for (const name of names) {
    if (!(STACKEXCHANGE_SCOPES as readonly unknown[]).includes(name)) {
      fail(option, `may only contain ${STACKEXCHANGE_SCOPES.join(', ')}`, example);
    }
    if (!scopes.includes(name as StackExchangeScope)) scopes.push(name as StackExchangeScope);
  }
  return scopes;
}

/** passport-oauth2 switches that this strategy keeps on: rejecting them beats silently ignoring them. */
function rejectDisabledProtections(input: Record<string, unknown>): void {
  if (input['pkce'] !== undefined && input['pkce'] !== true && input['pkce'] !== 'S256') {
    fail('pkce', 'cannot be changed: PKCE S256 is always used; remove the option', 'true');
  }
  if (input['state'] !== undefined && input['state'] !== true) {
    fail('state', 'cannot be turned off: state is always used; remove the option', 'true');
  }
  if (input['store'] !== undefined) {
    fail('store', 'is not supported: pending logins are kept in the session by the strategy; remove the option', 'undefined');
  }
}

/**
 * Validates the options of `StackExchangeStrategy` and applies the defaults in {@link STRATEGY_DEFAULTS}.
 *
 * @throws TypeError naming the first missing or malformed option, with an example of a correct value.
 */
export function resolveStrategyOptions(options: StackExchangeStrategyOptions): ResolvedStrategyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`StackExchangeStrategy: options are required (e.g. { clientID: "1234", key: "api-key((", callbackURL: "https://app.example/auth/callback" })`);
  }
  const input = options as unknown as Record<string, unknown>;
  rejectDisabledProtections(input);

  const clientID = requiredString(input, 'clientID', '"1234"');
  const key = requiredString(input, 'key', '"api-key(("');
  const callbackURL = absoluteURL('callbackURL', input['callbackURL'], '"https://app.example/auth/callback"');
  const clientSecret = input['clientSecret'];
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    fail('clientSecret', 'must be a non-empty string, or left out for a public client', '"abc"');
  }
  const site = optionalString(input, 'site', '"stackoverflow"') ?? STRATEGY_DEFAULTS.site;
  if (!SITE.test(site)) fail('site', 'must be a site parameter or domain', '"stackoverflow" or "math.stackexchange.com"');
  const fetchImpl = input['fetch'];
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') fail('fetch', 'must be a function', 'globalThis.fetch');
  const appUserAgent = optionalString(input, 'userAgent', '"my-app/1.0 (+https://app.example)"');
  const rateLimiter = input['rateLimiter'];
  if (rateLimiter !== undefined && !(rateLimiter instanceof RateLimiter)) fail('rateLimiter', 'must be a RateLimiter', 'new RateLimiter({ maxRequests: 30 })');

  return {
    clientID,
    clientSecret: clientSecret as string | undefined,
    key,
    callbackURL,
    scope: parseScope(input['scope']),
    site,
    networkUsers: optionalBoolean(input, 'networkUsers', STRATEGY_DEFAULTS.networkUsers),
    timeout: positiveNumber(input, 'timeout', STRATEGY_DEFAULTS.timeout, MAX_TIMER_MS, true),
    stateTTL: positiveNumber(input, 'stateTTL', STRATEGY_DEFAULTS.stateTTL, 86_400, false),
    maxPendingLogins: positiveNumber(input, 'maxPendingLogins', STRATEGY_DEFAULTS.maxPendingLogins, 100, true),
    authorizationURL: optionalURL(input, 'authorizationURL', STRATEGY_DEFAULTS.authorizationURL),
    tokenURL: optionalURL(input, 'tokenURL', STRATEGY_DEFAULTS.tokenURL),
    apiURL: optionalURL(input, 'apiURL', STRATEGY_DEFAULTS.apiURL),
    userAgent: userAgent(appUserAgent),
    appUserAgent,
    passReqToCallback: optionalBoolean(input, 'passReqToCallback', false),
    fetch: fetchImpl as typeof fetch | undefined,
    rateLimiter,
  };
}
