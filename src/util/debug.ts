import createDebug from 'debug';
import { redact } from './redact.js';

/**
 * A `debug` logger under `passport-stackexchange-oauth2:<area>` whose messages are redacted, so that
 * enabling tracing in production can never print a token, key, secret, code or verifier.
 */
export function logger(area: string): (message: string) => void {
  const log = createDebug(`passport-stackexchange-oauth2:${area}`);
  return (message) => {
    if (log.enabled) log('%s', redact(message));
  };
}
