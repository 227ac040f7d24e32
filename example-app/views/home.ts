import { avatar } from './avatar.js';
import { formatNumber } from './format.js';
import { html, type HtmlValue } from './html.js';
import type { PageContent } from './layout.js';

/** The scopes offered on the home page, with what each one lets the app do. */
export const SCOPE_CHOICES = [
  { scope: 'read_inbox', label: 'Read my inbox', hint: 'lets the Inbox page list your unread items' },
  { scope: 'no_expiry', label: 'Stay logged in', hint: 'the access token does not expire after a day' },
] as const;

/** What the home page shows about the logged-in person, if anyone. */
export interface HomeView {
  user:
    | {
        displayName: string;
        reputation: number;
        siteName: string;
        avatarSrc: string | undefined;
        /** Names of the person's other sites, from the login. */
        otherSites: readonly string[];
      }
    | undefined;
}

function loginForms(): HtmlValue {
  return html`<section class="card" id="login">
    <h2>Log in</h2>
    <form method="get" action="/login" id="login-form">
      <fieldset>
        <legend>Optional permissions</legend>
        ${SCOPE_CHOICES.map(
          (c) => html`<label><input type="checkbox" name="scope" value="${c.scope}"> ${c.label} <small>(${c.scope}: ${c.hint})</small></label>`,
        )}
      </fieldset>
      <input type="hidden" name="returnTo" value="/profile">
      <div class="actions">
        <button type="submit" class="primary" id="login-redirect">Log in with Stack Exchange</button>
        <button type="button" id="login-popup" hidden>Log in with a popup</button>
      </div>
    </form>
    <p id="popup-status" role="status" class="status" hidden></p>
  </section>`;
}

/**
 * Home: what the example shows, and either the login choices (redirect or popup, with optional
 * scopes) or a short summary of the logged-in person. After a popup login, `/static/home.js` fetches
 * this page again and swaps in its header and summary, so both logins end on the same markup.
 */
export function homePage(view: HomeView): PageContent {
  return {
    title: 'Home',
    main: html`<h1>Log in with Stack Exchange</h1>
    <p class="lead">An Express app using <code>passport-stackexchange-oauth2</code>: PKCE login, server-side tokens, and the Stack Exchange API on behalf of the logged-in person.</p>
    ${
      view.user === undefined
        ? loginForms()
        : html`<section class="card user-summary">
        ${avatar(view.user.displayName, view.user.avatarSrc, 64)}
        <div>
          <p>Logged in as <strong id="home-name">${view.user.displayName}</strong>, ${formatNumber(view.user.reputation)} reputation on ${view.user.siteName}.</p>
          ${view.user.otherSites.length > 0 && html`<p id="home-other-sites">Also on ${view.user.otherSites.join(', ')}.</p>`}
          <p><a href="/profile">Profile</a> · <a href="/inbox">Inbox</a></p>
        </div>
      </section>`
    }`,
  };
}
