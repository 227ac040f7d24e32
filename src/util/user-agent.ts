import { VERSION } from '../version.js';

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
