import { decodeHtmlEntities, type InboxItem } from 'passport-stackexchange-oauth2';
import { formatNumber } from './format.js';
import { html, safeHref, type SafeHtml } from './html.js';
import type { PageContent } from './layout.js';

/** The inbox page: the unread items, or why they cannot be shown. */
export type InboxView =
  | { kind: 'items'; items: readonly InboxItem[] }
  | { kind: 'missing-scope'; loginURL: string };

// A Map: an item type named like what every object has (`constructor`) is shown as sent.
const ITEM_TYPES = new Map<string, string>([
  ['comment', 'Comment'],
  ['chat_message', 'Chat message'],
  ['new_answer', 'New answer'],
  ['careers_message', 'Careers message'],
  ['careers_invitations', 'Careers invitation'],
  ['meta_question', 'Meta question'],
  ['post_notice', 'Post notice'],
  ['moderator_message', 'Moderator message'],
]);

/** Where and when an item happened, leaving out what the API did not send in a usable form. */
function origin(i: InboxItem): SafeHtml | undefined {
  const site = typeof i.site?.name === 'string' ? decodeHtmlEntities(i.site.name) : undefined;
  const when = new Date(i.creation_date * 1000);
  const date = Number.isNaN(when.getTime()) ? undefined : when.toISOString();
  if (site === undefined && date === undefined) return undefined;
  return html`<small>${site === undefined ? '' : html`on ${site}`}${site !== undefined && date !== undefined ? ', ' : ''}${date === undefined ? '' : html`<time datetime="${date}">${date.slice(0, 10)}</time>`}</small>`;
}

function item(i: InboxItem): SafeHtml {
  const title = decodeHtmlEntities(i.title);
  const href = safeHref(i.link);
  return html`<li class="inbox-item">
    <span class="tag">${ITEM_TYPES.get(i.item_type) ?? i.item_type}</span>
    ${href === undefined ? html`<span>${title}</span>` : html`<a href="${href}" rel="noreferrer">${title}</a>`}
    ${origin(i)}
  </li>`;
}

/** The unread items of the global inbox (scope `read_inbox`), or a way to grant that scope. */
export function inboxPage(view: InboxView): PageContent {
  if (view.kind === 'missing-scope') {
    return {
      title: 'Inbox',
      main: html`<h1>Inbox</h1>
      <section class="card notice" id="inbox-missing-scope">
        <p>Reading your inbox needs the <code>read_inbox</code> permission, which this login did not ask for.</p>
        <p><a class="button primary" href="${view.loginURL}" id="login-read-inbox">Log in again with read_inbox</a></p>
      </section>`,
    };
  }
  const unread = view.items.filter((i) => i.is_unread);
  return {
    title: 'Inbox',
    main: html`<h1>Inbox</h1>
    <section class="card">
      <h2>Unread <small>(${formatNumber(unread.length)})</small></h2>
      ${unread.length === 0 ? html`<p id="inbox-empty">Nothing unread.</p>` : html`<ul id="inbox-items" class="inbox">${unread.map(item)}</ul>`}
    </section>`,
  };
}
