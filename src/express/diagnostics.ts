import { isStackExchangeApiError } from '../errors/api-error.js';
import { TokenErrorCode, isTokenError } from '../errors/token-error.js';
import { redact } from '../util/redact.js';

/** Where the router writes its operator diagnostics: one line each. */
export type DiagnosticsLogger = (line: string) => void;

// Once per distinct cause per process: a misconfigured app fails every login the same way.
const written = new Set<string>();

/** Writes `line` through `logger` unless the same `cause` was written before in this process (redacted). */
export function warnOnce(logger: DiagnosticsLogger, cause: string, line: string): void {
  if (written.has(cause)) return;
  written.add(cause);
  logger(`passport-stackexchange-oauth2: ${redact(line)}`);
}

/**
 * The configuration cause of a login failure and its fix, when the error says the app is set up
 * wrong (rather than the person or Stack Exchange having a bad moment): `[cause, line]`, else `undefined`.
 */
export function configurationCause(err: unknown, tokenURL: string): [string, string] | undefined {
  if (isTokenError(err)) {
    if (err.code === TokenErrorCode.Rejected) {
      return [
        `token-rejected:${err.providerError ?? ''}`,
        `the token endpoint refused the login (${err.providerError ?? 'no error type'}, HTTP ${err.providerStatus ?? '?'}): check clientID and clientSecret, and that callbackURL is under the OAuth domain registered on Stack Apps`,
      ];
    }
    if (err.code === TokenErrorCode.HttpStatus && (err.providerStatus === 404 || err.providerStatus === 405)) {
      return [`token-status:${err.providerStatus}`, `the token endpoint answered HTTP ${err.providerStatus}: check tokenURL (${tokenURL})`];
    }
    return undefined;
  }
  const keyRefused = isStackExchangeApiError(err) && ((err.errorName === 'bad_parameter' && /\bkey\b/.test(err.message)) || err.errorName === 'access_denied');
  if (keyRefused) {
    return [`profile-api:${err.errorName}:key`, `the API refused the profile request (${err.errorName}): check the strategy's key (the app's API key on Stack Apps)`];
  }
  return undefined;
}
