import { html } from './html.js';
import type { PageContent } from './layout.js';

/**
 * What a plain link to `/auth/logout` shows: the router logs out by POST only (a GET must not end a
 * session: any page could embed it as an image), so the link lands here and the button sends the POST.
 */
export function logoutPage(loggedIn: boolean): PageContent {
  return {
    title: 'Log out',
    main: html`<section class="card notice" id="logout-confirm">
      <h1>Log out?</h1>
      ${
        loggedIn
          ? html`<p>This ends your session here and revokes the app's access token at Stack Exchange.</p>
      <form method="post" action="/auth/logout" class="actions">
        <button type="submit" class="primary" id="logout-confirm-button">Log out</button>
        <a class="button" href="/">Cancel</a>
      </form>`
          : html`<p id="logout-none">You are not logged in.</p>
      <p><a class="button" href="/">Home</a></p>`
      }
    </section>`,
  };
}
