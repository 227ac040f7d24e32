import { realSleep } from '../util/timers.js';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { exchangeCode } from '../strategy/token-exchange.js';
import { logger } from '../util/debug.js';
import { codeChallengeS256, createCodeVerifier } from '../util/pkce.js';
import { randomToken } from '../util/random.js';
import { splitScopeList } from '../util/scope-list.js';
import { userAgent as fullUserAgent } from '../util/user-agent.js';
import { isAppId } from './relay-keys.js';

const log = logger('relay:desktop');

/** Stable codes of the errors {@link desktopLogin} rejects with (besides `TokenError` from the exchange). */
export const DesktopLoginErrorCode = {
  /** The person declined access on Stack Exchange's consent page. */
  AccessDenied: 'ACCESS_DENIED',
  /** Stack Exchange redirected with another OAuth error (e.g. `invalid_scope`). */
  AuthorizationError: 'AUTHORIZATION_ERROR',
  /** No result arrived within `timeout`. */
  Timeout: 'LOGIN_TIMEOUT',
  /** The caller's `signal` aborted the login. */
  Aborted: 'LOGIN_ABORTED',
  /** The relay refused the fetch (bad key, app id not allowed, ...), answered something unreadable, or held a token where a code was expected. */
  Relay: 'RELAY_ERROR',
} as const;

/** One of the values of {@link DesktopLoginErrorCode}. */
export type DesktopLoginErrorCode = (typeof DesktopLoginErrorCode)[keyof typeof DesktopLoginErrorCode];

/** Options of {@link desktopLogin}. */
export interface DesktopLoginOptions {
  /** The app's Stack Apps client id. */
  clientID: string;
  /** Where a {@link tokenRelay} is mounted, e.g. `https://relay.example/auth` (its `/redirect` must be the app's redirect_uri). */
  relayURL: string;
  /** Scopes to ask for (`read_inbox`, `no_expiry`, `write_access`, `private_info`), as an array or a space/comma-separated string. Default none. */
  scope?: string | readonly string[];
  /**
   * The app id that scopes the relay's keys, sent in the redirect_uri (`<relayURL>/redirect?appid=<appId>`)
   * and on every fetch. Default: `clientID`. `false` sends none (a plain `<relayURL>/redirect`).
   */
  appId?: string | false;
  /** Shows the authorize URL to the person, e.g. opens a browser. Default: prints it to stderr. */
  open?: (url: string) => unknown;
  /** The Stack Exchange host of the OAuth endpoints. Default `'stackoverflow.com'`. */
  site?: string;
  /** The authorize endpoint. Default `https://<site>/oauth`. */
  authorizationURL?: string;
  /** The JSON token endpoint. Default `https://<site>/oauth/access_token/json`. */
  tokenURL?: string;
  /** Milliseconds for the whole login, from start to token. Default 300,000 (5 minutes). */
  timeout?: number;
  /** Milliseconds to wait before polling again after an empty answer that came back early (a relay without long-poll). Default 1000. */
  pollInterval?: number;
  /** Aborts the login (rejects with code `LOGIN_ABORTED`). */
  signal?: AbortSignal;
  /** The `fetch` to use for the relay and the token endpoint. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The app's own product token, put in front of the package's in `User-Agent`, e.g. `'my-cli/1.2'`. */
  userAgent?: string;
}

/** What {@link desktopLogin} resolves with. */
export interface DesktopLoginResult {
  accessToken: string;
  /** When the token expires (ms since the epoch), or `null` when it does not (`no_expiry`). */
  expiresAt: number | null;
  /** The scopes granted: as reported by the token endpoint, else the scopes asked for (Stack Exchange grants all or nothing). */
  scope: string[];
}

const LONG_POLL_SECONDS = 30;
// Headroom over the long-poll for the relay's answer to travel back.
const FETCH_GRACE_MS = 10_000;
const EXCHANGE_TIMEOUT_MS = 10_000;

type Poll =
  | { kind: 'code'; code: string }
  | { kind: 'empty' }
  | { kind: 'no_wait' }
  | { kind: 'retry'; afterMs: number };

/**
 * Logs a desktop or CLI app in through a {@link tokenRelay}, with PKCE and without a client secret:
 * makes a code verifier and a 256-bit state, shows the authorize URL (`open`), long-polls
 * `<relayURL>/token` until the relay holds the redirect's result, exchanges the code at the token
 * endpoint (public client, JSON endpoint, `code_verifier`) and resolves with the token. The relay
 * never sees the verifier, so it cannot use the code itself.
 *
 * A relay that is briefly unavailable (503, 429, connection refused) is polled again until `timeout`;
 * one that refuses a 30-second `wait` (a smaller `maxWait`) is polled without one, every `pollInterval`.
 * A token found under the state is refused (`RELAY_ERROR`): this login asked for a code bound to its
 * verifier, so a token there was planted by someone who learnt the state.
 *
 * @throws TypeError when an option is invalid.
 * @throws StackExchangeError with code `ACCESS_DENIED` (refused), `AUTHORIZATION_ERROR`,
 *   `LOGIN_TIMEOUT`, `LOGIN_ABORTED` or `RELAY_ERROR` (see {@link DesktopLoginErrorCode}), or a
 *   `TokenError` when the exchange fails.
 */
