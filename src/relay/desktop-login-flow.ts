import { StackExchangeError } from '../errors/stackexchange-error.js';
import { LoginErrorCode } from '../errors/error-codes.js';
import { exchangeCode } from '../strategy/token-exchange.js';
import { codeChallengeS256, createCodeVerifier } from '../util/pkce.js';
import { randomToken } from '../util/random.js';
import type { ResolvedCommon } from './desktop-login-options.js';

/** Stable codes of the errors {@link desktopLogin} rejects with (besides `TokenError` from the exchange). */
export const DesktopLoginErrorCode = {
  /** The person declined access on Stack Exchange's consent page. */
  AccessDenied: 'ACCESS_DENIED',
  /** Stack Exchange redirected with another OAuth error (e.g. `invalid_scope`). */
  AuthorizationError: LoginErrorCode.AuthorizationError,
  /** No result arrived within `timeout`. */
  Timeout: 'LOGIN_TIMEOUT',
  /** The caller's `signal` aborted the login. */
  Aborted: 'LOGIN_ABORTED',
  /** The relay refused the fetch (bad key, app id not allowed, ...), answered something unreadable, or held a token where a code was expected. */
  Relay: 'RELAY_ERROR',
  /** `maxConnectionFailures` consecutive attempts to connect to the relay failed (it is down, or `relayURL` is wrong). */
  RelayUnreachable: 'RELAY_UNREACHABLE',
  /** Loopback mode could not listen on 127.0.0.1 (the `port` asked for is taken, or no loopback interface). */
  LoopbackUnavailable: 'LOOPBACK_UNAVAILABLE',
} as const;

/** One of the values of {@link DesktopLoginErrorCode}. */
export type DesktopLoginErrorCode = (typeof DesktopLoginErrorCode)[keyof typeof DesktopLoginErrorCode];

/** What {@link desktopLogin} resolves with, in every mode. */
export interface DesktopLoginResult {
  accessToken: string;
  /** When the token expires (ms since the epoch), or `null` when it does not (`no_expiry`). */
  expiresAt: number | null;
  /** The scopes granted: as reported by the token endpoint, else the scopes asked for (Stack Exchange grants all or nothing). */
  scope: string[];
}

const EXCHANGE_TIMEOUT_MS = 10_000;

/** One login's secrets, deadline and shared steps, whatever carries the redirect back. */
export interface LoginRun {
  /** The PKCE code verifier; only its S256 challenge leaves the process before the exchange. */
  readonly verifier: string;
  /** 256 bits, URL-safe: the OAuth `state`, and the relay key. */
  readonly state: string;
  /** Aborts when the caller's signal does or the timeout passes. */
  readonly signal: AbortSignal;
  /** The error for why {@link LoginRun.signal} aborted: `LOGIN_ABORTED` or `LOGIN_TIMEOUT`. */
  stopped(): StackExchangeError;
  /** The authorize URL: client id, redirect_uri, scope, state and the S256 challenge. */
  authorizeURL(redirectURI: string): string;
  /** Trades `code` at the token endpoint as a public client (no secret, the verifier) for the result. */
  exchange(code: string, redirectURI: string): Promise<DesktopLoginResult>;
  /** Stops the timeout's timer (call it once the login settled). */
  end(): void;
}

/** Starts a login: a verifier, a state, and a signal that aborts at the deadline (waited with `config.sleep`). */
export function startRun(config: ResolvedCommon): LoginRun {
  const verifier = createCodeVerifier();
  const state = randomToken(32);
  const deadline = new AbortController();
  const ended = new AbortController();
  // The timeout is one wait on the injectable sleep, so a test can end it on cue.
  config.sleep(config.timeout, ended.signal).then(
    () => deadline.abort(),
    () => undefined,
  );
  const signal = config.signal ? AbortSignal.any([config.signal, deadline.signal]) : deadline.signal;
  return {
    verifier,
    state,
    signal,
    stopped: () =>
      config.signal?.aborted === true
        ? new StackExchangeError('The desktop login was aborted', { code: DesktopLoginErrorCode.Aborted })
        : new StackExchangeError(`No sign-in arrived within ${config.timeout} ms`, { code: DesktopLoginErrorCode.Timeout }),
    authorizeURL(redirectURI) {
      const url = new URL(config.authorizationURL);
      url.searchParams.set('client_id', config.clientID);
      url.searchParams.set('redirect_uri', redirectURI);
      if (config.scope.length > 0) url.searchParams.set('scope', config.scope.join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', codeChallengeS256(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },
    async exchange(code, redirectURI) {
      const tokens = await exchangeCode({
        tokenURL: config.tokenURL,
        clientID: config.clientID,
        code,
        redirectURI,
        codeVerifier: verifier,
        timeout: EXCHANGE_TIMEOUT_MS,
        userAgent: config.userAgent,
        ...(config.fetch ? { fetch: config.fetch } : {}),
      });
      return { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, scope: tokens.scope.length > 0 ? tokens.scope : [...config.scope] };
    },
    end: () => ended.abort(),
  };
}

/** The error for an OAuth error the redirect carried: `ACCESS_DENIED` for a refusal, else `AUTHORIZATION_ERROR` naming it. */
export function authorizationFailure(errorName: string): StackExchangeError {
  if (errorName === 'access_denied') return new StackExchangeError('The user declined access', { code: DesktopLoginErrorCode.AccessDenied });
  return new StackExchangeError(`Stack Exchange reported an authorization error (${safeName(errorName)})`, { code: DesktopLoginErrorCode.AuthorizationError });
}

/** An error name fit for a message: lower-case letters and `_`, else `unknown`. */
export function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'unknown';
}
