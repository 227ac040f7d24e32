import { VERSION } from '../version.js';
import type { OptionRule } from './options-schema.js';

/** The package's own product token, `passport-stackexchange-oauth2/<version>`. */
export const PACKAGE_USER_AGENT = `passport-stackexchange-oauth2/${VERSION}`;

/**
 * The `User-Agent` for requests to Stack Exchange: the app's own product token (when given) in front
 * of the package's, as RFC 9110 §10.1.5 orders them.
 */
export function userAgent(appUserAgent?: string): string {
  const app = appUserAgent?.trim();
  return app ? `${app} ${PACKAGE_USER_AGENT}` : PACKAGE_USER_AGENT;
}

// Printable ASCII only: Node refuses other characters in a header and would fail every request.
const PRODUCT_TOKEN = /^[\x20-\x7e]+$/;

/**
 * Rule for the app's own `userAgent` option (the strategy, the API client, `desktopLogin`): one line
 * of printable ASCII, without surrounding spaces, checked once at construction.
 */
export function userAgentOption(example: string): OptionRule<string> {
  return (value, fail) => {
    if (typeof value !== 'string' || value.trim() !== value || !PRODUCT_TOKEN.test(value)) {
      return fail('must be a non-empty line of printable ASCII without surrounding spaces (it goes into a header)', example);
    }
    return value;
  };
}