export async function desktopLogin(options: DesktopLoginOptions): Promise<DesktopLoginResult> {
  const config = resolve(options);
  const verifier = createCodeVerifier();
  const state = randomToken(32);
  const redirectURI = `${config.relayURL}/redirect${config.appId === undefined ? '' : `?appid=${encodeURIComponent(config.appId)}`}`;
  const authorize = new URL(config.authorizationURL);
  authorize.searchParams.set('client_id', config.clientID);
  authorize.searchParams.set('redirect_uri', redirectURI);
  if (config.scope.length > 0) authorize.searchParams.set('scope', config.scope.join(' '));
  authorize.searchParams.set('state', state);
  authorize.searchParams.set('code_challenge', codeChallengeS256(verifier));
  authorize.searchParams.set('code_challenge_method', 'S256');

  const deadline = Date.now() + config.timeout;
  const deadlineSignal = AbortSignal.timeout(config.timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, deadlineSignal]) : deadlineSignal;
  const stopped = (): StackExchangeError =>
    options.signal?.aborted === true
      ? new StackExchangeError('The desktop login was aborted', { code: DesktopLoginErrorCode.Aborted })
      : new StackExchangeError(`No sign-in arrived within ${config.timeout} ms`, { code: DesktopLoginErrorCode.Timeout });

  if (signal.aborted) throw stopped();
  await config.open(authorize.toString());
  let longPoll = true;
  for (;;) {
    if (signal.aborted) throw stopped();
    const remaining = deadline - Date.now();
    const wait = longPoll ? Math.max(0, Math.min(LONG_POLL_SECONDS, Math.floor(remaining / 1000))) : 0;
    const started = Date.now();
    const poll = await pollOnce(config, state, wait, signal).catch((error: unknown) => {
      if (signal.aborted) throw stopped();
      throw error;
    });
    if (poll.kind === 'code') {
      const tokens = await exchangeCode({
        tokenURL: config.tokenURL,
        clientID: config.clientID,
        code: poll.code,
        redirectURI,
        codeVerifier: verifier,
        timeout: EXCHANGE_TIMEOUT_MS,
        userAgent: config.userAgent,
        ...(config.fetch ? { fetch: config.fetch } : {}),
      });
      return { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, scope: tokens.scope.length > 0 ? tokens.scope : [...config.scope] };
    }
    if (poll.kind === 'no_wait') {
      // The relay holds polls for less than we asked (its maxWait): poll without holding.
      longPoll = false;
      continue;
    }
    const pause = poll.kind === 'retry' ? poll.afterMs : Math.max(0, config.pollInterval - (Date.now() - started));
    if (pause > 0) {
      await realSleep(Math.min(pause, Math.max(0, deadline - Date.now())), signal).catch(() => {
        throw stopped();
      });
    }
  }
}

interface ResolvedLogin {
  clientID: string;
  relayURL: string;
  scope: readonly string[];
  appId: string | undefined;
  open: (url: string) => unknown;
  authorizationURL: string;
  tokenURL: string;
  timeout: number;
  pollInterval: number;
  fetch: typeof fetch | undefined;
  userAgent: string;
}

