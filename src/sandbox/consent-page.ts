import { escapeHtml, layout } from './html.js';
import type { SandboxClient, SandboxUser } from './types.js';

/** The path the consent form posts to. */
export const CONSENT_PATH = '/oauth/consent';

const SCOPE_TEXT: Record<string, string> = {
  read_inbox: 'Read your global inbox',
  no_expiry: 'Access your data at any time (the token does not expire)',
  write_access: 'Perform actions on your behalf, such as voting',
  private_info: 'Access your private information',
};

/** What the consent page shows. */
export interface ConsentPageInput {
  client: SandboxClient;
  redirectUri: string;
  scope: readonly string[];
  users: readonly SandboxUser[];
  /** The single-use transaction id the form carries. */
  transaction: string;
}

/**
 * The consent page: who asks, for what, a choice of sample user (radio buttons, the first checked)
 * and Approve / Reject buttons posting a form with the hidden single-use transaction id.
 * Everything from the request or the configuration is HTML-escaped.
 */
export function consentPage(input: ConsentPageInput): string {
  const scopes = input.scope.length === 0
    ? '<li>Identify you (your public profile)</li>'
    : ['<li>Identify you (your public profile)</li>', ...input.scope.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)} <span class="muted">(${escapeHtml(s)})</span></li>`)].join('\n');
  const users = input.users
    .map((u, i) => {
      const sites = Object.keys(u.sites).join(', ') || 'no site accounts';
      return `<label><input type="radio" name="account_id" value="${u.accountId}"${i === 0 ? ' checked' : ''}> ${escapeHtml(u.displayName)} <span class="muted">(account ${u.accountId}; ${escapeHtml(sites)})</span></label>`;
    })
    .join('\n');
  return layout(
    `Authorize ${input.client.name}`,
    `<h1>${escapeHtml(input.client.name)} would like to access your account</h1>
<p class="muted">It will be sent back to <code>${escapeHtml(input.redirectUri)}</code></p>
<p>This application will be able to:</p>
<ul class="scopes">
${scopes}
</ul>
<form method="post" action="${CONSENT_PATH}">
<input type="hidden" name="tx" value="${escapeHtml(input.transaction)}">
<fieldset>
<legend>Log in as</legend>
${users}
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="reject">Reject</button>
</div>
</form>`,
  );
}
