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
  busy: 'Too many sign-ins from your network right now. Wait a minute, then return to the app and try again.',
  empty: 'There is nothing to deliver. Return to the app and start again.',
  working: 'Completing sign-in…',
  noscript: 'This page needs JavaScript to hand the sign-in over to the app.',
} as const;

/** One of the keys of {@link PAGE_MESSAGES}. */
export type PageMessage = keyof typeof PAGE_MESSAGES;

// The example app's look (example-app/public/style.css: colours, card, accent bar) inlined, because the
// CSP allows no stylesheet but this nonce'd one. No fonts or images are fetched.
const STYLE = [
  ':root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#232629;background:#f8f9f9}',
  '*{box-sizing:border-box}',
  'body{margin:0;line-height:1.5}',
  'header{padding:.75rem 1.5rem;background:#fff;border-top:3px solid #f48024;border-bottom:1px solid #d6d9dc;font-weight:600}',
  'main{max-width:32rem;margin:2rem auto;padding:0 1.5rem}',
  '.card{background:#fff;border:1px solid #d6d9dc;border-radius:8px;padding:1.25rem 1.5rem;overflow-wrap:anywhere}',
  '.card p{margin:0}',
].join('');

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
    html: pageDocument(nonce, body),
    headers: pageHeaders(`default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`),
  };
}

/** A static page showing one of the fixed {@link PAGE_MESSAGES}; it runs no script at all. */
export function messagePage(message: PageMessage): RelayPage {
  const nonce = randomToken(16);
  return {
    html: pageDocument(nonce, `<p id="status">${PAGE_MESSAGES[message]}</p>`),
    headers: pageHeaders(`default-src 'none'; style-src 'nonce-${nonce}'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`),
  };
}

/** A whole page around `body`, styled by the one `<style>` that `nonce` allows. */
export function pageDocument(nonce: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign-in</title><style nonce="${nonce}">${STYLE}</style></head><body><header>Stack Exchange sign-in</header><main><div class="card">${body}</div></main></body></html>`;
}

/** The headers of every relay page (and the loopback login's answer): `csp` plus no-referrer, no framing, no cross-origin use. */
export function pageHeaders(csp: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
