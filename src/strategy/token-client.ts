import type { OAuth2, oauth2tokenCallback } from 'oauth';
import { TokenError, TokenErrorCode } from '../errors/token-error.js';
import { readTokenAnswer, requestToken, tokenAnswerError } from './token-exchange.js';
import type { TokenAnswer, TokenSet } from './token-exchange.js';

/** What the token client needs from the strategy's settings. */
export interface TokenClientSettings {
  clientID: string;
  clientSecret: string | undefined;
  authorizationURL: string;
  tokenURL: string;
  timeout: number;
  userAgent: string;
  fetch: typeof fetch | undefined;
  customHeaders: Readonly<Record<string, string>>;
}

/**
 * An error answer of the token endpoint, shaped as node-oauth reports one (`statusCode`, `data`), so
 * that passport-oauth2's `_createOAuthError` hands it to the strategy's `parseErrorResponse(body,
 * status)`. `tokenError` is the package's reading of it, used when `parseErrorResponse` gives nothing.
 */
export class TokenErrorAnswer {
  readonly statusCode: number;
  readonly data: string;
  constructor(
    answer: TokenAnswer,
    /** The package's own reading of the answer. */
    readonly tokenError: TokenError,
  ) {
    this.statusCode = answer.status;
    this.data = answer.body;
  }
}


/**
 * The token answer as passport-oauth2's `params`: the raw fields plus `expires` (seconds, from
 * `expires` or `expires_in`), the computed `expiresAt` and `scope` as a list.
 */
export interface StackExchangeTokenParams {
  [field: string]: unknown;
  access_token: string;
  expires?: number;
  expiresAt: number | null;
  scope: string[];
}

function toTokenParams(tokens: TokenSet): StackExchangeTokenParams {
  const { expires: _raw, ...raw } = tokens.raw;
  return {
    ...raw,
    access_token: tokens.accessToken,
    ...(tokens.expires === undefined ? {} : { expires: tokens.expires }),
    expiresAt: tokens.expiresAt,
    scope: tokens.scope,
  };
}
type OAuth2Class = new (
  clientId: string,
  clientSecret: string,
  baseSite: string,
  authorizePath?: string,
  accessTokenPath?: string,
  customHeaders?: Record<string, string>,
) => OAuth2;

function stringParams(params: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof params !== 'object' || params === null) return fields;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
  }
  return fields;
}

/**
 * Makes the strategy's `_oauth2`: a subclass of the node-oauth `OAuth2` class passport-oauth2 itself
 * uses (taken from `base`, the instance passport-oauth2 made, so no second copy of node-oauth is
 * loaded), whose `getOAuthAccessToken` is the package's exchange: fetch with a timeout, no redirects,
 * no empty `client_secret`, at most 64 KiB read, `customHeaders` sent. passport-oauth2's flow calls it
 * with the form its `tokenParams()` hook built, plus `grant_type`, `redirect_uri` and `code_verifier`.
 *
 * - Only `grant_type=authorization_code` is served: a refresh (what passport-oauth2-refresh asks for)
 *   fails with `TOKEN_REFRESH_UNSUPPORTED` and sends nothing.
 * - An error answer calls back with a {@link TokenErrorAnswer}; timeouts and network failures with a
 *   {@link TokenError}.
 */
export function createTokenClient(base: OAuth2, settings: TokenClientSettings): OAuth2 {
  const Base = base.constructor as OAuth2Class;
  class StackExchangeOAuth2 extends Base {
    override getOAuthAccessToken(code: string, params: unknown, callback?: oauth2tokenCallback): void {
      // node-oauth's two-argument form: (code, callback).
      const done = (typeof params === 'function' ? params : callback) as oauth2tokenCallback;
      const fields = stringParams(typeof params === 'function' ? {} : params);
      const { grant_type: grantType = 'authorization_code', redirect_uri: redirectURI, code_verifier: codeVerifier, ...extra } = fields;
      if (grantType !== 'authorization_code') {
        const message = 'Stack Exchange issues no refresh tokens and serves only the authorization code grant: ask the user to log in again (or use the no_expiry scope)';
        queueMicrotask(() => {
          done(new TokenError(message, { code: TokenErrorCode.RefreshUnsupported }));
        });
        return;
      }
      if (redirectURI === undefined || codeVerifier === undefined) {
        queueMicrotask(() => {
          done(new TypeError('getOAuthAccessToken: the form needs redirect_uri and code_verifier (PKCE is always used)'));
        });
        return;
      }
      requestToken({
        tokenURL: settings.tokenURL,
        clientID: settings.clientID,
        ...(settings.clientSecret === undefined ? {} : { clientSecret: settings.clientSecret }),
        code,
        redirectURI,
        codeVerifier,
        timeout: settings.timeout,
        userAgent: settings.userAgent,
        extraParams: extra,
        headers: settings.customHeaders,
        ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
      }).then(
        (answer) => {
          const failure = tokenAnswerError(answer);
          if (failure !== undefined) {
            done(new TokenErrorAnswer(answer, failure));
            return;
          }
          let tokens: TokenSet;
          try {
            tokens = readTokenAnswer(answer);
          } catch (err) {
            done(err as Error);
            return;
          }
          try {
            // node-oauth's callback type has no success form: `null` is what node-oauth itself passes.
            done(null as unknown as Error, tokens.accessToken, undefined, toTokenParams(tokens));
          } catch (err) {
            // What passport-oauth2 runs next (skipUserProfile, userProfile) threw: inside this promise it
            // would be an unhandled rejection (the process ends, the request hangs). It fails the login instead.
            done(err as Error);
          }
        },
        (err: unknown) => {
          done(err as Error);
        },
      );
    }
  }
  // node-oauth never sees the secret: the token request above is the only one made.
  return new StackExchangeOAuth2(settings.clientID, '', '', settings.authorizationURL, settings.tokenURL, { ...settings.customHeaders });
}
