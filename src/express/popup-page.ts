import type { Response } from 'express';
import type { NetworkUser } from '../api/types.js';
import { randomToken } from '../util/random.js';
import { scriptSafeJSON } from '../util/script-json.js';

/** The `type` of every message the popup callback page posts to its opener. */
export const POPUP_MESSAGE_TYPE = 'stackexchange:login';

/** What a successful popup login posts to its opener. Never the token. */
export interface PopupLoginSuccess {
  type: typeof POPUP_MESSAGE_TYPE;
  accountId: number;
  displayName: string;
  /** ISO 8601 expiry of the token, or `null` for `no_expiry` tokens (`client.js` turns it into a `Date`). */
  expirationDate: string | null;
  /** The user's network accounts, when the login asked for them. */
  networkUsers?: NetworkUser[];
}

/** What a failed popup login posts to its opener: a code from a fixed set and a fixed text. */
export interface PopupLoginFailure {
  type: typeof POPUP_MESSAGE_TYPE;
  errorName: string;
  errorMessage: string;
}

/** Either message of the popup callback page. */
export type PopupLoginMessage = PopupLoginSuccess | PopupLoginFailure;

/**
 * The page a popup login ends on: it posts `message` to `window.opener` with `targetOrigin` set to the
 * app's own origin (so no other site can read it) and closes itself. Without an opener it just says
 * that the window can be closed.
 */
export function popupPageHTML(message: PopupLoginMessage, origin: string, nonce: string): string {
  const title = 'errorName' in message ? 'Login failed' : 'Logged in';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:30rem;text-align:center;color:#222}</style>
</head>
<body>
<p>${title}. You can close this window.</p>
<script nonce="${nonce}">
(function () {
  var message = ${scriptSafeJSON(message)};
  var origin = ${scriptSafeJSON(origin)};
  if (window.opener) {
    window.opener.postMessage(message, origin);
    window.close();
  }
})();
</script>
</body>
</html>
`;
}

/**
 * Answers with the popup callback page: a strict CSP whose only allowed script and style carry a
 * fresh nonce, no referrer, not cacheable, not framable, and `Cross-Origin-Opener-Policy: unsafe-none`
 * so that the popup keeps its `opener` after the round trip through Stack Exchange.
 */
export function sendPopupPage(res: Response, status: number, message: PopupLoginMessage, origin: string): void {
  const nonce = randomToken(16);
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
  res.send(popupPageHTML(message, origin, nonce));
}
