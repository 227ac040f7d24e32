import { decodeHtmlEntities } from '../util/html-entities.js';
import { CONSENT_PATH } from './consent-page.js';

/** What the person on the consent page does. */
export interface ConsentChoice {
  accountId: number;
  approve: boolean;
}

function pageMessage(html: string): string {
  const m = /<p id="error-message">([\s\S]*?)<\/p>/.exec(html);
  return m?.[1] ? decodeHtmlEntities(m[1]) : 'no consent form on the page';
}

function location(response: Response, base: string): URL {
  const value = response.headers.get('location');
  if (value === null) throw new Error(`the sandbox answered ${response.status} without a redirect`);
  return new URL(value, base);
}

/**
 * Acts as a browser on the consent page: opens the authorize URL, reads the form from the HTML
 * (its action and hidden transaction id), submits Approve or Reject as the chosen account, and
 * returns the `Location` it was sent to (no redirect is followed). When the authorize URL
 * redirects at once (an error sent back to the app, or `autoApprove`), that `Location` is returned.
 * Throws an `Error` with the page's message when the sandbox shows an error page.
 */
export async function driveConsent(authorizeUrl: string | URL, choice: ConsentChoice): Promise<URL> {
  const url = new URL(authorizeUrl);
  const page = await fetch(url, { redirect: 'manual' });
  if (page.status >= 300 && page.status < 400) {
    await page.body?.cancel();
    return location(page, url.href);
  }
  const html = await page.text();
  const tx = /<input type="hidden" name="tx" value="([^"]*)">/.exec(html)?.[1];
  if (page.status !== 200 || tx === undefined) throw new Error(`sandbox authorization failed (${page.status}): ${pageMessage(html)}`);
  const action = new URL(decodeHtmlEntities(/<form method="post" action="([^"]*)">/.exec(html)?.[1] ?? CONSENT_PATH), url);
  const form = new URLSearchParams({ tx: decodeHtmlEntities(tx), account_id: String(choice.accountId), decision: choice.approve ? 'approve' : 'reject' });
  const answer = await fetch(action, { method: 'POST', body: form, redirect: 'manual' });
  if (answer.status >= 300 && answer.status < 400) {
    await answer.body?.cancel();
    return location(answer, action.href);
  }
  throw new Error(`sandbox consent failed (${answer.status}): ${pageMessage(await answer.text())}`);
}
