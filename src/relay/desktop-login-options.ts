import { isRecord } from '../util/is-record.js';
import { trimTrailingSlashes } from '../util/trailing-slashes.js';
import { func, nonEmptyString, oneOf, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import type { OptionRule, ParsedOptions } from '../util/options-schema.js';
import { splitScopeList } from '../util/scope-list.js';
import { MAX_TIMER_MS, realSleep } from '../util/timers.js';
import { userAgent as fullUserAgent, userAgentOption } from '../util/user-agent.js';
import { isAppId } from './relay-keys.js';
import { isSecureEndpoint, SECURE_ENDPOINT_RULE } from '../util/loopback.js';

/** Waits `ms` milliseconds, or rejects when `signal` aborts. */
export type LoginSleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Options of {@link desktopLogin} in both modes. */
export interface DesktopLoginCommonOptions {
  /** The app's Stack Apps client id. */
  clientID: string;
  /** Scopes to ask for (`read_inbox`, `no_expiry`, `write_access`, `private_info`), as an array or a space/comma-separated string. Default none. */
  scope?: string | readonly string[];
  /**
   * Shows the authorize URL to the person. Default with `redirect: 'relay'`: prints it to stderr; with
   * `redirect: 'loopback'`: prints it to stderr and opens the default browser (`xdg-open`, `open` or
   * `rundll32`). A rejection ends the login with it.
   */
  openBrowser?: (url: string) => unknown;
  /** @deprecated The former name of `openBrowser`; give one or the other. */
  open?: (url: string) => unknown;
  /** The Stack Exchange host of the OAuth endpoints. Default `'stackoverflow.com'`. */
  site?: string;
  /** The authorize endpoint. Default `https://<site>/oauth`. */
  authorizationURL?: string;
  /** The JSON token endpoint. Default `https://<site>/oauth/access_token/json`. */
  tokenURL?: string;
  /** Milliseconds for the whole login, from start to callback or result. Default 300,000 (5 minutes). */
  timeout?: number;
  /** Aborts the login (rejects with code `LOGIN_ABORTED`). */
  signal?: AbortSignal;
  /** The `fetch` to use for the relay and the token endpoint. Default: the global `fetch` for the relay, `node:http(s)` for the token endpoint. */
  fetch?: typeof fetch;
  /** The app's own product token, put in front of the package's in `User-Agent`, e.g. `'my-cli/1.2'`. */
  userAgent?: string;
  /**
   * How the login waits: for `timeout`, and between polls. Default: a real timer. Tests pass their own
   * to end a login on cue instead of waiting out the clock.
   */
  sleep?: LoginSleep;
}

/** Options of {@link desktopLogin} through a {@link tokenRelay} (the default mode). */
export interface RelayDesktopLoginOptions extends DesktopLoginCommonOptions {
  /** `'relay'` (default): the redirect goes to a token relay the app polls. */
  redirect?: 'relay';
  /** Where a {@link tokenRelay} is mounted, e.g. `https://relay.example/auth` (its `/redirect` must be the app's redirect_uri). */
  relayURL: string;
  /**
   * The app id that scopes the relay's keys, sent in the redirect_uri (`<relayURL>/redirect?appid=<appId>`)
   * and on every fetch. Default: `clientID`. `false` sends none (a plain `<relayURL>/redirect`).
   */
  appId?: string | false;
  /** Milliseconds to wait before polling again after an empty answer that came back early (a relay without long-poll). Default 1000. */
  pollInterval?: number;
  /** Consecutive failures to connect to the relay after which the login fails with `RELAY_UNREACHABLE`. Default 3. */
  maxConnectionFailures?: number;
}

/** Options of {@link desktopLogin} with a loopback redirect (RFC 8252 §7.3): no relay at all. */
export interface LoopbackDesktopLoginOptions extends DesktopLoginCommonOptions {
  /** `'loopback'`: the app listens on 127.0.0.1 (and ::1) and the redirect_uri is `http://localhost:PORT/callback`. */
  redirect: 'loopback';
  /** The port to listen on. Default 0: an ephemeral port the system picks. */
  port?: number;
}

/** Options of {@link desktopLogin}: the relay mode or the loopback mode. */
export type DesktopLoginOptions = RelayDesktopLoginOptions | LoopbackDesktopLoginOptions;

/** What both modes share, validated, with defaults applied. */
export interface ResolvedCommon {
  readonly clientID: string;
  readonly scope: readonly string[];
  readonly openBrowser: (url: string) => unknown;
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly fetch: typeof fetch | undefined;
  readonly userAgent: string;
  readonly sleep: LoginSleep;
}

/** Relay mode, validated. */
export interface ResolvedRelayLogin extends ResolvedCommon {
  readonly redirect: 'relay';
  /** Without a trailing slash. */
  readonly relayURL: string;
  readonly appId: string | undefined;
  readonly pollInterval: number;
  readonly maxConnectionFailures: number;
}

/** Loopback mode, validated. */
export interface ResolvedLoopbackLogin extends ResolvedCommon {
  readonly redirect: 'loopback';
  readonly port: number;
}

/** An absolute http(s) URL without query or fragment; `secure`: https, or http on a loopback host only. */
const httpURL = (example: string, secure = false): OptionRule<string> => (value, fail) => {
  if (typeof value === 'string') {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // Not a URL: refused below.
    }
    if (url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && url.search === '') {
      // Stack Exchange's endpoints get the code and the verifier.
      if (secure && !isSecureEndpoint(url)) return fail(SECURE_ENDPOINT_RULE, example);
      return value;
    }
  }
  return fail('must be an absolute http(s) URL without query or fragment', example);
};

