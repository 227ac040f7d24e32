import type { Response } from 'express';
import { LOGIN_FAILURE_MESSAGE, SERVER_ERROR_MESSAGE } from './login-failure.js';
import { POPUP_MESSAGE_TYPE } from './popup-page.js';

/**
 * The browser script served at `{basePath}/client.js`. It defines `window.StackExchangeLogin` with one
 * method, `authenticate({ scope, networkUsers })`, which must be called from a click (popup blockers):
 *
 * - opens `{basePath}/start?popup=1[&scope=...][&networkUsers=1]` in a popup;
 * - accepts only `message` events from the page's own origin whose source is that popup;
 * - resolves `{ accountId, displayName, expirationDate, networkUsers }` (`expirationDate` a `Date`, or
 *   `null` for `no_expiry` tokens; `networkUsers` only when asked for);
 * - rejects `{ errorName, errorMessage }`: the callback's codes (`access_denied` when the person
 *   declines, `invalid_state`, `token_error`, `bad_request`, ...), `popup_blocked`, `popup_closed`.
 *
 * The callback page posts its result to the opener. A callback that has no pending login to tell it the
 * login is a popup one (missing, expired or replayed: `invalid_state`; malformed: `bad_request`) is
 * answered with the plain redirect to `failureRedirect?error=<code>` instead; so while the popup is
 * open the script also reads its location when it is on the page's own origin (other origins cannot be
 * read) and, on any page but the callback whose query has `error`, rejects with that code and closes
 * the popup. Only the router's codes are taken from the URL, with their fixed text; any other `error`
 * value rejects as `server_error`. (A failure page whose `Cross-Origin-Opener-Policy` cuts the popup
 * off from its opener cannot be read: that login still ends as `popup_closed`.)
 *
 * A second call while a popup is open focuses it and returns the same promise.
 * The access token never reaches the browser.
 */
export function clientScript(basePath: string): string {
  return `/* passport-stackexchange-oauth2: popup login. The access token stays on the server. */
(function () {
  'use strict';
  var START = ${JSON.stringify(`${basePath}/start`)};
  var CALLBACK = ${JSON.stringify(`${basePath}/callback`)};
  var TYPE = ${JSON.stringify(POPUP_MESSAGE_TYPE)};
  // The router's failure codes and their fixed texts: the only codes taken from a popup's URL.
  var FAILURES = ${JSON.stringify(LOGIN_FAILURE_MESSAGE)};
  var SERVER_ERROR = ${JSON.stringify(SERVER_ERROR_MESSAGE)};
  var pending = null;

  function failure(errorName, errorMessage) {
    return { errorName: errorName, errorMessage: errorMessage };
  }

  // The failure of a popup sent to failureRedirect?error=<code> on this page's origin, or null. Not on
  // the callback (its error is the provider's, and its page posts the router's own answer), and never
  // a page without error (success ends on the callback page, with no error).
  function redirectedFailure(popup) {
    var url;
    try {
      url = new URL(popup.location.href);
    } catch (e) {
      return null; // another origin (Stack Exchange) cannot be read
    }
    // about:blank (before the first load) has the origin "null".
    if (url.origin !== window.location.origin) return null;
    if (url.pathname === CALLBACK || url.pathname === CALLBACK + '/') return null;
    var codes = url.searchParams.getAll('error');
    if (codes.length === 0) return null;
    // failureRedirect may have its own query: the router appends error last.
    var code = codes[codes.length - 1];
    if (Object.prototype.hasOwnProperty.call(FAILURES, code)) return failure(code, FAILURES[code]);
    return failure('server_error', SERVER_ERROR);
  }

  function startURL(options) {
    var params = new URLSearchParams({ popup: '1' });
    var scope = options.scope;
    if (Array.isArray(scope)) scope = scope.join(',');
    if (typeof scope === 'string' && scope !== '') params.set('scope', scope);
    if (options.networkUsers) params.set('networkUsers', '1');
    return START + '?' + params.toString();
  }

  function popupFeatures() {
    var width = 660, height = 640;
    var left = Math.max(0, Math.round((window.screenX || 0) + ((window.outerWidth || width) - width) / 2));
    var top = Math.max(0, Math.round((window.screenY || 0) + ((window.outerHeight || height) - height) / 2));
    return 'popup=yes,width=' + width + ',height=' + height + ',left=' + left + ',top=' + top;
  }

  function authenticate(options) {
    options = options || {};
    if (pending) {
      pending.popup.focus();
      return pending.promise;
    }
    var popup = window.open(startURL(options), 'stackexchange-login', popupFeatures());
    if (!popup) return Promise.reject(failure('popup_blocked', 'The login popup was blocked; call authenticate() from a click.'));
    var current = { popup: popup, promise: null };
    current.promise = new Promise(function (resolve, reject) {
      var timer = null;
      function finish() {
        window.removeEventListener('message', onMessage);
        if (timer !== null) clearInterval(timer);
        if (pending === current) pending = null;
      }
      function onMessage(event) {
        if (event.origin !== window.location.origin || event.source !== popup) return;
        var data = event.data;
        if (!data || data.type !== TYPE) return;
        finish();
        if (typeof data.errorName === 'string') {
          reject(failure(data.errorName, String(data.errorMessage || '')));
          return;
        }
        var result = {
          accountId: data.accountId,
          displayName: data.displayName,
          expirationDate: data.expirationDate ? new Date(data.expirationDate) : null
        };
        if (Array.isArray(data.networkUsers)) result.networkUsers = data.networkUsers;
        resolve(result);
      }
      window.addEventListener('message', onMessage);
      timer = setInterval(function () {
        if (!popup.closed) {
          var redirected = redirectedFailure(popup);
          if (redirected === null) return;
          finish();
          popup.close();
          reject(redirected);
          return;
        }
        clearInterval(timer);
        timer = null;
        // A message posted just before the popup closed may still be queued: give it a moment.
        setTimeout(function () {
          if (pending !== current) return;
          finish();
          reject(failure('popup_closed', 'The login popup was closed before the login finished.'));
        }, 300);
      }, 250);
    });
    pending = current;
    return current.promise;
  }

  window.StackExchangeLogin = Object.freeze({ authenticate: authenticate });
})();
`;
}

/**
 * Sends the script of {@link clientScript}: JavaScript content type, `nosniff`, revalidated through its
 * ETag (`Cache-Control: no-cache`), same-origin only (`Cross-Origin-Resource-Policy`), no CORS headers.
 */
export function sendClientScript(res: Response, script: string): void {
  res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.send(script);
}
