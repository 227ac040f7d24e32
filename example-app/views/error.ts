import { html } from './html.js';
import type { PageContent } from './layout.js';

const TEXTS: Record<number, { heading: string; text: string }> = {
  403: { heading: 'Permission needed', text: 'Your login does not include the permission this page needs.' },
  404: { heading: 'Page not found', text: 'There is nothing at this address.' },
  405: { heading: 'Method not allowed', text: 'This address does not accept that kind of request.' },
  429: { heading: 'Slow down', text: 'Stack Exchange asked us to wait a little. Please try again shortly.' },
  502: { heading: 'Stack Exchange answered unexpectedly', text: 'Please try again in a moment.' },
  503: { heading: 'Temporarily unavailable', text: 'Stack Exchange or the session store is not answering. Please try again in a moment.' },
};

const CLIENT_ERROR = { heading: 'Bad request', text: 'The request could not be understood.' };
const SERVER_ERROR = { heading: 'Something went wrong', text: 'The error has been logged. Please try again.' };

/**
 * The error page for a status. Texts are fixed per status so that nothing from the error itself (its
 * message, stack or provider text) reaches the page. 401 offers to log in and come back.
 */
export function errorPage(status: number, loginURL: string): PageContent {
  if (status === 401) {
    return {
      title: 'Please log in',
      main: html`<section class="card notice">
        <h1>Please log in</h1>
        <p>Your session has ended or this page needs you to be logged in.</p>
        <p><a class="button primary" href="${loginURL}" id="login-again">Log in with Stack Exchange</a></p>
      </section>`,
    };
  }
  const text = TEXTS[status] ?? (status < 500 ? CLIENT_ERROR : SERVER_ERROR);
  return {
    title: text.heading,
    main: html`<section class="card notice">
      <h1>${text.heading}</h1>
      <p>${text.text}</p>
      <p><a href="/">Back to the home page</a></p>
    </section>`,
  };
}