const scopeRule: OptionRule<readonly string[]> = (value, fail) => {
  const scopes: unknown = typeof value === 'string' ? splitScopeList(value) : value;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^\w+$/.test(s))) {
    return fail('must be scope names', "['read_inbox', 'no_expiry']");
  }
  return scopes as string[];
};

const siteRule: OptionRule<string> = (value, fail) => {
  if (typeof value !== 'string' || !/^[a-z0-9.-]+$/i.test(value)) return fail('must be a host name', "'stackoverflow.com'");
  return value;
};

const appIdRule: OptionRule<string | false> = (value, fail) => {
  if (value !== false && !isAppId(value)) return fail('must be 1-64 characters of A-Z a-z 0-9 _ - or false', "'1234'");
  return value;
};

const isSignal = (value: unknown): value is AbortSignal => value instanceof AbortSignal;

const COMMON = {
  redirect: optional(oneOf(['relay', 'loopback'] as const, "'loopback'"), 'relay' as const),
  clientID: nonEmptyString("'1234'"),
  scope: optional(scopeRule, [] as readonly string[]),
  openBrowser: optional(func<(url: string) => unknown>('(url) => console.log(url)'), undefined),
  open: optional(func<(url: string) => unknown>('(url) => console.log(url)'), undefined),
  site: optional(siteRule, 'stackoverflow.com'),
  authorizationURL: optional(httpURL("'https://stackoverflow.com/oauth'", true), undefined),
  tokenURL: optional(httpURL("'https://stackoverflow.com/oauth/access_token/json'", true), undefined),
  timeout: optional(positiveNumber('300000', { integer: true, max: MAX_TIMER_MS }), 300_000),
  signal: optional(passThrough(isSignal, 'must be an AbortSignal', 'AbortSignal.timeout(60000)'), undefined),
  fetch: optional(func<typeof fetch>('globalThis.fetch'), undefined),
  userAgent: optional(userAgentOption("'my-cli/1.0'"), undefined),
  sleep: optional(func<LoginSleep>('(ms, signal) => setTimeout(ms, undefined, { signal })'), undefined),
};

const RELAY = {
  ...COMMON,
  relayURL: httpURL("'https://relay.example/auth'"),
  appId: optional(appIdRule, undefined),
  pollInterval: optional(positiveNumber('1000', { integer: true, allowZero: true, max: MAX_TIMER_MS }), 1000),
  maxConnectionFailures: optional(positiveNumber('3', { integer: true, max: 1000 }), 3),
};

const LOOPBACK = {
  ...COMMON,
  port: optional(positiveNumber('0', { integer: true, allowZero: true, max: 65_535 }), 0),
};

const EXAMPLE = "desktopLogin({ clientID: '1234', redirect: 'loopback' })";

/**
 * Validates {@link DesktopLoginOptions} for their mode (unknown keys refused with the nearest known
 * one, and keys of the other mode refused saying so) and applies the defaults.
 *
 * @param defaultOpener what shows the URL in loopback mode when the options give nothing.
 * @throws TypeError naming the first invalid or unknown option.
 */
export function resolveDesktopLogin(input: DesktopLoginOptions, defaultOpener: (url: string) => unknown): ResolvedRelayLogin | ResolvedLoopbackLogin {
  const loopback = isRecord(input) && input['redirect'] === 'loopback';
  if (isRecord(input)) {
    const foreign = Object.keys(loopback ? RELAY : LOOPBACK).find((key) => !(key in COMMON) && key in input);
    if (foreign !== undefined) {
      throw new TypeError(`desktopLogin: options.${foreign} is only used with redirect: '${loopback ? 'relay' : 'loopback'}' (this login has redirect: '${loopback ? 'loopback' : 'relay'}')`);
    }
    const given: Record<string, unknown> = input;
    if (given['open'] !== undefined && given['openBrowser'] !== undefined) {
      throw new TypeError('desktopLogin: give options.openBrowser or its former name options.open, not both (e.g. openBrowser: (url) => console.log(url))');
    }
  }
  const common = (parsed: ParsedOptions<typeof COMMON>): ResolvedCommon => ({
    clientID: parsed.clientID,
    scope: parsed.scope,
    openBrowser: parsed.openBrowser ?? parsed.open ?? (parsed.redirect === 'loopback' ? defaultOpener : printURL),
    authorizationURL: parsed.authorizationURL ?? `https://${parsed.site}/oauth`,
    tokenURL: parsed.tokenURL ?? `https://${parsed.site}/oauth/access_token/json`,
    timeout: parsed.timeout,
    signal: parsed.signal,
    fetch: parsed.fetch,
    userAgent: fullUserAgent(parsed.userAgent),
    sleep: parsed.sleep ?? realSleep,
  });
  if (loopback) {
    const parsed = parseOptions('desktopLogin', input, LOOPBACK, EXAMPLE);
    return { ...common(parsed), redirect: 'loopback', port: parsed.port };
  }
  const parsed = parseOptions('desktopLogin', input, RELAY, EXAMPLE);
  const appId = parsed.appId ?? parsed.clientID;
  if (appId !== false && !isAppId(appId)) {
    throw new TypeError("desktopLogin: options.appId must be given when clientID is not 1-64 characters of A-Z a-z 0-9 _ - (e.g. appId: '1234', or appId: false)");
  }
  return {
    ...common(parsed),
    redirect: 'relay',
    relayURL: trimTrailingSlashes(parsed.relayURL),
    appId: appId === false ? undefined : appId,
    pollInterval: parsed.pollInterval,
    maxConnectionFailures: parsed.maxConnectionFailures,
  };
}


/** The default of `openBrowser` in relay mode (and the first step of loopback mode's): the URL on stderr. */
export function printURL(url: string): void {
  process.stderr.write(`Open this address in your browser to sign in with Stack Exchange:\n\n  ${url}\n\n`);
}