async function pollOnce(config: ResolvedLogin, state: string, wait: number, signal: AbortSignal): Promise<Poll> {
  const url = new URL(`${config.relayURL}/token`);
  url.searchParams.set('key', state);
  if (config.appId !== undefined) url.searchParams.set('appid', config.appId);
  if (wait > 0) url.searchParams.set('wait', String(wait));
  const fetchImpl = config.fetch ?? fetch;
  let response: Response;
  let body: unknown;
  try {
    response = await fetchImpl(url, {
      headers: { accept: 'application/json', 'user-agent': config.userAgent },
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(wait * 1000 + FETCH_GRACE_MS)]),
    });
    body = await response.json().catch(() => undefined);
  } catch (error) {
    if (signal.aborted) throw error;
    log(`relay unreachable: ${String(error)}`);
    return { kind: 'retry', afterMs: config.pollInterval };
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errorName = typeof record['error_name'] === 'string' ? record['error_name'] : undefined;
  log(`relay answered HTTP ${response.status}${errorName ? ` ${errorName}` : ''}`);
  if (response.status === 200 && typeof record['code'] === 'string') return { kind: 'code', code: record['code'] };
  if (response.status === 200 && typeof record['access_token'] === 'string') {
    // This login asked for a code that only its verifier redeems. A token under its state was posted by
    // someone who learnt the state (e.g. another account's implicit grant): taking it would undo PKCE.
    throw new StackExchangeError('The relay held a token where a code was expected; refused', { code: DesktopLoginErrorCode.Relay });
  }
  if (response.status === 404 && errorName === 'no_token') return { kind: 'empty' };
  if (response.status === 400 && errorName === 'invalid_wait' && wait > 0) return { kind: 'no_wait' };
  if (response.status === 429 || response.status === 503) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return { kind: 'retry', afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : config.pollInterval };
  }
  if (errorName === 'access_denied') {
    throw new StackExchangeError('The user declined access', { code: DesktopLoginErrorCode.AccessDenied });
  }
  if (response.status === 403 && errorName !== undefined && errorName !== 'app_not_allowed' && errorName !== 'cross_site') {
    throw new StackExchangeError(`Stack Exchange reported an authorization error (${safeName(errorName)})`, { code: DesktopLoginErrorCode.AuthorizationError });
  }
  throw new StackExchangeError(`The relay answered HTTP ${response.status}${errorName ? ` (${safeName(errorName)})` : ''}`, { code: DesktopLoginErrorCode.Relay });
}

function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'unknown';
}

function resolve(options: DesktopLoginOptions): ResolvedLogin {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError("desktopLogin: options are required (e.g. desktopLogin({ clientID: '1234', relayURL: 'https://relay.example/auth' }))");
  }
  const { clientID, relayURL, scope = [], appId = clientID, open = printURL, site = 'stackoverflow.com', timeout = 300_000, pollInterval = 1000, userAgent } = options;
  if (typeof clientID !== 'string' || clientID === '') {
    throw new TypeError("desktopLogin: options.clientID is required (e.g. clientID: '1234')");
  }
  if (!isHttpURL(relayURL)) {
    throw new TypeError("desktopLogin: options.relayURL must be an absolute http(s) URL (e.g. relayURL: 'https://relay.example/auth')");
  }
  const scopes = typeof scope === 'string' ? splitScopeList(scope) : scope;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^\w+$/.test(s))) {
    throw new TypeError("desktopLogin: options.scope must be scope names (e.g. scope: ['read_inbox', 'no_expiry'])");
  }
  if (appId !== false && !isAppId(appId)) {
    throw new TypeError("desktopLogin: options.appId must be 1-64 characters of A-Z a-z 0-9 _ - or false (e.g. appId: '1234')");
  }
  if (typeof open !== 'function') {
    throw new TypeError('desktopLogin: options.open must be a function (e.g. open: (url) => console.log(url))');
  }
  if (typeof site !== 'string' || !/^[a-z0-9.-]+$/i.test(site)) {
    throw new TypeError("desktopLogin: options.site must be a host name (e.g. site: 'stackoverflow.com')");
  }
  const authorizationURL = options.authorizationURL ?? `https://${site}/oauth`;
  const tokenURL = options.tokenURL ?? `https://${site}/oauth/access_token/json`;
  if (!isHttpURL(authorizationURL)) {
    throw new TypeError("desktopLogin: options.authorizationURL must be an absolute http(s) URL (e.g. authorizationURL: 'https://stackoverflow.com/oauth')");
  }
  if (!isHttpURL(tokenURL)) {
    throw new TypeError("desktopLogin: options.tokenURL must be an absolute http(s) URL (e.g. tokenURL: 'https://stackoverflow.com/oauth/access_token/json')");
  }
  if (!Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new TypeError('desktopLogin: options.timeout must be a positive integer of milliseconds (e.g. timeout: 300000)');
  }
  if (!Number.isSafeInteger(pollInterval) || pollInterval < 0) {
    throw new TypeError('desktopLogin: options.pollInterval must be a non-negative integer of milliseconds (e.g. pollInterval: 1000)');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('desktopLogin: options.fetch must be a function (e.g. fetch: globalThis.fetch)');
  }
  if (userAgent !== undefined && typeof userAgent !== 'string') {
    throw new TypeError("desktopLogin: options.userAgent must be a string (e.g. userAgent: 'my-cli/1.0')");
  }
  return {
    clientID,
    relayURL: relayURL.replace(/\/+$/, ''),
    scope: scopes,
    appId: appId === false ? undefined : appId,
    open,
    authorizationURL,
    tokenURL,
    timeout,
    pollInterval,
    fetch: options.fetch,
    userAgent: fullUserAgent(userAgent),
  };
}

function isHttpURL(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && url.search === '';
  } catch {
    return false;
  }
}

function printURL(url: string): void {
  process.stderr.write(`Open this address in your browser to sign in with Stack Exchange:\n\n  ${url}\n\n`);
}
