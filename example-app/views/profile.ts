import { decodeHtmlEntities, type NetworkUser } from 'passport-stackexchange-oauth2';
import { avatar } from './avatar.js';
import { formatNumber } from './format.js';
import { html, safeHref, type SafeHtml } from './html.js';
import type { PageContent } from './layout.js';

/** Everything the profile page shows. */
export interface ProfileView {
  displayName: string;
  reputation: number;
  avatarSrc: string | undefined;
  /** The person's profile on the site, when it is an http(s) URL. */
  link: string | undefined;
  siteName: string;
  accountId: number;
  networkUsers: readonly NetworkUser[];
  /** When the access token expires (ms since the epoch), or `null` for a `no_expiry` token. */
  expiresAt: number | null;
  scope: readonly string[];
  /** Milliseconds since the epoch, to say "in about N hours". */
  now: number;
}

function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function relative(ms: number, now: number): string {
  const minutes = Math.round((ms - now) / 60_000);
  if (minutes <= 0) return 'now';
  if (minutes < 90) return `in about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in about ${hours} hours`;
  return `in about ${Math.round(hours / 24)} days`;
}

function expiry(view: ProfileView): SafeHtml {
  if (view.expiresAt === null) {
    return html`<span id="token-expiry">never (the <code>no_expiry</code> scope was granted)</span>`;
  }
  return html`<span id="token-expiry"><time datetime="${new Date(view.expiresAt).toISOString()}">${formatInstant(view.expiresAt)}</time> (${relative(view.expiresAt, view.now)})</span>`;
}

function siteLink(name: string, url: string): SafeHtml {
  const href = safeHref(url);
  return href === undefined ? html`${name}` : html`<a href="${href}" rel="noreferrer">${name}</a>`;
}

/** The profile: avatar, name, reputation and site, the network accounts, and the token's expiry. */
export function profilePage(view: ProfileView): PageContent {
  const profileLink = view.link === undefined ? undefined : safeHref(view.link);
  const accounts = [...view.networkUsers].sort((a, b) => b.reputation - a.reputation);
  return {
    title: 'Profile',
    main: html`<section class="card profile">
      ${avatar(view.displayName, view.avatarSrc)}
      <div>
        <h1 id="display-name">${view.displayName}</h1>
        <p><strong id="reputation">${formatNumber(view.reputation)}</strong> reputation on
          ${profileLink === undefined ? html`<span id="site">${view.siteName}</span>` : html`<a id="site" href="${profileLink}" rel="noreferrer">${view.siteName}</a>`}</p>
        <dl class="facts">
          <dt>Account id</dt><dd>${view.accountId}</dd>
          <dt>Token expires</dt><dd>${expiry(view)}</dd>
          <dt>Scopes</dt><dd id="scopes">${view.scope.length === 0 ? 'none (identity only)' : view.scope.join(', ')}</dd>
        </dl>
      </div>
    </section>
    <section class="card">
      <h2>Network accounts <small>(${formatNumber(accounts.length)})</small></h2>
      ${
        accounts.length === 0
          ? html`<p>No accounts found across the network.</p>`
          : html`<div class="table-scroll"><table id="network-accounts">
        <thead><tr><th>Site</th><th class="num">Reputation</th><th class="num">Questions</th><th class="num">Answers</th></tr></thead>
        <tbody>${accounts.map(
          (a) => html`<tr><td>${siteLink(decodeHtmlEntities(a.site_name), a.site_url)}</td><td class="num">${formatNumber(a.reputation)}</td><td class="num">${formatNumber(a.question_count)}</td><td class="num">${formatNumber(a.answer_count)}</td></tr>`,
        )}</tbody>
      </table></div>`
      }
    </section>`,
  };
}
