import { html } from './html.js';
import type { PageContent } from './layout.js';

/** What the page says for each `?error=` code the router can send; anything else gets the generic text. */
const MESSAGES: Record<string, { heading: string; text: string }> = {
  access_denied: {
    heading: 'You declined access',
    text: 'Nothing was shared with this app. You can log in whenever you like.',
  },
  invalid_state: {
    heading: 'That login link has expired',
    text: 'The login took too long, was already used, or was started in another browser. Please start again.',
  },
  token_error: {
    heading: 'Stack Exchange could not complete the login',
    text: 'The app could not exchange the login for an access token. Please try again in a moment.',
  },
  bad_request: {
    heading: 'The login answer was not valid',
    text: 'The address the browser came back with was malformed. Please start again from this app.',
  },
  profile_error: {
    heading: 'Your profile could not be loaded',
    text: 'Stack Exchange issued the login, but the app could not read your profile with it. Please try again in a moment.',
  },
  temporarily_unavailable: {
    heading: 'The login could not be saved',
    text: 'The session store is not answering, so the login was not kept. Please try again in a moment.',
  },
  login_required: {
    heading: 'Please log in',
    text: 'That page needs you to be logged in with Stack Exchange.',
  },
};

const GENERIC = { heading: 'The login did not work', text: 'Something went wrong while logging in. Please try again.' };

/**
 * The friendly failure page for `failureRedirect`. The code is only used to pick one of the fixed
 * texts above; it is never echoed, since the query string is untrusted. For `invalid_state` the page
 * also names `publicURL`, the app's configured address (never the request's Host): a login started at
 * another address (`127.0.0.1` for `localhost`) comes back without its session cookie.
 */
export function loginFailedPage(code: string | undefined, publicURL: string): PageContent {
  const message = (code !== undefined && Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : undefined) ?? GENERIC;
  const start = code === 'invalid_state' ? `${publicURL}/#login` : '/#login';
  return {
    title: message.heading,
    main: html`<section class="card notice failure">
      <h1 id="failure-heading">${message.heading}</h1>
      <p>${message.text}</p>
      ${code === 'invalid_state' && html`<p id="failure-address">Opened this app at another address? Open it at <a href="${publicURL}/">${publicURL}</a> and log in there.</p>`}
      <p><a class="button primary" href="${start}">Back to the login page</a></p>
    </section>`,
  };
}
