import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** The origin of the authorization page, e.g. `https://stackoverflow.com` (forms may lead there). */
  authorizationOrigin: string;
  /** Where profile images may load from, besides this origin: `https:` for real Stack Exchange. */
  imageSources: readonly string[];
  /** The app is served over HTTPS (production): adds HSTS and `upgrade-insecure-requests`. */
  https: boolean;
}

/**
 * helmet with a policy that fits these pages: only same-origin scripts and styles (the page scripts
 * and `/auth/client.js` are files, no inline code), images from this origin and `imageSources`.
 *
 * Departures from helmet's defaults, each needed by the login flows:
 * - `form-action` includes the authorization origin: Chromium applies `form-action` to the redirects
 *   that follow a form submission, and the login form's target (`/login`) redirects to Stack Exchange.
 * - `Cross-Origin-Opener-Policy: same-origin-allow-popups` instead of `same-origin`: with
 *   `same-origin`, the popup login's window loses its link to this page as soon as it visits Stack
 *   Exchange, so the result could never be posted back.
 * - `Referrer-Policy: same-origin` instead of `no-referrer` (see below).
 */
export function securityHeaders(options: SecurityHeadersOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", ...options.imageSources],
        'connect-src': ["'self'"],
        'form-action': ["'self'", options.authorizationOrigin],
        'frame-ancestors': ["'none'"],
        // Over plain http (development) upgrading would send the sandbox's http URLs to https.
        'upgrade-insecure-requests': options.https ? [] : null,
      },
    },
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    strictTransportSecurity: options.https,
    // Not `no-referrer`: under it a browser sends `Origin: null` with form POSTs, and the router's logout
    // checks `Origin`. `same-origin` still sends nothing to other sites.
    referrerPolicy: { policy: 'same-origin' },
  }) as RequestHandler;
}
