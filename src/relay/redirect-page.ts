import { randomToken } from '../util/random.js';
import { scriptSafeJSON } from '../util/script-json.js';

/** An HTML answer of the relay: the body and the headers it must be sent with. */
export interface RelayPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The fixed messages a relay page can show; none contains request data. */
export const PAGE_MESSAGES = {
  stored: 'Signed in. You can close this window and return to the app.',
  declined: 'You declined access. You can close this window and return to the app.',
  failed: 'Stack Exchange reported an error. Return to the app and try again.',
  duplicate: 'This sign-in was already completed. Return to the app.',
  invalid: 'This sign-in link is not valid. Return to the app and start again.',
  unavailable: 'The sign-in relay is unavailable right now. Return to the app and try again.',
  empty: 'There is nothing to deliver. Return to the app and start again.',
  working: 'Completing sign-in…',
  noscript: 'This page needs JavaScript to hand the sign-in over to the app.',
} as const;

/** One of the keys of {@link PAGE_MESSAGES}. */
export type PageMessage = keyof typeof PAGE_MESSAGES;

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}';

// The same for every answer; only the nonce that allows it changes.
const FRAGMENT_SCRIPT = `(function () {
  var m = ${scriptSafeJSON(PAGE_MESSAGES)};
  var out = document.getElementById('status');
  var hash = location.hash.replace(/^#/, '');
  history.replaceState(null, '', location.pathname + location.search);
  if (!hash) { out.textContent = m.empty; return; }
  var fields = new URLSearchParams(hash);
  var body = new URLSearchParams();
  ['access_token', 'expires', 'state', 'error', 'error_description'].forEach(function (name) {
    var value = fields.get(name);
    if (value !== null) body.set(name, value);
  });
  var declined = fields.has('error');
  fetch(location.pathname + location.search, {
    method: 'POST', body: body, credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer'
  }).then(function (res) {
    if (res.ok) out.textContent = declined ? (fields.get('error') === 'access_denied' ? m.declined : m.failed) : m.stored;
    else if (res.status === 409) out.textContent = m.duplicate;
    else if (res.status === 503) out.textContent = m.unavailable;
    else out.textContent = m.invalid;
  }, function () { out.textContent = m.unavailable; });
})();`;

/**
 * The implicit-grant page. Its inline script (allowed by a per-response nonce, nothing else is) reads
 * `location.hash`, removes it from the address bar and history at once, POSTs the fields as
 * `application/x-www-form-urlencoded` to the same path and query (so `appid` travels along), then
 * tells the person to return to the app. The fragment is never put in a URL.
 */
export function fragmentPage(): RelayPage {
  const nonce = randomToken(16);
  const body = `<p id="status">${PAGE_MESSAGES.working}</p><noscript><p>${PAGE_MESSAGES.noscript}</p></noscript><script nonce="${nonce}">${FRAGMENT_SCRIPT}</script>`;
  return {
    html: document(nonce, body),
    headers: pageHeaders(`default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`),
  };
}

/** A static page showing one of the fixed {@link PAGE_MESSAGES}; it runs no script at all. */
export function messagePage(message: PageMessage): RelayPage {
  const nonce = randomToken(16);
  return {
    html: document(nonce, `<p id="status">${PAGE_MESSAGES[message]}</p>`),
    headers: pageHeaders(`default-src 'none'; style-src 'nonce-${nonce}'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`),
  };
}

function document(nonce: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign-in</title><style nonce="${nonce}">${STYLE}</style></head><body>${body}</body></html>`;
}

function pageHeaders(csp: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
